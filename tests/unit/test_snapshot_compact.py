"""The compact snapshot encoding of prefix ranges and VRPs round-trips every value exactly."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ixpctl.sources.compact import decode_ranges, decode_vrps, encode_range, encode_vrp


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
    assert decode_ranges([encode_range(e) for e in entries]) == entries


@given(st.lists(st.tuples(prefix_ranges(), st.integers(0, 2**32 - 1)), max_size=30))
def test_vrps_round_trip(items):
    vrps = [(p, high, asn) for (p, _, high), asn in items]
    assert decode_vrps([encode_vrp(v) for v in vrps]) == vrps


def test_the_forms_are_what_an_engineer_reads():
    assert encode_range(("192.0.2.0/24", 24, 24)) == "192.0.2.0/24"
    assert encode_range(("192.0.2.0/23", 23, 24)) == "192.0.2.0/23^23-24"
    assert encode_range(("2001:db8::/32", 48, 48)) == "2001:db8::/32^48-48"
    assert encode_vrp(("2001:db8::/32", 48, 4200000000)) == "2001:db8::/32-48 AS4200000000"


@pytest.mark.parametrize("bad", [["192.0.2.0"], ["192.0.2.0/x"], ["192.0.2.0/24^24"], [["192.0.2.0/24", 24, 24]]])
def test_malformed_prefix_entries_raise(bad):
    with pytest.raises((ValueError, TypeError)):
        decode_ranges(bad)
