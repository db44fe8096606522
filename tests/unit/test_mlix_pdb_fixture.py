"""The MLIX PeeringDB fixture: complete, fictional, and consistent with inventory/mlix.yml."""

from __future__ import annotations

import json
import re
from ipaddress import ip_address, ip_network

from ixpctl.inventory.asn import SPECIAL_ASN_RANGES
from ixpctl.inventory.loader import load_inventory
from tests.support.pdb_fixtures import MLIX_INVENTORY, MLIX_PDB
from tests.support.pdb_server import TAGS

DOC_ASNS = [(first, last) for first, last, why in SPECIAL_ASN_RANGES if "documentation" in why]
DOC_PREFIXES = [ip_network(p) for p in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def _rows(tag: str) -> list[dict]:
    payload = json.loads((MLIX_PDB / f"{tag}.json").read_text(encoding="utf-8"))
    assert set(payload) >= {"data"}
    return payload["data"]


def test_all_13_resources_present_with_required_keys():
    assert sorted(p.stem for p in MLIX_PDB.glob("*.json")) == sorted(TAGS)
    for tag in TAGS:
        for row in _rows(tag):
            assert {"id", "created", "updated", "status"} <= set(row), (tag, row.get("id"))
            assert row["status"] in ("ok", "deleted"), (tag, row["id"])


def test_every_asn_address_and_domain_is_fictional():
    for row in _rows("net") + _rows("netixlan"):
        assert any(lo <= row["asn"] <= hi for lo, hi in DOC_ASNS), row["asn"]
    for row in _rows("netixlan"):
        for addr in (row["ipaddr4"], row["ipaddr6"]):
            if addr:
                assert any(ip_address(addr) in p for p in DOC_PREFIXES), addr
    for row in _rows("ixpfx"):
        assert any(ip_network(row["prefix"]).subnet_of(p) for p in DOC_PREFIXES
                   if ip_network(row["prefix"]).version == p.version)
    for row in _rows("poc"):
        assert row["email"].endswith(".example"), row["email"]
    for row in _rows("net"):
        assert row["website"] == "" or re.match(r"^https://www\.[a-z-]+\.example$", row["website"]) \
            or row["website"] == "https://www.mlix.ml/", row["website"]


def test_netixlan_rows_match_the_active_members_connections():
    inventory = load_inventory(MLIX_INVENTORY).inventory
    live = {(r["asn"], r["ipaddr4"], r["ipaddr6"]) for r in _rows("netixlan") if r["status"] == "ok"}
    for member in inventory.members:
        for conn in member.connections:
            key = (member.asn, str(conn.ipv4) if conn.ipv4 else None, str(conn.ipv6) if conn.ipv6 else None)
            assert (key in live) == member.is_active, key


def test_the_deliberate_oddities_are_there():
    nets = {n["asn"]: n for n in _rows("net")}
    nix = {n["id"]: n for n in _rows("netixlan")}
    assert [r["asn"] for r in nix.values() if r["status"] == "deleted"] == [64506]
    assert [a for a, n in nets.items() if n["info_never_via_route_servers"]] == [64510]
    assert nets[64507]["irr_as_set"] == "AFRINIC::AS-TOMBOUCTOU"
    tomb = [r for r in nix.values() if r["asn"] == 64507]
    assert [(r["ipaddr4"], r["ipaddr6"], r["is_rs_peer"]) for r in tomb] == \
        [("192.0.2.23", "2001:db8:0:10::23", True)]
    assert [r["is_rs_peer"] for r in nix.values() if r["asn"] == 64503] == [False]
    assert nets[64503]["info_prefixes6"] is None
    assert nets[64498]["irr_as_set"] == "AS-KORA@RIPE"
    ix = _rows("ix")[0]
    assert (ix["id"], ix["name"], ix["city"], ix["country"]) == (1, "MLIX", "Bamako", "ML")
    assert sorted(r["prefix"] for r in _rows("ixpfx")) == ["192.0.2.0/24", "2001:db8:0:10::/64"]
