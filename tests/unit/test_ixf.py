"""IX-F member export: valid against the official Euro-IX schemas (1.0 and 0.7), read from ../shared."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.inventory import load_inventory
from ixpctl.policy.loader import load_policy
from ixpctl.publish.ixf import member_list
from ixpctl.sources.facts import PdbNetIxLan, PdbNetwork
from ixpctl.sources.snapshot import read_snapshot
from tests.support.builders import base_inventory, make_member, write_inventory
from tests.support.diff_repo import diff_facts
from tests.support.schemas import schema_path

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def schema(version: str) -> dict:
    return json.loads(schema_path(f"ixp-member-list-{version}.schema.json").read_text())


def assert_valid(doc: dict, version: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft4Validator(schema(version), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def mlix():
    loaded = load_inventory(REPO / "inventory")
    return loaded.inventory, read_snapshot(REPO / "snapshots" / "mlix"), load_policy(REPO / "policies" / "default.yml")


@pytest.mark.parametrize("version", ["1.0", "0.7"])
def test_mlix_export_validates_against_the_schema(mlix, version):
    inv, facts, policy = mlix
    doc = member_list(inv, facts, policy, version=version, now=NOW)
    assert_valid(doc, version)
    assert doc["version"] == version and doc["timestamp"] == "2026-11-22T12:00:00Z"
    ixp = doc["ixp_list"][0]
    assert ixp["shortname"] == "MLIX" and ixp["country"] == "ML" and ixp["peeringdb_id"] == 1
    lg = ["https://lg.mlix.example/"]  # ixp.looking_glass, on each VLAN and protocol the route servers serve
    assert ixp["vlan"] == [{"id": 10, "name": "mlix-peering",
                            "ipv4": {"prefix": "192.0.2.0", "mask_length": 24, "looking_glass_urls": lg},
                            "ipv6": {"prefix": "2001:db8:0:10::", "mask_length": 64, "looking_glass_urls": lg}}]
    asns = [m["asnum"] for m in doc["member_list"]]
    assert asns[0] == 64500 and set(asns[1:]) == {m.asn for m in inv.members}


def test_mlix_member_fields_come_from_inventory_and_peeringdb(mlix):
    inv, facts, policy = mlix
    doc = member_list(inv, facts, policy, now=NOW)
    m = next(e for e in doc["member_list"] if e["asnum"] == 64496)
    assert m["name"] == "Djoliba Transit" and m["member_type"] == "peering"
    assert m["url"] == facts.network(64496).website and m["member_since"] == "2018-02-22T00:00:00Z"
    assert m["contact_email"] == ["noc@djoliba-transit.example"]
    conn = m["connection_list"][0]
    assert conn["state"] == "active" and conn["if_list"] == [{"switch_id": 1, "if_speed": 10000}] * 2  # a 2-port LAG
    v4 = conn["vlan_list"][0]["ipv4"]
    assert v4 == {"address": "192.0.2.10", "as_macro": "RIPE::AS-DJOLIBA", "max_prefix": 400, "routeserver": True,
                  "mac_addresses": ["02:00:00:64:96:01"]}
    rs = doc["member_list"][0]
    assert rs["member_type"] == "ixp"
    addr = rs["connection_list"][0]["vlan_list"][0]["ipv4"]
    assert addr["address"] == "192.0.2.1" and addr["services"][0]["type"] == "ixrouteserver"
    assert "routeserver" not in addr
    # each route server names the daemon it runs (MLIX: rs1 BIRD, rs2 OpenBGPD)
    daemons = [(c["vlan_list"][0]["ipv4"]["address"], c["vlan_list"][0]["ipv4"]["services"][0]["daemon"],
                c["vlan_list"][0]["ipv4"]["services"][0]["daemon_version"]) for c in rs["connection_list"]]
    assert daemons == [("192.0.2.1", "BIRD", "2.0.12"), ("192.0.2.2", "OpenBGPD", "7.7")]


def test_version_07_uses_service_type(mlix):
    inv, facts, policy = mlix
    doc = member_list(inv, facts, policy, version="0.7", now=NOW)
    addr = doc["member_list"][0]["connection_list"][0]["vlan_list"][0]["ipv4"]
    assert addr["service_type"] == ["ixrouteserver"] and "services" not in addr


def test_only_known_data_is_written(tmp_path):
    data = base_inventory(members=0)
    data["members"] = [
        make_member(1, contact=None, status="disabled"),
        make_member(2, max_prefix={"ipv4": 7}),
        make_member(3, status="planned"),
        make_member(4),
    ]
    del data["members"][0]["contact"]
    data["members"][3]["connections"][0]["route_server"] = False
    data["members"][3]["connections"][0]["macs"] = []
    data["switches"][0]["ports"][3] = {"name": "Ethernet4"}  # speed unknown to the inventory
    inv = load_inventory(write_inventory(tmp_path, data)).inventory
    facts = diff_facts()
    facts.peeringdb[64504] = PdbNetwork(64504, "Member 4", info_prefixes4=1000, website="not a url")
    facts.netixlan.append(PdbNetIxLan(64504, 1, ipaddr4="192.0.2.14", speed=1000))
    policy = load_policy(REPO / "policies" / "default.yml")
    for version in ("1.0", "0.7"):
        doc = member_list(inv, facts, policy, version=version, now=NOW)
        assert_valid(doc, version)
        assert "ixf_id" in doc["ixp_list"][0]  # required by the schema
    by = {m["asnum"]: m for m in doc["member_list"]}
    m1 = by[64501]
    assert "contact_email" not in m1 and "url" not in m1 and "member_since" not in m1
    c1 = m1["connection_list"][0]
    assert c1["state"] == "inactive"
    assert c1["vlan_list"][0]["ipv4"]["routeserver"] is False and "max_prefix" not in c1["vlan_list"][0]["ipv4"]
    assert by[64502]["connection_list"][0]["vlan_list"][0]["ipv4"]["max_prefix"] == 7  # inventory wins
    assert by[64503]["connection_list"][0]["state"] == "inactive"
    m4 = by[64504]
    assert "url" not in m4  # PeeringDB's website is not a URL: omitted
    v4 = m4["connection_list"][0]["vlan_list"][0]["ipv4"]
    assert v4["routeserver"] is False and "mac_addresses" not in v4
    assert m4["connection_list"][0]["if_list"] == [{"switch_id": 1, "if_speed": 1000}]  # from PeeringDB


def test_cli_writes_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    out = tmp_path / "ixf" / "members.json"
    result = CliRunner().invoke(main, ["export", "ixf", "--version", "0.7", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "ixf_id is not set" in result.output  # warned, on stderr
    doc = json.loads(out.read_text())
    assert doc["version"] == "0.7" and doc["timestamp"] == "2026-11-18T11:06:40Z"
    assert_valid(doc, "0.7")
