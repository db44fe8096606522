"""Drift between the inventory and PeeringDB: pure, so every case is a few lines of data."""

from __future__ import annotations

from typing import Any

from ixpctl.inventory.models import Inventory
from ixpctl.sources import drift as d
from ixpctl.sources.drift import peeringdb_drift
from ixpctl.sources.facts import Facts, PdbNetIxLan, PdbNetwork
from tests.support.builders import base_inventory, make_member

IX = 7


def _inventory(members: list[dict[str, Any]] | None = None, *, ix_id: int | None = IX) -> Inventory:
    data = base_inventory(2)
    if members is not None:
        data["members"] = members
    data["ixp"]["peeringdb_ix_id"] = ix_id
    return Inventory.model_validate(data)


def _facts_matching(inv: Inventory, **overrides: Any) -> Facts:
    """PeeringDB agreeing with the inventory in every respect."""
    nets, rows = {}, []
    for m in inv.members:
        nets[m.asn] = PdbNetwork(asn=m.asn, name=m.name, irr_as_set=" ".join(m.as_sets)
                                 if isinstance(m.as_sets, list) else "RIPE::AS-FROMPDB")
        for c in m.connections:
            rows.append(PdbNetIxLan(asn=m.asn, ixlan_id=1, ipaddr4=str(c.ipv4) if c.ipv4 else None,
                                    ipaddr6=str(c.ipv6) if c.ipv6 else None, speed=10000,
                                    is_rs_peer=c.route_server))
    facts = Facts(peeringdb=nets, netixlan=rows)
    for key, value in overrides.items():
        setattr(facts, key, value)
    return facts


def _kinds(drifts: list[d.Drift]) -> list[tuple[int | None, str, str]]:
    return [(x.asn, x.kind, x.severity) for x in drifts]


def test_agreement_means_no_drift():
    inv = _inventory()
    assert peeringdb_drift(inv, _facts_matching(inv)) == []


def test_member_missing_from_peeringdb():
    inv = _inventory()
    facts = _facts_matching(inv)
    del facts.peeringdb[64501]
    assert _kinds(peeringdb_drift(inv, facts)) == [(64501, d.MISSING_NETWORK, "warning")]


def test_address_missing_in_peeringdb_and_extra_in_peeringdb():
    inv = _inventory()
    facts = _facts_matching(inv)
    row = facts.netixlan[0]  # AS64501 192.0.2.11 / 2001:db8:0:10::b
    facts.netixlan[0] = PdbNetIxLan(asn=row.asn, ixlan_id=1, ipaddr4="192.0.2.99", ipaddr6=row.ipaddr6,
                                    is_rs_peer=True)
    drifts = peeringdb_drift(inv, facts)
    assert _kinds(drifts) == [(64501, d.NETIXLAN_MISSING, "warning"), (64501, d.NETIXLAN_EXTRA, "warning")]
    assert "192.0.2.11" in drifts[0].message and "192.0.2.99" in drifts[1].message


def test_ipv6_written_differently_is_the_same_address():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.netixlan[0].ipaddr6 = "2001:0db8:0000:0010:0000:0000:0000:000b"
    assert peeringdb_drift(inv, facts) == []


def test_address_of_another_member_is_an_error():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.netixlan.append(PdbNetIxLan(asn=64501, ixlan_id=1, ipaddr4="192.0.2.12", is_rs_peer=True))
    assert _kinds(peeringdb_drift(inv, facts)) == [(64501, d.ADDRESS_CONFLICT, "error")]


def test_is_rs_peer_false_while_peering_with_the_route_servers():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.netixlan[1].is_rs_peer = False
    drifts = peeringdb_drift(inv, facts)
    assert _kinds(drifts) == [(64502, d.NOT_RS_PEER, "warning")]
    assert "192.0.2.12" in drifts[0].message


def test_is_rs_peer_false_is_fine_without_route_server_sessions():
    member = make_member(1)
    member["connections"][0]["route_server"] = False
    inv = _inventory([member])
    facts = _facts_matching(inv)
    assert facts.netixlan[0].is_rs_peer is False
    assert peeringdb_drift(inv, facts) == []


