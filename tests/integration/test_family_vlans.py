"""Per-family VLANs (``ixp.lans[].ipv6_lan``): IPv4 on VLAN 10, IPv6 on VLAN 20, one peering service.

Route servers and member routers are dual-stack across the two VLANs (one connection, both
addresses, sessions of both families with each route server; `bird -p` accepts the build); validate
names file, line and field for each mistake; switch ports carry both VLANs (tagged); the IX-F export
lists each connection's two per-VLAN entries and `ixpctl import ixf --vlan 10 --ipv6-vlan 20` merges
them back into one connection per router."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.inventory import load_inventory
from ixpctl.inventory.validate import validate_inventory
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.switch.build import render_switches
from ixpctl.switch.intent import switch_intent
from tests.support.builders import base_inventory, write_inventory
from tests.support.policy_cases import REPO, policy_facts
from tests.support.schemas import schema_path

pytestmark = [pytest.mark.integration]

LANS = [{"name": "peering", "vlan": 10, "ipv4": "192.0.2.0/24", "ipv6_lan": "peering-v6"},
        {"name": "peering-v6", "vlan": 20, "ipv6": "2001:db8:0:10::/64"}]


def paired(members: int = 3) -> dict:
    data = base_inventory(members=members)
    data["ixp"]["lans"] = copy.deepcopy(LANS)
    for m in data["members"]:
        for c in m["connections"]:
            c["vlan_mode"] = "tagged"  # an access port carries one VLAN
    return data


def _problems(tmp_path: Path, data: dict) -> list:
    path = write_inventory(tmp_path / "inv", data)
    return validate_inventory(load_inventory(path)).errors


def test_one_service_dual_stack_sessions(tmp_path):
    loaded = load_inventory(write_inventory(tmp_path / "inv", paired()))
    assert validate_inventory(loaded).errors == []
    inv = loaded.inventory
    assert inv.lan_of(None).name == "peering"  # the only service: lan: may be left out
    assert inv.family_lan(inv.lan_of(None), 6).vlan == 20
    intent = compile_route_server(loaded, load_policy(REPO / "policies" / "default.yml"), policy_facts(),
                                  inv.route_servers[0])
    by_member = {}
    for s in intent.sessions:
        by_member.setdefault(s.member_asn, set()).add((s.afi, s.local_address is not None))
    assert all({a for a, _ in fams} == {4, 6} for fams in by_member.values()) and len(by_member) == 3
    v6 = next(s for s in intent.sessions if s.afi == 6)
    assert v6.neighbor.startswith("2001:db8:0:10::")
    assert "2001:db8:0:10::/64" in intent.lan_prefixes6 and "192.0.2.0/24" in intent.lan_prefixes4


@pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")
def test_the_build_passes_bird(tmp_path):
    from ixpctl.build import build

    loaded = load_inventory(write_inventory(tmp_path / "inv", paired()))
    result = build(loaded, load_policy(REPO / "policies" / "default.yml"), policy_facts(), out_dir=tmp_path / "out",
                   base_dir=REPO)
    text = (tmp_path / "out" / "rs1.conf").read_text()
    assert all(c["checked_by"] for c in result.summary()["configs"])
    assert "protocol bgp AS64501_1_v6" in text and "protocol bgp AS64501_1_v4" in text


@pytest.mark.parametrize("change, message, field", [
    (lambda d: d["ixp"]["lans"][0].update(ipv6_lan="nowhere"), "ipv6_lan names no LAN", "ixp.lans[0].ipv6_lan"),
    (lambda d: d["ixp"]["lans"][1].update(ipv4="198.51.100.0/24"), "has an IPv4 prefix too", "ixp.lans[0].ipv6_lan"),
    (lambda d: d["ixp"]["lans"].append({"name": "other", "vlan": 30, "ipv4": "198.18.0.0/24", "ipv6_lan": "peering-v6"}),
     "is the ipv6_lan of both", "ixp.lans[2].ipv6_lan"),
    (lambda d: d["members"][0]["connections"][0].update(lan="peering-v6"), "the IPv6 VLAN of peering service",
     "members[0].connections[0].lan"),
    (lambda d: d["route_servers"][0].update(lan="peering-v6"), "the IPv6 VLAN of peering service",
     "route_servers[0].lan"),
    (lambda d: d["members"][0]["connections"][0].update(vlan_mode="access"), "an access port cannot carry",
     "members[0].connections[0].vlan_mode"),
    (lambda d: d["members"][0]["connections"][0].update(ipv6="2001:db8:0:99::11"), "outside LAN 'peering-v6'",
     "members[0].connections[0].ipv6"),
])
def test_mistakes_name_file_line_and_field(tmp_path, change, message, field):
    data = paired()
    change(data)
    problems = [p for p in _problems(tmp_path, data) if message in p.message]
    assert problems, [p.message for p in _problems(tmp_path, data)]
    assert problems[0].field == field and problems[0].file.endswith("ixp.yml") and problems[0].line > 0
    assert problems[0].fix


def test_a_typo_in_ipv6_lan_is_one_error_not_one_per_connection(tmp_path):
    data = paired()
    data["ixp"]["lans"][0]["ipv6_lan"] = "peering-6"
    assert [p.field for p in _problems(tmp_path, data)] == ["ixp.lans[0].ipv6_lan"]


def test_a_lan_with_ipv6_lan_has_no_ipv6_of_its_own(tmp_path):
    data = paired()
    data["ixp"]["lans"][0]["ipv6"] = "2001:db8:0:20::/64"
    result = CliRunner().invoke(main, ["-i", str(write_inventory(tmp_path / "inv", data)), "validate", "--json"])
    assert result.exit_code != 0 and "ipv6_lan" in result.output


def test_switch_ports_carry_both_vlans(tmp_path):
    loaded = load_inventory(write_inventory(tmp_path / "inv", paired()))
    intent = switch_intent(loaded.inventory, loaded.inventory.switches[0])
    assert {v.vid for v in intent.lans} == {10, 20}
    assert all([v.vid for v in g.vlans] == [10, 20] and g.vlan_mode == "tagged" for g in intent.groups)
    text = render_switches(loaded)[0].text
    assert "switchport trunk allowed vlan 10,20" in text


def _export(tmp_path: Path, data: dict) -> dict:
    from ixpctl.sources.facts import Provenance
    from ixpctl.sources.snapshot_write import write_snapshot

    inv = write_inventory(tmp_path / "src", data)
    facts = policy_facts()
    for source in ("peeringdb", "irr", "rpki"):
        facts.provenance[source] = Provenance(source, "test", "2026-12-01T00:00:00Z", "0" * 64)
    write_snapshot(facts, tmp_path / "snap")
    out = tmp_path / "export.json"
    result = CliRunner().invoke(main, ["-i", str(inv), "export", "ixf", "--snapshot", str(tmp_path / "snap"),
                                       "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def _import(tmp_path: Path, export: Path, *extra: str):
    old = os.getcwd()
    try:
        os.chdir(tmp_path)
        return CliRunner().invoke(main, ["import", "ixf", str(export), "--fictional", "-o", str(tmp_path / "repo"),
                                         "--json", *extra], catch_exceptions=False)
    finally:
        os.chdir(old)


def test_ixf_export_and_import_round_trip(tmp_path):
    data = paired()
    doc = _export(tmp_path, data)
    jsonschema.Draft4Validator(json.loads(schema_path("ixp-member-list-1.0.schema.json").read_text())).validate(doc)
    member = next(m for m in doc["member_list"] if m["asnum"] == 64501)
    vlans = member["connection_list"][0]["vlan_list"]
    assert [(v.get("vlan_id"), sorted(k for k in v if k in ("ipv4", "ipv6"))) for v in vlans] == \
        [(10, ["ipv4"]), (20, ["ipv6"])]
    (tmp_path / "export.json").write_text(json.dumps(doc))

    plain = _import(tmp_path, tmp_path / "export.json", "--vlan", "10", "--dry-run")
    assert "--ipv6-vlan 20" in plain.output

    result = _import(tmp_path, tmp_path / "export.json", "--vlan", "10", "--ipv6-vlan", "20")
    assert result.exit_code == 0, result.output
    loaded = load_inventory(tmp_path / "repo" / "inventory")
    inv = loaded.inventory
    assert [(l.name, l.vlan, l.ipv6_lan) for l in inv.ixp.lans] == [("peering", 10, "peering-v6"),
                                                                     ("peering-v6", 20, None)]
    assert all(c.ipv4 is not None and c.ipv6 is not None for m in inv.members for c in m.connections)
    assert len(inv.members) == 3 and all(len(m.connections) == 1 for m in inv.members)
    assert all(rs.ipv4 is not None and rs.ipv6 is not None for rs in inv.route_servers)
    assert validate_inventory(loaded).errors == []
    again = _import(tmp_path, tmp_path / "export.json", "--vlan", "10", "--ipv6-vlan", "20")
    assert again.exit_code == 0 and json.loads(again.stdout)["diff"] == ""  # idempotent: both LANs kept as they are


def test_ipv6_vlan_alone_picks_the_other_vlan_for_ipv4(tmp_path):
    (tmp_path / "export.json").write_text(json.dumps(_export(tmp_path, paired())))
    result = _import(tmp_path, tmp_path / "export.json", "--ipv6-vlan", "20")
    assert result.exit_code == 0, result.output
    lans = load_inventory(tmp_path / "repo" / "inventory").inventory.ixp.lans
    assert [(l.vlan, l.ipv6_lan) for l in lans] == [(10, "peering-v6"), (20, None)]


def test_ipv6_vlan_must_exist(tmp_path):
    (tmp_path / "export.json").write_text(json.dumps(_export(tmp_path, paired())))
    result = _import(tmp_path, tmp_path / "export.json", "--vlan", "10", "--ipv6-vlan", "30")
    assert result.exit_code != 0 and "--ipv6-vlan 30 is not in the export" in result.output


def test_the_welcome_pack_shows_both_vlans(tmp_path):
    from ixpctl.publish.welcome import build_welcome, render_markdown

    loaded = load_inventory(write_inventory(tmp_path / "inv", paired()))
    pack = build_welcome(loaded.inventory, load_policy(REPO / "policies" / "default.yml"), 64501, None, None)
    for lang in ("en", "fr"):
        text = render_markdown(pack, lang)
        assert "10 (IPv4), 20 (IPv6)" in text and "2001:db8:0:10::b/64" in text


def test_containerlab_export_and_policy_page(tmp_path, monkeypatch):
    """The containerlab export gives members their IPv6 with the IPv6 LAN's prefix length; the policy
    page names the service as the route servers' LAN."""
    from ixpctl.lab.clab import export_containerlab
    from ixpctl.lab.lab import LabConfig
    from ixpctl.publish.docs import build_policy_doc
    from tests.support.family_vlans import paired_conformance_lab

    lab = paired_conformance_lab(tmp_path, "lab/conformance.lab.yml")
    monkeypatch.chdir(tmp_path)
    topo = export_containerlab(LabConfig.load(lab, base=REPO), tmp_path / "out" / "cix.clab.yml", tmp_path / "cfg")
    execs = [e for n in topo["topology"]["nodes"].values() if n for e in n.get("exec", [])]
    assert "ip -6 addr add 2001:db8:0:10::10/64 dev eth1 nodad" in execs
    loaded = load_inventory(tmp_path / "inventory.yml")
    doc = build_policy_doc(loaded.inventory, load_policy(REPO / "policies" / "default.yml"))
    assert {rs.lan for rs in doc.route_servers} == {"cix-peering"}


def test_onboarding_allocates_the_ipv6_from_the_ipv6_lan(tmp_path):
    from ixpctl.onboard.allocate import allocate_addresses

    inv = load_inventory(write_inventory(tmp_path / "inv", paired())).inventory
    plan = allocate_addresses(inv, inv.lan_of(None))[0]
    assert plan.lan == "peering" and plan.ipv4.startswith("192.0.2.") and plan.ipv6.startswith("2001:db8:0:10::")
