"""Every validate check fires on the mistake it is for, and points at the right field."""

from __future__ import annotations

import pytest

from ixpctl.analysis.validate import validate
from ixpctl.errors import InputError
from ixpctl.inventory import load_inventory
from ixpctl.policy.loader import load_policy
from tests.support.builders import base_inventory, make_member, write_inventory


def run(tmp_path, data, policy_path=None):
    loaded = load_inventory(write_inventory(tmp_path, data))
    policy = load_policy(policy_path) if policy_path else None
    return validate(loaded, policy, base_dir=tmp_path)


def errors(report):
    return {(p.field, p.message) for p in report.errors}


def has_error(report, field, words):
    return any(p.field == field and words in p.message for p in report.errors), [p.format() for p in report.problems]


def test_clean_inventory_has_no_errors(tmp_path, default_policy_path):
    report = run(tmp_path, base_inventory(), default_policy_path)
    assert report.errors == []
    # the demo flag is always reported
    assert any("DEMO MODE" in p.message for p in report.warnings)


def test_mlix_example_has_no_errors(repo_root, default_policy_path):
    report = validate(load_inventory(repo_root / "inventory"), load_policy(default_policy_path))
    assert report.errors == [], [p.format() for p in report.errors]


def test_duplicate_asn(tmp_path):
    data = base_inventory()
    data["members"][1]["asn"] = data["members"][0]["asn"]
    ok, why = has_error(run(tmp_path, data), "members[1].asn", "listed twice")
    assert ok, why


def test_duplicate_ip(tmp_path):
    data = base_inventory()
    data["members"][1]["connections"][0]["ipv6"] = data["members"][0]["connections"][0]["ipv6"]
    ok, why = has_error(run(tmp_path, data), "members[1].connections[0].ipv6", "already used by AS64501")
    assert ok, why


def test_duplicate_mac(tmp_path):
    data = base_inventory()
    data["members"][2]["connections"][0]["macs"] = data["members"][0]["connections"][0]["macs"]
    ok, why = has_error(run(tmp_path, data), "members[2].connections[0].macs[0]", "already registered")
    assert ok, why


def test_multicast_mac(tmp_path):
    data = base_inventory()
    data["members"][0]["connections"][0]["macs"] = ["01:00:5e:00:00:01"]
    ok, why = has_error(run(tmp_path, data), "members[0].connections[0].macs[0]", "multicast")
    assert ok, why


@pytest.mark.parametrize("addr, words", [
    ("198.51.100.7", "outside LAN"),
    ("192.0.2.0", "network address"),
    ("192.0.2.255", "broadcast address"),
    ("192.0.2.1", "address of route server rs1"),
])
def test_bad_member_ipv4(tmp_path, addr, words):
    data = base_inventory()
    data["members"][0]["connections"][0]["ipv4"] = addr
    ok, why = has_error(run(tmp_path, data), "members[0].connections[0].ipv4", words)
    assert ok, why


def test_ipv6_outside_lan(tmp_path):
    data = base_inventory()
    data["members"][0]["connections"][0]["ipv6"] = "2001:db8:1::1"
    ok, why = has_error(run(tmp_path, data), "members[0].connections[0].ipv6", "outside LAN")
    assert ok, why


def test_documentation_asn_is_an_error_without_the_demo_flag(tmp_path):
    data = base_inventory(fictional=False)
    ok, why = has_error(run(tmp_path, data), "members[0].asn", "documentation ASN")
    assert ok, why


@pytest.mark.parametrize("asn, words", [(64512, "private"), (4200000001, "private"), (23456, "AS_TRANS"),
                                        (0 + 65535, "reserved")])
def test_special_asn_members(tmp_path, asn, words):
    data = base_inventory()
    data["members"][0]["asn"] = asn
    ok, why = has_error(run(tmp_path, data), "members[0].asn", words)
    assert ok, why


def test_member_with_route_server_asn(tmp_path):
    data = base_inventory()
    data["members"][0]["asn"] = 64500
    ok, why = has_error(run(tmp_path, data), "members[0].asn", "route servers' own ASN")
    assert ok, why


def test_unknown_switch_and_port(tmp_path):
    data = base_inventory()
    data["members"][0]["connections"][0]["switch"] = "sw9"
    data["members"][1]["connections"][0]["ports"] = ["Ethernet99"]
    report = run(tmp_path, data)
    assert has_error(report, "members[0].connections[0].switch", "unknown switch 'sw9'")[0]
    assert has_error(report, "members[1].connections[0].ports[0]", "no port 'Ethernet99'")[0]


