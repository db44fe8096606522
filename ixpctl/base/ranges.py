"""Sets of IP addresses as sorted, merged lists of integer ranges: union, intersection, size.

The reports count addresses (the country's space, what the route servers reach) over a full table
and thousands of RIR blocks. netaddr's IPSet gives the same answers but builds CIDR lists for
every operation: 9 s for a 100-member synthetic IXP against 0.2 s here (bench/report_bench.py).
Ranges are inclusive ``(first, last)`` integers of ONE address family; callers keep IPv4 and IPv6
apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_network

Range = tuple[int, int]


def span(prefix: str) -> tuple[int, Range]:
    """(family, (first, last)) of a prefix such as "198.51.100.0/24" (host bits ignored)."""
    if ":" not in prefix:  # the common case of a full table, 5x faster than ipaddress
        address, _, length = prefix.partition("/")
        parts = address.split(".")
        bits = int(length) if length else 32
        if len(parts) == 4 and 0 <= bits <= 32:
            value = 0
            for part in parts:
                octet = int(part)
                if not 0 <= octet <= 255:
                    raise ValueError(f"{prefix!r} is not an IPv4 prefix")
                value = value << 8 | octet
            host = (1 << (32 - bits)) - 1
            return 4, (value & ~host, value | host)
    net = ip_network(prefix, strict=False)
    return net.version, (int(net.network_address), int(net.broadcast_address))


def merge(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, non-overlapping, non-adjacent ranges covering the same addresses."""
    out: list[Range] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def size(merged: Iterable[Range]) -> int:
    return sum(last - first + 1 for first, last in merged)


def intersect(a: list[Range], b: list[Range]) -> list[Range]:
    """The addresses in both (each already merged), merged."""
    out: list[Range] = []
    i = j = 0
    while i < len(a) and j < len(b):
        first, last = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if first <= last:
            out.append((first, last))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
