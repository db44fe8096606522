"""Huawei VRP member-port config: structure, MAC notation, member text confined to descriptions.

Like the other vendor dialects, this is checked offline (golden file in test_switch_render.py, and
the block structure here); the diff/commit/rollback cycle runs over SSH against the modelled VRP
device in tests/unit/test_switch_fake_ssh.py.
"""

from __future__ import annotations

from ixpctl.inventory import load_inventory
from ixpctl.switch.build import render_switches
from ixpctl.switch.prune import parse_blocks
from tests.support.builders import write_inventory
from tests.support.switch_builders import platform_inventory


def _render(tmp_path):
    return render_switches(load_inventory(write_inventory(tmp_path, platform_inventory("huawei_vrp"))))[0]


def test_vrp_blocks_and_hygiene(tmp_path):
    rendered = _render(tmp_path)
    text = rendered.intent.platform.push_text(rendered.text)
    assert not [line for line in text.splitlines() if line.startswith("#")], "comments never reach the device"
    blocks = parse_blocks(text)
    g1 = blocks["interface GigabitEthernet0/0/1"]
    for line in ("port-security enable", "port-security max-mac-num 1", "port-security protect-action protect",
                 "port-security mac-address sticky 0200-0000-0001 vlan 10", "stp edged-port enable",
                 "stp bpdu-filter enable", "broadcast-suppression 1", "lldp admin-status disable",
                 "traffic-filter inbound acl name IXP-IN-GigabitEthernet0-0-1", "undo shutdown"):
        assert line in g1, line
    acl = blocks["acl name IXP-IN-GigabitEthernet0-0-1 link"]
    assert acl == ["rule 5 permit l2-protocol 0x0800 source-mac 0200-0000-0001 ffff-ffff-ffff",
                   "rule 15 permit l2-protocol 0x0806 source-mac 0200-0000-0001 ffff-ffff-ffff",
                   "rule 25 permit l2-protocol 0x86dd source-mac 0200-0000-0001 ffff-ffff-ffff", "rule 1000 deny"]
    assert "stp bpdu-protection" in blocks
    # the LAG exists before its members join it; members carry the storm/LLDP lines
    keys = list(blocks)
    assert keys.index("interface Eth-Trunk10") < keys.index("interface GigabitEthernet0/0/3")
    assert "eth-trunk 10" in blocks["interface GigabitEthernet0/0/3"]
    assert "shutdown" in blocks["interface GigabitEthernet0/0/5"]
    assert "interface GigabitEthernet0/0/9" not in blocks, "uplinks are not managed"
    evil = [line for line in text.splitlines() if "Evil" in line]
    assert evil == [" description AS64506 Evil Corp interface Vlan1 shutdown rm Segou"]
