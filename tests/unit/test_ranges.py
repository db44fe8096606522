"""Address ranges (base/ranges.py) agree with netaddr's IPSet on random prefixes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from netaddr import IPNetwork, IPSet

from ixpctl.base.ranges import intersect, merge, size, span

v4 = st.builds(lambda a, n: f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}/{n}",
               st.integers(0, 2**32 - 1), st.integers(8, 32))
v6 = st.builds(lambda a, n: f"{IPNetwork((a << 64, 128), version=6).ip}/{n}", st.integers(0, 2**64 - 1),
               st.integers(16, 64))


@settings(max_examples=200, deadline=None)
@given(st.lists(v4, max_size=12), st.lists(v4, max_size=12))
def test_ipv4_sizes_match_ipset(a, b):
    ra, rb = merge(span(p)[1] for p in a), merge(span(p)[1] for p in b)
    sa, sb = IPSet(IPNetwork(p).cidr for p in a), IPSet(IPNetwork(p).cidr for p in b)
    assert size(ra) == sa.size and size(intersect(ra, rb)) == (sa & sb).size


@settings(max_examples=100, deadline=None)
@given(st.lists(v6, max_size=8), st.lists(v6, max_size=8))
def test_ipv6_sizes_match_ipset(a, b):
    ra, rb = merge(span(p)[1] for p in a), merge(span(p)[1] for p in b)
    sa, sb = IPSet(IPNetwork(p).cidr for p in a), IPSet(IPNetwork(p).cidr for p in b)
    assert size(ra) == sa.size and size(intersect(ra, rb)) == (sa & sb).size


def test_span_ignores_host_bits_and_families():
    assert span("10.1.2.3/8") == (4, (10 << 24, (11 << 24) - 1))
    assert span("2001:db8::/32")[0] == 6 and span("192.0.2.1")[1] == (3221225985, 3221225985)
