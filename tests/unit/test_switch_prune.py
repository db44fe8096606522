"""Replace semantics per interface (switch/prune.py): what is removed, what is never touched."""

from __future__ import annotations

from ixpctl.switch.prune import parse_blocks, removals

IOS_RUNNING = """!
interface GigabitEthernet1/0/2
 description AS64502 Old Name
 speed 1000
 switchport mode access
 switchport access vlan 10
 switchport port-security maximum 2
 switchport port-security mac-address 0200.0000.0002
 switchport port-security mac-address 0200.0000.0102
 no cdp enable
 storm-control broadcast level 5.00
!
interface GigabitEthernet1/0/9
 description uplink
"""
IOS_CANDIDATE = """interface GigabitEthernet1/0/2
 description AS64502 Member 2
 switchport mode access
 switchport access vlan 10
 switchport port-security maximum 1
 switchport port-security mac-address 0200.0000.0002
 storm-control broadcast level 1.00
 no shutdown
"""


def test_ios_removes_the_old_mac_first_and_never_bounces_the_port():
    p = removals("ios", IOS_CANDIDATE, IOS_RUNNING)
    assert p.removed == {"interface GigabitEthernet1/0/2": [" no switchport port-security mac-address 0200.0000.0102"]}
    block = parse_blocks(p.candidate)["interface GigabitEthernet1/0/2"]
    assert block[0] == "no switchport port-security mac-address 0200.0000.0102", "removals come first"
    assert "no shutdown" not in block, "a port that is up is not touched (its running config has no shutdown)"
    assert not any(line.startswith(("no speed", "no description", "no storm", "no switchport port-security max"))
                   for line in block), "single-valued lines are overwritten in place"
    assert any("speed 1000" in k for k in p.kept), "a stale speed is reported, not removed (would bounce)"
    assert "interface GigabitEthernet1/0/9" not in p.removed, "interfaces not in the candidate are not managed"


def test_nothing_stale_leaves_the_candidate_alone():
    running = IOS_CANDIDATE.replace(" no shutdown\n", "")
    p = removals("nxos", IOS_CANDIDATE, running)
    assert p.removed == {} and p.candidate == IOS_CANDIDATE


def test_vrp_acl_rules_and_trunk_vlans():
    running = """acl name IXP-IN-GigabitEthernet0-0-2 link
 rule 5 permit l2-protocol 0x0800 source-mac 0200-0000-0002 ffff-ffff-ffff
 rule 35 permit l2-protocol 0x0800 source-mac 0200-0000-0102 ffff-ffff-ffff
 rule 1000 deny
#
interface GigabitEthernet0/0/2
 port link-type trunk
 undo port trunk allow-pass vlan 1
 port trunk allow-pass vlan 10
 port trunk allow-pass vlan 20
 shutdown
#
"""
    candidate = """acl name IXP-IN-GigabitEthernet0-0-2 link
 rule 5 permit l2-protocol 0x0800 source-mac 0200-0000-0002 ffff-ffff-ffff
 rule 1000 deny
interface GigabitEthernet0/0/2
 port link-type trunk
 undo port trunk allow-pass vlan 1
 port trunk allow-pass vlan 10
 undo shutdown
"""
    p = removals("huawei_vrp", candidate, running)
    assert p.removed == {"acl name IXP-IN-GigabitEthernet0-0-2 link": [" undo rule 35"],
                         "interface GigabitEthernet0/0/2": [" undo port trunk allow-pass vlan 20"]}
    assert " undo shutdown\n" in p.candidate, "a shut port that should be up keeps its undo shutdown"
    assert any("'shutdown'" in k for k in p.kept) is False  # shutdown is set by the candidate, not kept


def test_nxos_numbered_entries_are_removed_by_number():
    running = "mac access-list IXP-IN-Ethernet1-2\n  10 permit 0200.0000.0002 0000.0000.0000 any 0x0800\n" \
              "  40 permit 0200.0000.0102 0000.0000.0000 any 0x0800\n  1000 deny any any\n"
    candidate = "mac access-list IXP-IN-Ethernet1-2\n  10 permit 0200.0000.0002 0000.0000.0000 any 0x0800\n" \
                "  1000 deny any any\n"
    p = removals("nxos", candidate, running)
    assert p.removed == {"mac access-list IXP-IN-Ethernet1-2": ["  no 40"]}


def test_ios_acl_rebuild_is_left_out_when_the_device_has_the_same_entries():
    acl = "mac access-list extended IXP-IN-Gi1\n permit host 0200.0000.0001 any 0x800 0x0\n deny any any\n"
    candidate = "no mac access-list extended IXP-IN-Gi1\n" + acl + "interface Gi1\n description x\n"
    same = removals("ios", candidate, acl + "interface Gi1\n description x\n")
    assert same.candidate == "interface Gi1\n description x\n"
    changed = removals("ios", candidate, acl.replace("0001", "0009") + "interface Gi1\n description x\n")
    assert changed.candidate == candidate, "a changed ACL is rebuilt"


def test_a_member_acl_still_bound_by_an_interface_the_candidate_does_not_touch_stays():
    """The candidate no longer has Gi1/0/3 (its port left the inventory): its ACL is still bound there,
    so it is left in place with a warning; the ACL of Gi1/0/2, unbound by the candidate, is deleted last."""
    running = ("mac access-list extended IXP-IN-GigabitEthernet1-0-2\n deny any any\n"
               "mac access-list extended IXP-IN-GigabitEthernet1-0-3\n deny any any\n"
               "interface GigabitEthernet1/0/2\n mac access-group IXP-IN-GigabitEthernet1-0-2 in\n"
               "interface GigabitEthernet1/0/3\n mac access-group IXP-IN-GigabitEthernet1-0-3 in\n")
    candidate = "interface GigabitEthernet1/0/2\n description unused\n shutdown\n"
    p = removals("ios", candidate, running)
    assert p.deleted_acls == ["IXP-IN-GigabitEthernet1-0-2"]
    assert p.candidate.splitlines()[-1] == "no mac access-list extended IXP-IN-GigabitEthernet1-0-2", "after the unbinding"
    assert " no mac access-group IXP-IN-GigabitEthernet1-0-2 in" in p.candidate
    assert any("IXP-IN-GigabitEthernet1-0-3" in k and "still binds it" in k for k in p.kept)


def test_vrp_member_acl_deleted_by_name_whatever_its_type_or_number():
    running = ("acl name IXP-IN-GigabitEthernet0-0-4 4000\n rule 1000 deny\n"
               "acl name IXP-V4-IN advance\n rule 5 deny udp destination-port eq bootps\n"
               "interface GigabitEthernet0/0/4\n traffic-filter inbound acl name IXP-V4-IN\n")
    candidate = "interface GigabitEthernet0/0/4\n traffic-filter inbound acl name IXP-V4-IN\n"
    p = removals("huawei_vrp", candidate, running)
    assert p.deleted_acls == ["IXP-IN-GigabitEthernet0-0-4"] and "undo acl name IXP-IN-GigabitEthernet0-0-4\n" in p.candidate
    assert "IXP-V4-IN advance" not in p.candidate, "the shared peering-LAN ACLs are not member ACLs"