def test_ipv4_only_row_with_null_ipv6():
    member = make_member(1)
    del member["connections"][0]["ipv6"]
    inv = _inventory([member])
    facts = _facts_matching(inv)
    assert facts.netixlan[0].ipaddr6 is None
    assert peeringdb_drift(inv, facts) == []
    facts.netixlan[0].ipaddr4 = None  # a row with no address at all must not crash anything
    assert _kinds(peeringdb_drift(inv, facts)) == [(64501, d.NETIXLAN_MISSING, "warning")]


def test_as_set_differs_is_info_only():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.peeringdb[64501].irr_as_set = "AS-OTHER@RADB"
    drifts = peeringdb_drift(inv, facts)
    assert _kinds(drifts) == [(64501, d.AS_SET_DIFFERS, "info")]
    assert "RIPE::AS-MEMBER1" in drifts[0].message and "RADB::AS-OTHER" in drifts[0].message


def test_as_set_spelled_differently_is_the_same():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.peeringdb[64501].irr_as_set = "as-member1@ripe"
    assert peeringdb_drift(inv, facts) == []


def test_as_set_from_peeringdb_needs_a_usable_value():
    inv = _inventory([make_member(1, as_set="from_peeringdb")])
    facts = _facts_matching(inv)
    assert peeringdb_drift(inv, facts) == []
    facts.peeringdb[64501].irr_as_set = ""
    assert _kinds(peeringdb_drift(inv, facts)) == [(64501, d.AS_SET_UNUSABLE, "warning")]
    facts.peeringdb[64501].irr_as_set = "AS-FOO.RIPE"
    assert "cannot be parsed" in peeringdb_drift(inv, facts)[0].message


def test_member_without_as_set_and_peeringdb_empty():
    member = make_member(1)
    del member["as_set"]
    inv = _inventory([member])
    facts = _facts_matching(inv)
    facts.peeringdb[64501].irr_as_set = ""
    assert peeringdb_drift(inv, facts) == []


def test_registered_but_not_a_member_and_route_servers_are_skipped():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.netixlan += [
        PdbNetIxLan(asn=64507, ixlan_id=1, ipaddr4="192.0.2.23", ipaddr6="2001:db8:0:10::23", is_rs_peer=True),
        PdbNetIxLan(asn=64500, ixlan_id=1, ipaddr4="192.0.2.1"),  # the route servers' own ASN
    ]
    facts.peeringdb[64507] = PdbNetwork(asn=64507, name="Tombouctou Telecom")
    drifts = peeringdb_drift(inv, facts)
    assert _kinds(drifts) == [(64507, d.NOT_A_MEMBER, "warning")]
    assert "Tombouctou Telecom" in drifts[0].message and "192.0.2.23" in drifts[0].message


def test_planned_and_disabled_members_are_not_compared():
    inv = _inventory([make_member(1, status="planned"), make_member(2, status="disabled")])
    assert peeringdb_drift(inv, Facts()) == []


def test_without_ix_id_only_network_checks_run():
    inv = _inventory(ix_id=None)
    facts = _facts_matching(inv)
    facts.netixlan = []
    del facts.peeringdb[64502]
    assert _kinds(peeringdb_drift(inv, facts)) == [(None, d.NO_IX_ID, "warning"),
                                                   (64502, d.MISSING_NETWORK, "warning")]


def test_network_with_nulls_does_not_crash():
    inv = _inventory()
    facts = _facts_matching(inv)
    facts.peeringdb[64501] = PdbNetwork(asn=64501, name="Member 1", irr_as_set="RIPE::AS-MEMBER1",
                                        info_prefixes4=None, info_prefixes6=None)
    assert peeringdb_drift(inv, facts) == []


def test_drift_is_json_ready():
    inv = _inventory()
    facts = _facts_matching(inv)
    del facts.peeringdb[64501]
    assert peeringdb_drift(inv, facts)[0].to_json() == {
        "asn": 64501, "kind": "missing_network", "severity": "warning",
        "message": "AS64501 (Member 1) has no network record in PeeringDB"}
