"""AS numbers: parsing and the IANA special-purpose ranges the route server must not accept."""

from __future__ import annotations

import re

AS_TRANS = 23456

# (first, last, why) — IANA special-purpose AS numbers (RFC 7607, 6793, 5398, 6996, 7300, 7249).
SPECIAL_ASN_RANGES: list[tuple[int, int, str]] = [
    (0, 0, "AS0 is reserved (RFC 7607)"),
    (AS_TRANS, AS_TRANS, "AS_TRANS (RFC 6793)"),
    (64496, 64511, "documentation ASN (RFC 5398)"),
    (64512, 65534, "private ASN (RFC 6996)"),
    (65535, 65535, "reserved ASN (RFC 7300)"),
    (65536, 65551, "documentation ASN (RFC 5398)"),
    (65552, 131071, "reserved ASN (IANA)"),
    (4200000000, 4294967294, "private ASN (RFC 6996)"),
    (4294967295, 4294967295, "reserved ASN (RFC 7300)"),
]

_ASN_RE = re.compile(r"^\s*(?:AS)?(\d+)(?:\.(\d+))?\s*$", re.IGNORECASE)


def parse_asn(text: str) -> int:
    """'AS64496', '64496' or asdot '1.10' → int; ValueError with a helpful message otherwise."""
    m = _ASN_RE.match(str(text))
    if not m:
        raise ValueError(f"'{text}' is not an AS number (expected e.g. 64496 or AS64496)")
    if m.group(2) is not None:
        high, low = int(m.group(1)), int(m.group(2))
        if high > 65535 or low > 65535:
            raise ValueError(f"'{text}' is not a valid asdot AS number")
        return high * 65536 + low
    value = int(m.group(1))
    if value > 4294967295:
        raise ValueError(f"'{text}' is larger than the largest 32-bit AS number")
    return value


def special_asn_reason(asn: int) -> str | None:
    """Why this ASN must never appear in a route's AS_PATH (None when it is an ordinary public ASN)."""
    for first, last, why in SPECIAL_ASN_RANGES:
        if first <= asn <= last:
            return why
    return None


def in_ranges(asn: int, ranges: list[tuple[int, int]]) -> bool:
    return any(first <= asn <= last for first, last in ranges)


def is_32bit(asn: int) -> bool:
    """Needs 4 octets: cannot be written in a standard (RFC 1997) community."""
    return asn > 65535
