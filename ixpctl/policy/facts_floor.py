"""Facts that authorise far too much are dropped before they reach a filter, loudly.

A VRP for ``0.0.0.0/0`` with maxLength 32 makes every IPv4 route of its origin "RPKI valid" (and,
with ``irr.rpki_roas_as_route_objects``, registered); an AS-SET expansion holding ``0.0.0.0/0``
with more-specifics allowed authorises every route of the member. Neither is ever right, and both
come from outside the IXP (a validator's export, an IRR database). So VRPs and IRR route objects
for prefixes shorter than ``prefixes.facts_min_length`` (default: the shortest prefix the route
servers accept, ``prefixes.length.ipv4.min`` / ``ipv6.min``; never below /1) are left out of the
facts the intent is compiled from, with a DROPPED warning that ``build``, ``check`` and
``sources status`` print.

Why here and not when refreshing: every snapshot is covered (a pinned copy, one written by another
tool or an older ixpctl), and the floor follows the policy in force, which the refresh does not
know. The check is IXP-wide (the facts are shared by every member), and idempotent.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import compress, repeat
from operator import itemgetter

from ..sources.compact import encode_range, encode_vrp
from ..sources.facts import Facts, IrrExpansion
from .model import Policy

MAX_EXAMPLES = 5
_prefix = itemgetter(0)


def floors(policy: Policy) -> dict[int, int]:
    """The shortest prefix length a fact may have, per address family."""
    knob, length = policy.prefixes.facts_min_length, policy.prefixes.length
    return {4: max(1, knob.ipv4 if knob.ipv4 is not None else length.ipv4.min),
            6: max(1, knob.ipv6 if knob.ipv6 is not None else length.ipv6.min)}


def _short_suffixes(floor: int) -> tuple[str, ...]:
    # "/0" ... "/<floor-1>": str.endswith with a tuple is one C call per entry (1 M entries), and
    # "/1" cannot match "/11" (the character before the digits is '/')
    return tuple(f"/{n}" for n in range(floor))


def _short(entries: list, floor: int) -> list[bool]:
    return list(map(str.endswith, map(_prefix, entries), repeat(_short_suffixes(floor))))


def without_short_facts(facts: Facts, policy: Policy) -> Facts:
    """``facts`` without VRPs and IRR entries shorter than the floors, plus one DROPPED warning per
    kind; the same object when there is nothing to drop."""
    floor = floors(policy)
    v6 = list(map(str.__contains__, map(_prefix, facts.vrps), repeat(":")))
    vrp_short = [s6 if is6 else s4 for s4, s6, is6 in
                 zip(_short(facts.vrps, floor[4]), _short(facts.vrps, floor[6]), v6, strict=True)] \
        if facts.vrps else []
    irr: dict[str, IrrExpansion] = {}
    warnings: list[str] = []
    for query, exp in facts.irr.items():
        short4, short6 = _short(exp.prefixes4, floor[4]), _short(exp.prefixes6, floor[6])
        if not (any(short4) or any(short6)):
            continue
        dropped = list(compress(exp.prefixes4, short4)) + list(compress(exp.prefixes6, short6))
        irr[query] = replace(exp, prefixes4=[e for e, s in zip(exp.prefixes4, short4, strict=True) if not s],
                             prefixes6=[e for e, s in zip(exp.prefixes6, short6, strict=True) if not s])
        warnings.append(
            f"DROPPED: IRR {query}: {len(dropped)} route object(s) for prefixes shorter than "
            f"{_floor_text(floor)} ignored ({_examples([encode_range(e) for e in dropped])}): they would authorise "
            "every route inside them (with more-specifics allowed); ask the member to fix the AS-SET's route "
            f"objects. {_knob_text()}")
    if not any(vrp_short) and not irr:
        return facts
    vrps = facts.vrps
    if any(vrp_short):
        dropped_vrps = list(compress(facts.vrps, vrp_short))
        vrps = [v for v, s in zip(facts.vrps, vrp_short, strict=True) if not s]
        warnings.insert(0,
            f"DROPPED: RPKI: {len(dropped_vrps)} VRP(s) for prefixes shorter than {_floor_text(floor)} ignored "
            f"({_examples([encode_vrp(v) for v in dropped_vrps])}): they would make every route inside them RPKI "
            f"valid for their origin; tell the validator's operator (a ROA that broad is a mistake). {_knob_text()}")
    out = replace(facts, irr={**facts.irr, **irr}, vrps=vrps, warnings=list(facts.warnings))
    out.warnings += [w for w in warnings if w not in out.warnings]
    return out


def dropped_warnings(facts: Facts, policy: Policy) -> list[str]:
    """What :func:`without_short_facts` would say about ``facts`` (for `ixpctl sources status`)."""
    checked = without_short_facts(facts, policy)
    return [w for w in checked.warnings if w.startswith("DROPPED:") and w not in facts.warnings]


def _floor_text(floor: dict[int, int]) -> str:
    return f"/{floor[4]} (IPv4) or /{floor[6]} (IPv6)"


def _knob_text() -> str:
    return ("The floor is prefixes.facts_min_length, by default the shortest accepted prefix "
            "(prefixes.length.ipv4.min / prefixes.length.ipv6.min).")


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_EXAMPLES])
    return shown + (f" and {len(items) - MAX_EXAMPLES} more" if len(items) > MAX_EXAMPLES else "")
