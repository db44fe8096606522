"""Reading bgpq4's answers for the IRR source: JSON lists checked entry by entry, and the things
bgpq4 1.9 says only on stderr or not at all (dropped special-purpose ASNs, empty sets), in words an
operator can act on; then the size limits. ``sources/irr.py`` runs bgpq4 and calls these.

Output ixpctl cannot read is a ``SourceError`` naming the query and host, never a guess.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ..errors import SourceError
from ..inventory.sources_config import IrrSource
from .facts import IrrExpansion, PrefixRange

LIST_NAME = "ixpctl"  # bgpq4 -l: the single key of its JSON output
_MAX_STDERR_NOTES = 5
_SPECIAL_ASN_RE = re.compile(r"Invalid AS number:\s*(\d+)")


def parse_asn_json(text: str, *, query: str, host: str) -> list[int]:
    """bgpq4 ``-j -t`` output → sorted unique ASNs. SourceError on anything unexpected."""
    items = _json_list(text, query=query, host=host)
    asns = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 4294967295:
            raise _garbage(query, host, f"{item!r} is not an AS number")
        asns.append(item)
    return sorted(set(asns))


def parse_prefix_json(text: str, *, family: int, query: str, host: str) -> list[PrefixRange]:
    """bgpq4 ``-j -4/-6`` output → ``(prefix, min_len, max_len)`` tuples.

    An exact entry ``{"prefix": p, "exact": true}`` is ``(p, len, len)``; a range
    ``{"prefix": p, "exact": false, "greater-equal": N, "less-equal": M}`` is ``(p, N, M)``, where a
    missing ``greater-equal`` means the prefix's own length and a missing ``less-equal`` the longest
    prefix of the family (Cisco ``ge``/``le`` semantics, which bgpq4 follows).
    """
    items = _json_list(text, query=query, host=host)
    bits = 32 if family == 4 else 128
    out: dict[PrefixRange, None] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("prefix"), str):
            raise _garbage(query, host, f"{item!r} is not a prefix entry")
        try:
            net = ipaddress.ip_network(item["prefix"], strict=True)
        except ValueError as err:
            raise _garbage(query, host, f"bad prefix {item['prefix']!r}: {err}") from err
        if net.version != family:
            raise _garbage(query, host, f"{net} is not an IPv{family} prefix")
        length = net.prefixlen
        if item.get("exact", True) is True:
            low = high = length
        else:
            low, high = item.get("greater-equal", length), item.get("less-equal", bits)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) \
                or not length <= low <= high <= bits:
            raise _garbage(query, host, f"bad length range {low}-{high} for {net}")
        out[(str(net), low, high)] = None
    return list(out)


def _json_list(text: str, *, query: str, host: str) -> list:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        snippet = text.strip()[:120] or "(nothing)"
        raise _garbage(query, host, f"not JSON ({err.msg}): {snippet!r}") from err
    if not isinstance(data, dict) or len(data) != 1 or not isinstance(next(iter(data.values())), list):
        raise _garbage(query, host, f"expected {{\"{LIST_NAME}\": [...]}}, got {str(data)[:120]!r}")
    return next(iter(data.values()))


def _garbage(query: str, host: str, detail: str) -> SourceError:
    return SourceError(f"IRR query {query} on {host}: bgpq4 gave output ixpctl cannot read: {detail}",
                       fix="check the bgpq4 version (1.9 or later is supported) and that the IRR host is an "
                           "IRRd-compatible server; run the bgpq4 command by hand to see its answer")


def _stderr_warnings(query: str, host: str, stderrs: list[str]) -> list[str]:
    """What bgpq4 complained about while still exiting 0, in words an operator can act on."""
    special: set[int] = set()
    other: list[str] = []
    for text in stderrs:
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            match = _SPECIAL_ASN_RE.search(line)
            if match:
                special.add(int(match.group(1)))
            elif line not in other:
                other.append(line)
    warnings = []
    if special:
        listed = ", ".join(f"AS{a}" for a in sorted(special)[:10]) + (" …" if len(special) > 10 else "")
        warnings.append(
            f"{query}: bgpq4 left out {len(special)} special-purpose ASN(s) (documentation/private: {listed}); "
            "they never belong in a public route — only a fictional/lab inventory may allow them")
    for line in other[:_MAX_STDERR_NOTES]:
        warnings.append(f"{query}: bgpq4 on {host} said: {line}")
    if len(other) > _MAX_STDERR_NOTES:
        warnings.append(f"{query}: bgpq4 on {host} said {len(other) - _MAX_STDERR_NOTES} more things (not shown)")
    return warnings


def _emptiness_warnings(expansion: IrrExpansion, host: str) -> list[str]:
    """bgpq4 exits 0 on a missing or empty set: say so, never let it pass as a valid empty filter."""
    query = expansion.query
    if expansion.empty:
        return [(f"AS-SET {query} resolved to nothing on {host}: no ASNs and no route/route6 objects. "
                 "The set is missing, empty, only refers to missing sets, or lives in a source not queried; "
                 "check it in the IRR and fix the member's as_set (or its PeeringDB irr_as_set)")]
    if not expansion.prefixes4 and not expansion.prefixes6:
        return [(f"AS-SET {query} resolved to {len(expansion.asns)} ASN(s) but no route/route6 objects on "
                 f"{host}: the member must register route objects before its prefixes can be accepted")]
    return []


def apply_limits(expansion: IrrExpansion, settings: IrrSource) -> None:
    """Cut lists beyond ``max_asns`` / ``max_prefixes4`` / ``max_prefixes6``: keep the first N, mark
    the expansion ``truncated`` and warn loudly (an over-large set is usually a mistake such as a
    transit provider's full customer cone, and would blow up the route server's config)."""
    limits = (("asns", "ASNs", settings.max_asns, "max_asns"),
              ("prefixes4", "IPv4 prefixes", settings.max_prefixes4, "max_prefixes4"),
              ("prefixes6", "IPv6 prefixes", settings.max_prefixes6, "max_prefixes6"))
    for attr, label, limit, key in limits:
        values = getattr(expansion, attr)
        if len(values) > limit:
            setattr(expansion, attr, values[:limit])
            expansion.truncated = True
            expansion.warnings.append(
                f"LIMIT: AS-SET {expansion.query} has {len(values)} {label}, more than the limit of {limit} "
                f"(sources.irr.{key}); only the first {limit} are kept, so the filter is INCOMPLETE. Ask the "
                f"member to fix the set or raise sources.irr.{key}")

