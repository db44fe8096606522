"""The compact snapshot encoding of prefix ranges and VRPs round-trips every value exactly, and
decoding refuses every entry BIRD would refuse (the checks run at C speed, see compact.py)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ixpctl.sources.compact import BadEntry, decode_ranges, decode_vrps, encode_range, encode_vrp


@st.composite
def prefix_ranges(draw):
    v6 = draw(st.booleans())
    top = 128 if v6 else 32
    length = draw(st.integers(0, top))
    address = draw(st.integers(0, 2**top - 1))
    net = (ipaddress.IPv6Network if v6 else ipaddress.IPv4Network)((address, length), strict=False)
    low = draw(st.integers(length, top))
    return (str(net), low, draw(st.integers(low, top)))


@given(st.lists(prefix_ranges(), max_size=30))
def test_prefix_ranges_round_trip(entries):
    for family, v6 in ((4, False), (6, True)):
        mine = [e for e in entries if (":" in e[0]) is v6]
        assert decode_ranges([encode_range(e) for e in mine], family) == mine


@given(st.lists(st.tuples(prefix_ranges(), st.integers(0, 2**32 - 1)), max_size=30))
def test_vrps_round_trip(items):
    vrps = [(p, high, asn) for (p, _, high), asn in items]
    assert decode_vrps([encode_vrp(v) for v in vrps]) == vrps


def test_the_forms_are_what_an_engineer_reads():
    assert encode_range(("192.0.2.0/24", 24, 24)) == "192.0.2.0/24"
    assert encode_range(("192.0.2.0/23", 23, 24)) == "192.0.2.0/23^23-24"
    assert encode_range(("2001:db8::/32", 48, 48)) == "2001:db8::/32^48-48"
    assert encode_vrp(("2001:db8::/32", 48, 4200000000)) == "2001:db8::/32-48 AS4200000000"


@pytest.mark.parametrize("bad", [["192.0.2.0"], ["192.0.2.0/x"], ["192.0.2.0/24^24"], [["192.0.2.0/24", 24, 24]],
                                 ["192.0.2.1/24"], ["192.0.2.0/33"], ["192.0.2.0/24^24-33"], ["192.0.2.0/24^23-24"],
                                 ["2001:db8::/32"], ["192.0.2.0/ 24"], ["192.0.2.0/2_4"], ["01.0.2.0/24"],
                                 ["192.0.2.0/24", "192.0.2.300/24"]])
def test_malformed_prefix_entries_raise(bad):
    with pytest.raises(BadEntry) as exc:
        decode_ranges(bad, 4)
    assert exc.value.index == len(bad) - 1 and exc.value.why


@pytest.mark.parametrize("bad", ["192.0.2.0/24-33 AS1", "192.0.2.0/24-23 AS1", "192.0.2.0/24-24 AS-1",
                                 "192.0.2.0/24-24 AS4294967296", "192.0.2.1/24-24 AS1", "2001:db8::1/32-48 AS1",
                                 "::/0-129 AS1", "192.0.2.0/24 AS1", "192.0.2.0/24-24 64496", 7])
def test_malformed_vrps_raise(bad):
    with pytest.raises(BadEntry) as exc:
        decode_vrps(["192.0.2.0/24-24 AS64496", "2001:db8::/32-48 AS0", bad])
    assert exc.value.index == 2 and exc.value.why


def test_vrps_in_any_family_order():
    vrps = [("2001:db8::/32", 48, 1), ("192.0.2.0/24", 24, 2), ("2001:db8::/33", 33, 3)]
    assert decode_vrps([encode_vrp(v) for v in vrps]) == vrps


@given(st.text(alphabet="0123456789abcdef.:/^- AS", max_size=40))
def test_whatever_the_decoder_accepts_is_a_valid_prefix_range(text):
    try:
        ((prefix, low, high),) = decode_ranges([text], 6 if ":" in text else 4)
    except BadEntry:
        return
    net = ipaddress.ip_network(prefix, strict=True)
    assert net.prefixlen <= low <= high <= net.max_prefixlen
