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

Decoding checks every entry, because BIRD refuses what these would otherwise let through (an
address with host bits set, a length range up to /200, a negative or 33-bit ASN) and its refusal
reads like an ixpctl bug. The checks run as ``map`` chains over C functions (``inet_pton``,
``int``): the cost of the checked decode is that of the unchecked one it replaced. Only when a
check fails does :func:`_diagnose` look at the entries one by one, to name the first bad one.
"""

from __future__ import annotations

import ipaddress
import operator
import socket
from collections.abc import Iterable
from functools import partial
from itertools import repeat

from .facts import MAX_U32, Aspa, PrefixRange, Vrp

_BITS = {4: 32, 6: 128}
_PTON = {4: partial(socket.inet_pton, socket.AF_INET), 6: partial(socket.inet_pton, socket.AF_INET6)}
_HOST_MASKS = {family: [(1 << (bits - n)) - 1 for n in range(bits + 1)] for family, bits in _BITS.items()}
# "24" → 24 for every length a family has: one dict lookup checks and converts the length text
# (int() alone would also take " 24", "2_4" or "-5", which end up in the config as written)
_LENGTHS = {family: {str(n): n for n in range(bits + 1)} for family, bits in _BITS.items()}
_first = operator.itemgetter(0)
_second = operator.itemgetter(1)
_third = operator.itemgetter(2)


class BadEntry(ValueError):
    """Entry ``index`` of a list is not a valid prefix range or VRP; ``why`` says what is wrong."""

    def __init__(self, index: int, entry: object, why: str) -> None:
        super().__init__(f"entry {index} {entry!r}: {why}")
        self.index, self.entry, self.why = index, entry, why


def encode_range(entry: PrefixRange) -> str:
    prefix, low, high = entry
    if low == high == int(prefix[prefix.rindex("/") + 1:]):
        return prefix
    return f"{prefix}^{low}-{high}"


def encode_vrp(vrp: Vrp) -> str:
    prefix, max_length, asn = vrp
    return f"{prefix}-{max_length} AS{asn}"


def _ints(texts: list[str]) -> list[int] | None:
    """The numbers in ``texts`` (only the number is used, not the text: int()'s leniency is fine)."""
    try:
        return list(map(int, texts))
    except ValueError:
        return None


def _prefix_lengths(prefixes: list[str], family: int) -> list[int] | None:
    """The length of each prefix when every one is a valid IPv<family> prefix without host bits."""
    parts = list(map(str.partition, prefixes, repeat("/")))
    lengths = list(map(_LENGTHS[family].get, map(_third, parts)))
    if None in lengths:
        return None
    try:
        numbers = map(int.from_bytes, map(_PTON[family], map(_first, parts)), repeat("big"))
        if any(map(operator.and_, numbers, map(_HOST_MASKS[family].__getitem__, lengths))):
            return None
    except (OSError, ValueError):  # inet_pton: not an address of that family (or an embedded NUL)
        return None
    return lengths


def _check_prefix(prefix: object, family: int | None) -> int:
    """The length of one prefix, or ValueError saying why it is not one. The verdict is the fast
    path's own (so the two never disagree); ``ipaddress`` only words the reason."""
    if not isinstance(prefix, str):
        raise ValueError("not a string")  # noqa: TRY004 - one more bad entry, reported like the others
    family = family or (6 if ":" in prefix else 4)
    lengths = _prefix_lengths([prefix], family)
    if lengths is not None:
        return lengths[0]
    try:
        net = ipaddress.ip_network(prefix, strict=True)
    except ValueError as err:
        raise ValueError(str(err) if "/" in prefix else "not an address/length prefix") from None
    raise ValueError(f"not an IPv{family} prefix" if net.version != family else "not a valid prefix")


def _check_range(text: object, family: int) -> PrefixRange:
    if not isinstance(text, str):
        raise ValueError("not a string")  # noqa: TRY004 - one more bad entry, reported like the others
    prefix, caret, lengths = text.partition("^")
    length = _check_prefix(prefix, family)
    if not caret:
        return (prefix, length, length)
    low, dash, high = lengths.partition("-")
    numbers = _ints([low, high]) if dash else None
    if numbers is None:
        raise ValueError("the range after '^' must be 'min-max', e.g. ^24-24")
    if not length <= numbers[0] <= numbers[1] <= _BITS[family]:
        raise ValueError(f"length range {numbers[0]}-{numbers[1]} is not within /{length} to /{_BITS[family]}")
    return (prefix, numbers[0], numbers[1])


def _check_vrp(text: object) -> Vrp:
    if not isinstance(text, str):
        raise ValueError("not a string")  # noqa: TRY004 - one more bad entry, reported like the others
    head, sep, asn_text = text.partition(" AS")
    prefix, dash, max_text = head.rpartition("-")
    if not sep or not dash:
        raise ValueError("not 'prefix-maxLength ASn'")
    length = _check_prefix(prefix, None)
    numbers = _ints([max_text, asn_text])
    if numbers is None:
        raise ValueError("maxLength and ASN must be numbers (ASN 0 to 4294967295)")
    max_length, asn = numbers
    if asn < 0:
        raise ValueError(f"AS{asn} is not an AS number (0 to 4294967295)")
    bits = 128 if ":" in prefix else 32
    if not length <= max_length <= bits:
        raise ValueError(f"maxLength {max_length} is not within /{length} to /{bits}")
    if asn > MAX_U32:
        raise ValueError(f"AS{asn} is not a 32-bit AS number")
    return (prefix, max_length, asn)


def _diagnose(items: list, check, *args: object) -> BadEntry:
    for index, item in enumerate(items):
        try:
            check(item, *args)
        except ValueError as err:
            return BadEntry(index, item, str(err))
    return BadEntry(-1, None, "inconsistent entries")  # the fast checks refused what these accept


def decode_ranges(items: Iterable[str], family: int) -> list[PrefixRange]:
    """The tuples of a list of encoded IPv<family> prefix ranges; BadEntry names the first entry
    that is not one (not a string, not a prefix of that family, host bits set, a bad range)."""
    items = items if isinstance(items, list) else list(items)
    try:
        ranged = any(map(str.__contains__, items, repeat("^")))  # TypeError on a non-string
    except TypeError:
        raise _diagnose(items, _check_range, family) from None
    if not ranged:  # exact prefixes only (the common case): one length each
        lengths = _prefix_lengths(items, family)
        if lengths is None:
            raise _diagnose(items, _check_range, family)
        return list(zip(items, lengths, lengths, strict=True))
    heads = list(map(str.partition, items, repeat("^")))
    prefixes = list(map(_first, heads))
    lengths = _prefix_lengths(prefixes, family)
    if lengths is None:
        raise _diagnose(items, _check_range, family)
    out: list[PrefixRange] = []
    for (prefix, caret, text), length in zip(heads, lengths, strict=True):
        if not caret:
            out.append((prefix, length, length))
            continue
        low, dash, high = text.partition("-")
        numbers = _ints([low, high]) if dash else None
        if numbers is None or not length <= numbers[0] <= numbers[1] <= _BITS[family]:
            raise _diagnose(items, _check_range, family)
        out.append((prefix, numbers[0], numbers[1]))
    return out


def _vrp_lengths(prefixes: list[str]) -> tuple[list[int], list[int]] | None:
    """Prefix lengths and the family's longest length of each VRP prefix, or None if one is bad.
    Snapshots list IPv4 first, then IPv6: two slices; any other order is checked entry by entry."""
    v6 = list(map(str.__contains__, prefixes, repeat(":")))
    split = v6.index(True) if True in v6 else len(v6)
    if False not in v6[split:]:
        four, six = _prefix_lengths(prefixes[:split], 4), _prefix_lengths(prefixes[split:], 6)
        if four is None or six is None:
            return None
        return four + six, [32] * split + [128] * (len(v6) - split)
    lengths, bits = [], []
    for prefix, is_v6 in zip(prefixes, v6, strict=True):
        found = _prefix_lengths([prefix], 6 if is_v6 else 4)
        if found is None:
            return None
        lengths += found
        bits.append(128 if is_v6 else 32)
    return lengths, bits


def decode_vrps(items: Iterable[str]) -> list[Vrp]:
    """The tuples of a list of encoded VRPs; BadEntry names the first entry that is not one."""
    items = items if isinstance(items, list) else list(items)
    try:
        heads = list(map(str.partition, items, repeat(" AS")))
    except TypeError:
        raise _diagnose(items, _check_vrp) from None
    bodies = list(map(str.rpartition, map(_first, heads), repeat("-")))
    prefixes = list(map(_first, bodies))
    asns = _ints(list(map(_third, heads)))
    max_lengths = _ints(list(map(_third, bodies)))
    found = _vrp_lengths(prefixes)
    if asns is None or max_lengths is None or found is None or not all(map(_second, heads)) \
            or not all(map(_second, bodies)) or (asns and not 0 <= min(asns) <= max(asns) <= MAX_U32):
        raise _diagnose(items, _check_vrp)
    lengths, bits = found
    if not (all(map(operator.le, lengths, max_lengths)) and all(map(operator.le, max_lengths, bits))):
        raise _diagnose(items, _check_vrp)
    return list(zip(prefixes, max_lengths, asns, strict=True))


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


__all__ = ["BadEntry", "decode_aspas", "decode_ranges", "decode_vrps", "encode_aspa", "encode_range", "encode_vrp"]
