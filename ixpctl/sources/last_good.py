"""The last-good fallback: when a refresh fails, keep the previous data of what failed — loudly.

An IXP must not drop every member's prefixes because PeeringDB or an IRR mirror was down for an
hour: each failed source (or single IRR query) keeps its last good data, and a FAILED warning says
so in every build until a refresh succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .facts import Facts, IrrExpansion, Provenance
from .snapshot import SOURCE_TITLES, SOURCES, human_age, source_age


def copy_facts(facts: Facts) -> Facts:
    return Facts(peeringdb=dict(facts.peeringdb), netixlan=list(facts.netixlan),
                 never_via_rs=list(facts.never_via_rs), irr=dict(facts.irr),
                 vrps=list(facts.vrps), aspas=list(facts.aspas), provenance=dict(facts.provenance),
                 warnings=list(facts.warnings))


def _has_data(facts: Facts, source: str) -> bool:
    if source == "peeringdb":
        return bool(facts.peeringdb or facts.netixlan)
    if source == "irr":
        return bool(facts.irr)
    return bool(facts.vrps)


def _since(prov: Provenance | None, now: datetime | None) -> str:
    if prov is None:
        return "an unknown time"
    age = source_age(prov, now)
    return f"{prov.fetched_at} ({human_age(age)} ago)" if age is not None else prov.fetched_at


def _fallback_source(result: Facts, last_good: Facts, source: str, why: str, now: datetime | None) -> None:
    title = SOURCE_TITLES[source]
    if source not in last_good.provenance and not _has_data(last_good, source):
        result.warnings.append(f"FAILED: {title} refresh failed{why} and there is no last-good {title} data; "
                               f"builds use no {title} facts until `ixpctl sources refresh --{source}` succeeds")
        return
    if source == "peeringdb":
        result.peeringdb, result.netixlan = dict(last_good.peeringdb), list(last_good.netixlan)
        result.never_via_rs = list(last_good.never_via_rs)
    elif source == "irr":
        result.irr = dict(last_good.irr)
    else:
        result.vrps, result.aspas = list(last_good.vrps), list(last_good.aspas)
    prov = last_good.provenance.get(source)
    if prov is not None:
        result.provenance[source] = prov
    else:
        result.provenance.pop(source, None)
    result.warnings.append(f"FAILED: {title} refresh failed{why}; kept the last-good {title} data from "
                           f"{_since(prov, now)}")


def _fallback_irr_query(result: Facts, last_good: Facts, query: str, why: str, now: datetime | None) -> bool:
    old = last_good.irr.get(query)
    since = _since(last_good.provenance.get("irr"), now)
    if old is None:
        result.warnings.append(f"FAILED: IRR {query}: {why}, and there is no last-good expansion; "
                               "members using it get no prefixes from it")
        return False
    result.irr[query] = old
    result.warnings.append(f"FAILED: IRR {query}: {why}; kept the last-good expansion from {since} "
                           f"({len(old.prefixes4)} IPv4, {len(old.prefixes6)} IPv6 prefixes)")
    return True


def merge_with_last_good(new: Facts, last_good: Facts, failed: set[str] | Mapping[str, str], *,
                         keep_on_empty: bool = True, now: datetime | None = None) -> Facts:
    """``new`` with the last good data of everything that failed, plus a loud warning for each.

    ``failed`` names whole sources ("peeringdb", "irr", "rpki") or single IRR queries
    ("irr:RIPE::AS-FOO"); a mapping also gives the reason of each. With ``keep_on_empty`` an IRR query that expands to nothing now but had
    data before is treated as failed too: bgpq4 exits 0 on a missing AS-SET, and replacing a member's
    prefix list by an empty one would drop all of its routes on the route servers.
    """
    reasons: Mapping[str, str] = failed if isinstance(failed, Mapping) else {}
    result = copy_facts(new)
    for source in SOURCES:
        if source in failed:
            why = f" ({reasons[source]})" if reasons.get(source) else ""
            _fallback_source(result, last_good, source, why, now)
    if "irr" in failed:
        return result
    kept: list[str] = []
    for key in sorted(q for q in failed if q.startswith("irr:")):
        query = key.removeprefix("irr:")
        why = f"the query failed ({reasons[key]})" if reasons.get(key) else "the query failed"
        if _fallback_irr_query(result, last_good, query, why, now):
            kept.append(query)
    if keep_on_empty:
        for query, expansion in sorted(result.irr.items()):
            old = last_good.irr.get(query)
            if query not in kept and isinstance(expansion, IrrExpansion) and expansion.empty \
                    and old is not None and not old.empty:
                _fallback_irr_query(result, last_good, query,
                                    "now expands to nothing (a deleted or unreachable AS-SET?)", now)
                kept.append(query)
    if kept and "irr" in result.provenance:
        prov = result.provenance["irr"]
        detail = dict(prov.detail, last_good_queries=sorted(kept))
        result.provenance["irr"] = Provenance(prov.source, prov.origin, prov.fetched_at, prov.sha256, detail)
    return result

