"""The compact text form of prefix ranges and VRPs in snapshot files (snapshot format 2).

A large IXP's snapshot holds ~1.3 M prefix entries and VRPs. As JSON arrays (``["192.0.2.0/24", 24,
24]``) they cost one list and three values per entry to decode, which made reading the snapshot the
slowest step of a build and the largest transient memory use. As one string per entry, JSON decodes
them at C speed and rebuilding the tuples costs one short parse per entry (half the time in total). Each entry stays on its
own line in the file, so a review diff still shows exactly which entries changed.

- prefix range (RPSL range notation): ``192.0.2.0/24`` is exactly that prefix;
  ``192.0.2.0/23^23-24`` is the /23 and its more-specifics up to /24.
- VRP: ``192.0.2.0/24-25 AS64496`` is prefix, maxLength and origin ASN.
- ASPA: ``AS64496 > AS64500 AS64501`` is a customer ASN and its providers (``AS64496 >`` alone: none).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat

from .facts import Aspa, PrefixRange, Vrp


def encode_range(entry: PrefixRange) -> str:
    prefix, low, high = entry
    if low == high == int(prefix[prefix.rindex("/") + 1:]):
        return prefix
    return f"{prefix}^{low}-{high}"


def encode_vrp(vrp: Vrp) -> str:
    prefix, max_length, asn = vrp
    return f"{prefix}-{max_length} AS{asn}"


def _decode_range(text: str) -> PrefixRange:
    prefix, caret, lengths = text.partition("^")
    if not caret:
        length = int(prefix[prefix.rindex("/") + 1:])
        return (prefix, length, length)
    low, high = lengths.split("-")
    return (prefix, int(low), int(high))


def decode_ranges(items: Iterable[str]) -> list[PrefixRange]:
    """The tuples of a list of encoded prefix ranges; ValueError/TypeError on an entry that is not one."""
    items = items if isinstance(items, list) else list(items)
    if any(map(str.__contains__, items, repeat("^"))):  # str.__contains__: TypeError on a non-string
        return [_decode_range(item) for item in items]
    # Exact prefixes only (the common case): each length is parsed once and shared by the tuple.
    lengths = [int(item[item.rindex("/") + 1:]) for item in items]
    return list(zip(items, lengths, lengths, strict=True))


def _decode_vrp(text: str) -> Vrp:
    head, sep, asn = text.partition(" AS")
    prefix, dash, max_length = head.rpartition("-")
    if not sep or not dash or "/" not in prefix:
        raise ValueError(f"{text!r} is not 'prefix-maxLength ASn'")
    return (prefix, int(max_length), int(asn))


def decode_vrps(items: Iterable[str]) -> list[Vrp]:
    # One call per VRP: measured faster than the C-level map chain of decode_ranges, whose three
    # intermediate tuples per entry cost more than the call.
    return list(map(_decode_vrp, items))


def encode_aspa(aspa: Aspa) -> str:
    customer, providers = aspa
    return " ".join([f"AS{customer} >", *(f"AS{p}" for p in providers)])


def _decode_aspa(text: str) -> Aspa:
    head, sep, tail = text.partition(">")
    if not sep or not head.strip().startswith("AS"):
        raise ValueError(f"{text!r} is not 'ASn > ASn ...'")
    return (int(head.strip()[2:]), tuple(int(p.removeprefix("AS")) for p in tail.split()))


def decode_aspas(items: Iterable[str]) -> list[Aspa]:
    return [_decode_aspa(item) for item in items]


__all__ = ["decode_aspas", "decode_ranges", "decode_vrps", "encode_aspa", "encode_range", "encode_vrp"]
