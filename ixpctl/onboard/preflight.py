"""Pre-flight checks of a network before it joins: one verdict (pass / warn / fail) per question.

A ``fail`` stops the onboarding (``--force --reason`` overrides it); a ``warn`` is shown and kept in
the welcome pack's to-do list. Every explanation says what was found and, when it is not a pass,
what the member or the engineer does about it.

IRR data comes from the facts snapshot when it holds the member's queries (``ixpctl sources
refresh`` expands the AS-SETs of networks registered at the IXP in PeeringDB, so a prospective member
is usually there); otherwise bgpq4 expands them live against ``sources.irr``, which ``--offline``
forbids.

The sentences live in ``ixpctl.onboard.messages`` (English and French), so the welcome pack can
print each verdict in the member's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import ip_network
from typing import Any

from ..analysis.selfcheck import CheckReport
from ..errors import SourceError
from ..inventory.models import Inventory
from ..sources.facts import Facts, IrrExpansion, PdbNetIxLan, PdbNetwork
from .messages import Message
from .model import CheckResult, Verdict

LARGE_AS_SET = 1000  # origin ASNs: more than this at a small IXP is usually a transit's whole cone
MAX_PREFIX_SLACK = 50  # PeeringDB max-prefix more than 50 × the IRR count is not a useful limit

SNAPSHOT = "facts snapshot"  # an origin of IRR data (irr_data)


def irr_data(queries: list[str], snapshot: Facts, inv: Inventory, *, offline: bool,
             options: dict[str, Any]) -> tuple[dict[str, IrrExpansion], str, list[Message]]:
    """Expansions of ``queries``: from the snapshot, else live with bgpq4 (not ``offline``).

    Returns (expansions, where they came from, problems). A query that could not be expanded is
    missing from the dict and named in the problems.
    """
    found = {q: snapshot.irr[q] for q in queries if q in snapshot.irr}
    missing = [q for q in queries if q not in found]
    if not missing:
        return found, SNAPSHOT, []
    if offline:
        return found, SNAPSHOT, [Message("irr.offline_missing", {"queries": ", ".join(missing)})]
    from ..sources import irr

    try:
        live = irr.expand_all(missing, inv.sources.irr, **options)
    except SourceError as err:
        partial = getattr(err, "results", None) or {}
        found.update(partial)
        return found, f"bgpq4 ({', '.join(inv.sources.irr.hosts)})", [Message("irr.error", {"text": err.message})]
    found.update(live)
    origin = "bgpq4 " + ", ".join(inv.sources.irr.hosts) if not (set(queries) - set(missing)) else \
        f"{SNAPSHOT} + bgpq4 " + ", ".join(inv.sources.irr.hosts)
    return found, origin, []


def origin_message(origin: str) -> Message:
    """The origin string of :func:`irr_data` as a message (the snapshot is named in each language)."""
    if origin == SNAPSHOT:
        return Message("irr.origin.snapshot")
    if origin.startswith(f"{SNAPSHOT} + bgpq4 "):
        return Message("irr.origin.mixed", {"hosts": origin.removeprefix(f"{SNAPSHOT} + bgpq4 ")})
    return Message("irr.origin.live", {"origin": origin})


def _problem(problem: str | Message) -> Message:
    return problem if isinstance(problem, Message) else Message("irr.error", {"text": problem})


def check_as_set(asn: int, queries: list[str], from_pdb: bool, expansions: dict[str, IrrExpansion],
                 origin: str, problems: Sequence[str | Message]) -> CheckResult:
    """The AS-SET resolves, is not empty, contains the member and is of a plausible size."""
    problems = [_problem(p) for p in problems]
    what = ", ".join(queries)
    if problems and not expansions:
        return CheckResult.of("fail", Message("as_set.unexpandable", {"queries": what, "problems": list(problems)}))
    exps = list(expansions.values())
    asns = sorted({a for e in exps for a in e.asns})
    p4 = sum(len(e.prefixes4) for e in exps)
    p6 = sum(len(e.prefixes6) for e in exps)
    details = [f"{e.query}: {w}" for e in exps for w in e.warnings] + [p.render("en") for p in problems]
    if not from_pdb and queries == [f"AS{asn}"]:
        subject = Message("as_set.subject.autnum", {"asn": asn})
    else:
        subject = Message("as_set.subject.sets", {"queries": what, "origin": origin_message(origin)})
    if all(e.empty for e in exps):
        return CheckResult.of("fail", Message("as_set.empty", {"subject": subject, "asn": asn}), details)
    summary = Message("as_set.summary", {"subject": subject, "asns": len(asns), "prefixes4": p4, "prefixes6": p6})
    if problems:
        return CheckResult.of("fail", Message("as_set.partial_failure", {"summary": summary}), details)
    if any(e.truncated for e in exps):
        return CheckResult.of("warn", Message("as_set.truncated", {"summary": summary}), details)
    if asn not in asns:
        return CheckResult.of("warn", Message("as_set.member_missing", {"summary": summary, "asn": asn}), details)
    if len(asns) > LARGE_AS_SET:
        return CheckResult.of("warn", Message("as_set.large", {"summary": summary, "limit": LARGE_AS_SET}), details)
    return CheckResult.of("warn" if not from_pdb else "pass", summary, details)


def check_route_objects(expansions: dict[str, IrrExpansion], families: set[int]) -> CheckResult:
    """Route objects for each address family the member peers over."""
    p4 = sum(len(e.prefixes4) for e in expansions.values())
    p6 = sum(len(e.prefixes6) for e in expansions.values())
    missing = [f"IPv{f}" for f, n in ((4, p4), (6, p6)) if f in families and n == 0]
    if not expansions or (p4 == 0 and p6 == 0):
        return CheckResult.of("fail", Message("route_objects.none"))
    if missing:  # one family: none at all returned above
        return CheckResult.of("warn", Message("route_objects.family_missing",
                                              {"routes": p4, "routes6": p6, "family": missing[0]}))
    return CheckResult.of("pass", Message("route_objects.ok", {"routes": p4, "routes6": p6}))


def roa_states(expansions: dict[str, IrrExpansion], vrps: Iterable[tuple[str, int, int]]) -> dict[str, str]:
    """RFC 6811 state of each IRR prefix for the best origin of the AS-SET (valid beats invalid)."""
    from ..sources.rpki import RovTable

    table = RovTable(vrps)
    origins = sorted({a for e in expansions.values() for a in e.asns})
    out: dict[str, str] = {}
    for exp in expansions.values():
        for prefix, lo, _hi in exp.prefixes4 + exp.prefixes6:
            net = ip_network(prefix)
            text = str(next(net.subnets(new_prefix=lo))) if lo > net.prefixlen else str(net)
            states = {table.validate(text, a) for a in origins} or {"not-found"}
            out[text] = "valid" if "valid" in states else ("invalid" if "invalid" in states else "not-found")
    return out


def check_roa_coverage(states: dict[str, str]) -> CheckResult:
    if not states:
        return CheckResult.of("warn", Message("roa_coverage.no_prefixes"))
    valid = sum(s == "valid" for s in states.values())
    pct = 100 * valid / len(states)
    details = [f"{p}: RPKI {s}" for p, s in sorted(states.items()) if s != "valid"]
    summary = Message("roa_coverage.summary", {"valid": valid, "total": len(states), "percent": pct})
    if valid == len(states):
        return CheckResult.of("pass", summary)
    return CheckResult.of("warn", Message("roa_coverage.partial", {"summary": summary}), details)


def check_rpki_invalid(report: CheckReport | None) -> CheckResult:
    if report is None:
        return CheckResult.of("warn", Message("rpki_invalid.not_run"))
    bad = [r for r in report.results if r.check == "rpki_invalid"]
    if not bad:
        return CheckResult.of("pass", Message("rpki_invalid.none", {"total": len(report.results)}))
    details = [f"{r.prefix} from AS{r.origin}" + (f" ({'; '.join(r.details)})" if r.details else "") for r in bad]
    return CheckResult.of("warn", Message("rpki_invalid.found", {"count": len(bad)}), details)


def check_self(report: CheckReport | None) -> CheckResult:
    if report is None:
        return CheckResult.of("warn", Message("self_check.not_run"))
    c = report.counts
    rejected = [f"{r.prefix}: {r.reason}" for r in report.results if not r.accepted]
    summary = Message("self_check.summary", {"accepted": c["accepted"], "total": c["total"],
                                             "route_server": report.route_server})
    if c["total"] and c["rejected"] == c["total"]:
        return CheckResult.of("fail", Message("self_check.nothing", {"summary": summary}), rejected)
    return CheckResult.of("pass" if not rejected else "warn", summary, rejected)


def check_max_prefix(network: PdbNetwork, expansions: dict[str, IrrExpansion],
                     limits: tuple[int, int, str] | None) -> CheckResult:
    """PeeringDB max-prefix present, and plausible against the IRR prefix count."""
    p4 = sum(len(e.prefixes4) for e in expansions.values())
    p6 = sum(len(e.prefixes6) for e in expansions.values())
    m4, m6 = network.info_prefixes4, network.info_prefixes6
    eff: str | Message = Message("max_prefix.limits", {"limit4": limits[0], "limit6": limits[1],
                                                       "source": limits[2]}) if limits else ""
    details: list[str] = []
    verdict: Verdict = "pass"
    if not m4 and not m6:
        return CheckResult.of("warn", Message("max_prefix.unset", {"limits": eff}), [])
    for fam, pdb_value, irr_count in ((4, m4, p4), (6, m6, p6)):
        if irr_count and not pdb_value:
            verdict = "warn"
            details.append(f"IPv{fam}: no PeeringDB value although the IRR has {irr_count} prefixes")
        elif pdb_value and irr_count > pdb_value:
            verdict = "warn"
            details.append(f"IPv{fam}: PeeringDB says {pdb_value}, lower than the {irr_count} IRR prefixes: "
                           "the session could be torn down; ask the member to raise it")
        elif pdb_value and irr_count and pdb_value > MAX_PREFIX_SLACK * irr_count and pdb_value > 100:
            verdict = "warn"
            details.append(f"IPv{fam}: PeeringDB says {pdb_value} for {irr_count} IRR prefixes: too loose "
                           "to protect anyone; ask the member for a realistic value")
    return CheckResult.of(verdict, Message("max_prefix.summary", {"pdb4": m4 or "-", "pdb6": m6 or "-", "irr4": p4,
                                                                  "irr6": p6, "limits": eff}), details)


def check_rs_peer(rows: list[PdbNetIxLan], ix_known: bool) -> CheckResult:
    if not ix_known:
        return CheckResult.of("warn", Message("rs_peer.ix_unknown"))
    if not rows:
        return CheckResult.of("warn", Message("rs_peer.not_registered"))
    if any(r.is_rs_peer for r in rows):
        return CheckResult.of("pass", Message("rs_peer.ok"))
    return CheckResult.of("warn", Message("rs_peer.off"))


def check_contacts(network: PdbNetwork, contact: str | None) -> CheckResult:
    public = [f"{c.role}: {c.email}" for c in network.contacts if c.email]
    if public:
        return CheckResult.of("pass", Message("contacts.ok", {"count": len(public), "contact": contact}), public)
    if contact:
        return CheckResult.of("warn", Message("contacts.not_public", {"contact": contact}))
    return CheckResult.of("warn", Message("contacts.none"))


def check_never_via_rs(network: PdbNetwork) -> CheckResult:
    if network.never_via_route_servers:
        return CheckResult.of("warn", Message("never_via_rs.flagged"))
    return CheckResult.of("pass", Message("never_via_rs.ok"))
