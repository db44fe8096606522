"""PeeringDB's irr_as_set in the shapes found in real records, and the MLIX fixture's consistency."""

from __future__ import annotations

import json

import pytest

from ixpctl.inventory.irr_names import split_irr_as_set
from ixpctl.inventory.loader import load_inventory
from tests.support.pdb_fixtures import MLIX_INVENTORY, MLIX_PDB


@pytest.mark.parametrize(("field", "names", "bad"), [
    (None, [], []),
    ("", [], []),
    ("   ", [], []),
    ("RIPE::AS-FOO", ["RIPE::AS-FOO"], []),
    ("AS-FOO@RIPE", ["RIPE::AS-FOO"], []),
    ("as-foo@ripe", ["RIPE::AS-FOO"], []),
    ("RIPE:AS-FOO", ["RIPE::AS-FOO"], []),  # legacy single colon
    ("AS64496:AS-CUSTOMERS", ["AS64496:AS-CUSTOMERS"], []),  # hierarchical, not a source
    ("RIPE::AS64496:AS-CUSTOMERS", ["RIPE::AS64496:AS-CUSTOMERS"], []),
    ("RIPE::AS-FOO AS-BAR", ["RIPE::AS-FOO", "AS-BAR"], []),
    ("AS-FOO, AS-BAR", ["AS-FOO", "AS-BAR"], []),
    ("AS-A/AS-B", ["AS-A", "AS-B"], []),
    ("AS-A & AS-B", ["AS-A", "AS-B"], []),
    ("AS-A;AS-B", ["AS-A", "AS-B"], []),
    ("AS-A|AS-B", ["AS-A", "AS-B"], []),
    ("AS-FOO@RADB,AS-BAR@RIPE", ["RADB::AS-FOO", "RIPE::AS-BAR"], []),
    ("ipv4:AS-FOO ipv6:AS-FOO6", ["AS-FOO", "AS-FOO6"], []),
    ("IPv4: AS-FOO, IPv6: AS-FOO6", ["AS-FOO", "AS-FOO6"], []),
    ("ipv4:AS-X@AFRINIC ipv6:AS-X@AFRINIC", ["AFRINIC::AS-X"], []),  # same set twice: once
    ("RIPE: AS-FOO", ["RIPE::AS-FOO"], []),  # spaced source
    ("RIPE:: AS-FOO", ["RIPE::AS-FOO"], []),
    ("AS-FOO @ RIPE", ["RIPE::AS-FOO"], []),
    ("AS-FOO (RIPE)", ["RIPE::AS-FOO"], []),  # source in brackets
    ("RIPE-NONAUTH::AS-FOO", ["RIPE-NONAUTH::AS-FOO"], []),
    ("AS64496", ["AS64496"], []),
    ("AS-FOO\nAS-BAR", ["AS-FOO", "AS-BAR"], []),
    ("AS-FOO (via RADB)", ["AS-FOO"], ["(via", "RADB)"]),  # not understood: reported, not guessed
    ("AS-FOO.RIPE", [], ["AS-FOO.RIPE"]),
    ("AS64496: AS-FOO", ["AS-FOO"], ["AS64496:"]),  # ambiguous: reported
])
def test_irr_as_set_shapes(field, names, bad):
    assert split_irr_as_set(field) == (names, bad)


def _fixture(tag: str) -> list[dict]:
    return json.loads((MLIX_PDB / f"{tag}.json").read_text(encoding="utf-8"))["data"]


def test_mlix_fixture_as_sets_match_the_inventory():
    """Every member that pins an AS-SET pins what its (variously spelled) PeeringDB record says."""
    inventory = load_inventory(MLIX_INVENTORY).inventory
    nets = {n["asn"]: n for n in _fixture("net")}
    for member in inventory.members:
        names, bad = split_irr_as_set(nets[member.asn]["irr_as_set"])
        assert bad == [], member.asn
        if member.as_set_from_peeringdb:
            assert names == ["RIPE::AS-KORA"]
        else:
            assert names == list(member.as_sets), member.asn