def test_port_used_twice(tmp_path):
    data = base_inventory()
    data["members"][1]["connections"][0]["ports"] = ["Ethernet1"]
    ok, why = has_error(run(tmp_path, data), "members[1].connections[0].ports[0]", "already used by AS64501")
    assert ok, why


def test_uplink_used_as_member_port(tmp_path):
    data = base_inventory()
    data["switches"][0]["uplinks"] = ["Ethernet1"]
    ok, why = has_error(run(tmp_path, data), "members[0].connections[0].ports[0]", "uplink")
    assert ok, why


def test_several_ports_need_a_lag(tmp_path):
    data = base_inventory()
    data["members"][0]["connections"][0]["ports"] = ["Ethernet1", "Ethernet20"]
    ok, why = has_error(run(tmp_path, data), "members[0].connections[0]", "no LAG name")
    assert ok, why


def test_router_id_clash(tmp_path):
    data = base_inventory()
    data["route_servers"][1]["router_id"] = "192.0.2.1"
    ok, why = has_error(run(tmp_path, data), "route_servers[1].router_id", "also used by rs1")
    assert ok, why


def test_several_lans_need_an_explicit_lan(tmp_path):
    data = base_inventory()
    data["ixp"]["lans"].append({"name": "lan2", "vlan": 20, "ipv4": "198.51.100.0/24"})
    data["route_servers"][0]["lan"] = "lan1"
    data["route_servers"][1]["lan"] = "lan1"
    report = run(tmp_path, data)
    assert has_error(report, "members[0].connections[0].lan", "several LANs")[0]


def test_missing_secret_file_is_an_error_and_unset_env_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("TESTIX_MD5_X", raising=False)
    data = base_inventory()
    data["members"][0]["md5"] = {"file": "secrets/nope.md5"}
    data["members"][1]["md5"] = {"env": "TESTIX_MD5_X"}
    report = run(tmp_path, data)
    assert has_error(report, "members[0].md5", "does not exist")[0]
    assert any(p.field == "members[1].md5" and "TESTIX_MD5_X" in p.message for p in report.warnings)
    monkeypatch.setenv("TESTIX_MD5_X", "s3cret")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "nope.md5").write_text("pw\n")
    (tmp_path / "secrets" / "nope.md5").chmod(0o600)
    report = run(tmp_path, data)
    assert not [p for p in report.problems if p.field and p.field.endswith("md5")]


def test_member_policy_override_checked_against_the_policy_schema(tmp_path, default_policy_path):
    data = base_inventory()
    data["members"][0]["policy"] = {"prefixes": {"length": {"ipv4": {"min": 8, "max": 33}}}}
    data["members"][1]["policy"] = {"rpki": {"enabled": False}}
    data["members"][2]["policy"] = {"blackhol": {"enabled": True}}
    with pytest.raises(InputError) as exc:  # malformed input (exit 2), every override at once
        run(tmp_path, data, default_policy_path)
    problems = exc.value.problems
    text = "\n".join(p.format() for p in problems)
    assert "ipv4 lengths cannot exceed 32" in text
    assert "'rpki.enabled' cannot be overridden per member" in text
    assert "unknown policy section 'blackhol'" in text
    files_lines = [(p.file, p.line) for p in problems]
    assert all(f and l for f, l in files_lines), files_lines


def test_planned_member_without_mac_is_fine_active_one_warned(tmp_path):
    data = base_inventory()
    data["members"][0]["connections"][0]["macs"] = []
    data["members"].append(make_member(4, status="planned"))
    data["members"][3]["connections"][0]["macs"] = []
    report = run(tmp_path, data)
    assert report.errors == []
    warned = [p.field for p in report.warnings if "no MAC" in p.message]
    assert warned == ["members[0].connections[0]"]


def test_peeringdb_drift_from_the_snapshot(repo_root, default_policy_path):
    from ixpctl.sources.snapshot import read_snapshot

    facts = read_snapshot(repo_root / "snapshots" / "mlix")
    report = validate(load_inventory(repo_root / "inventory"), load_policy(default_policy_path), facts=facts)
    drift = [p for p in report.warnings if p.message.startswith("PeeringDB:")]
    assert any("AS64503" in p.message and "is_rs_peer" in p.message for p in drift)
    assert any("AS64507" in p.message for p in drift)  # registered at MLIX, not yet a member
    assert report.errors == []
