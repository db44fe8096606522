"""Pre-flight checks of a network before it joins: one verdict (pass / warn / fail) per question.

A ``fail`` stops the onboarding (``--force --reason`` overrides it); a ``warn`` is shown and kept in
the welcome pack's to-do list. Every explanation says what was found and, when it is not a pass,
what the member or the engineer does about it.

IRR data comes from the facts snapshot when it holds the member's queries (``ixpctl sources
refresh`` expands the AS-SETs of networks registered at the IXP in PeeringDB, so a prospective member
is usually there); otherwise bgpq4 expands them live against ``sources.irr``, which ``--offline``
forbids.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_network
from typing import Any

from ..errors import SourceError
from ..facts import Facts, IrrExpansion, PdbNetIxLan, PdbNetwork
from ..inventory.models import Inventory
from ..selfcheck import CheckReport
from .model import CheckResult

LARGE_AS_SET = 1000  # origin ASNs: more than this at a small IXP is usually a transit's whole cone
MAX_PREFIX_SLACK = 50  # PeeringDB max-prefix more than 50 × the IRR count is not a useful limit


def irr_data(queries: list[str], snapshot: Facts, inv: Inventory, *, offline: bool,
             options: dict[str, Any]) -> tuple[dict[str, IrrExpansion], str, list[str]]:
    """Expansions of ``queries``: from the snapshot, else live with bgpq4 (not ``offline``).

    Returns (expansions, where they came from, problems). A query that could not be expanded is
    missing from the dict and named in the problems.
    """
    found = {q: snapshot.irr[q] for q in queries if q in snapshot.irr}
    missing = [q for q in queries if q not in found]
    if not missing:
        return found, "facts snapshot", []
    if offline:
        return found, "facts snapshot", [
            (f"{', '.join(missing)} not in the facts snapshot and --offline forbids a live bgpq4 query "
             "(run without --offline, or `ixpctl sources refresh --irr` first: it expands the AS-SETs of "
             "networks registered at the IXP in PeeringDB)")]
    from ..sources import irr

    try:
        live = irr.expand_all(missing, inv.sources.irr, **options)
    except SourceError as err:
        partial = getattr(err, "results", None) or {}
        found.update(partial)
        return found, f"bgpq4 ({', '.join(inv.sources.irr.hosts)})", [err.message]
    found.update(live)
    origin = "bgpq4 " + ", ".join(inv.sources.irr.hosts) if not (set(queries) - set(missing)) else \
        "facts snapshot + bgpq4 " + ", ".join(inv.sources.irr.hosts)
    return found, origin, []


def check_as_set(asn: int, queries: list[str], from_pdb: bool, expansions: dict[str, IrrExpansion],
                 origin: str, problems: list[str]) -> CheckResult:
    """The AS-SET resolves, is not empty, contains the member and is of a plausible size."""
    if problems and not expansions:
        return CheckResult("AS-SET", "fail", f"{', '.join(queries)} could not be expanded: " + "; ".join(problems))
    exps = list(expansions.values())
    asns = sorted({a for e in exps for a in e.asns})
    p4 = sum(len(e.prefixes4) for e in exps)
    p6 = sum(len(e.prefixes6) for e in exps)
    details = [f"{e.query}: {w}" for e in exps for w in e.warnings] + problems
    what = ", ".join(queries)
    if not from_pdb and queries == [f"AS{asn}"]:
        prefix = f"no AS-SET in PeeringDB, so the aut-num AS{asn} is used (only its own routes are accepted)"
    else:
        prefix = f"{what} ({origin})"
    if all(e.empty for e in exps):
        return CheckResult("AS-SET", "fail", f"{prefix} expands to nothing: every route of AS{asn} would be "
                           "rejected; the member must create or fix its AS-SET and route objects in its IRR",
                           details)
    summary = f"{prefix}: {len(asns)} origin ASN(s), {p4} IPv4 + {p6} IPv6 prefixes; nesting and loops are " \
              "resolved by bgpq4 (it reports neither depth nor loops)"
    if problems:
        return CheckResult("AS-SET", "fail", summary + "; some queries failed", details)
    if any(e.truncated for e in exps):
        return CheckResult("AS-SET", "warn", summary + "; a size limit cut the expansion (sources.irr.max_*)",
                           details)
    if asn not in asns:
        return CheckResult("AS-SET", "warn", summary + f"; AS{asn} itself is not in it (its own routes would "
                           "be rejected): ask the member to add it", details)
    if len(asns) > LARGE_AS_SET:
        return CheckResult("AS-SET", "warn", summary + f"; more than {LARGE_AS_SET} ASNs: check it is the "
                           "customer cone, not a transit provider's full set", details)
    return CheckResult("AS-SET", "warn" if not from_pdb else "pass", summary, details)


def check_route_objects(expansions: dict[str, IrrExpansion], families: set[int]) -> CheckResult:
    """Route objects for each address family the member peers over."""
    p4 = sum(len(e.prefixes4) for e in expansions.values())
    p6 = sum(len(e.prefixes6) for e in expansions.values())
    missing = [f"IPv{f}" for f, n in ((4, p4), (6, p6)) if f in families and n == 0]
    if not expansions or (p4 == 0 and p6 == 0):
        return CheckResult("route objects", "fail", "no route/route6 objects: nothing would be accepted")
    if missing:
        return CheckResult("route objects", "warn", f"{p4} route + {p6} route6 objects; none for "
                           f"{' and '.join(missing)} although it peers over it: create route objects")
    return CheckResult("route objects", "pass", f"{p4} route + {p6} route6 objects")


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
        return CheckResult("ROA coverage", "warn", "no IRR prefixes to check")
    valid = sum(s == "valid" for s in states.values())
    pct = 100 * valid / len(states)
    details = [f"{p}: RPKI {s}" for p, s in sorted(states.items()) if s != "valid"]
    text = f"{valid} of {len(states)} IRR prefixes covered by a matching ROA ({pct:.0f} %)"
    if valid == len(states):
        return CheckResult("ROA coverage", "pass", text)
    return CheckResult("ROA coverage", "warn", text + "; create ROAs for the others at the RIR", details)


def check_rpki_invalid(report: CheckReport | None) -> CheckResult:
    if report is None:
        return CheckResult("RPKI invalid", "warn", "self-check not run (no route-server session)")
    bad = [r for r in report.results if r.check == "rpki_invalid"]
    if not bad:
        return CheckResult("RPKI invalid", "pass", f"none of the {len(report.results)} IRR routes is RPKI invalid")
    details = [f"{r.prefix} from AS{r.origin}" + (f" ({'; '.join(r.details)})" if r.details else "") for r in bad]
    return CheckResult("RPKI invalid", "warn", f"{len(bad)} IRR route(s) are RPKI invalid and will be rejected: "
                       "fix the ROA or withdraw the route object", details)


def check_self(report: CheckReport | None) -> CheckResult:
    if report is None:
        return CheckResult("self-check", "warn", "not run: the member has no route-server session")
    c = report.counts
    rejected = [f"{r.prefix}: {r.reason}" for r in report.results if not r.accepted]
    text = f"{c['accepted']} of {c['total']} IRR routes accepted by {report.route_server}'s policy"
    if c["total"] and c["rejected"] == c["total"]:
        return CheckResult("self-check", "fail", text + ": nothing would be accepted", rejected)
    return CheckResult("self-check", "pass" if not rejected else "warn", text, rejected)


def check_max_prefix(network: PdbNetwork, expansions: dict[str, IrrExpansion],
                     limits: tuple[int, int, str] | None) -> CheckResult:
    """PeeringDB max-prefix present, and plausible against the IRR prefix count."""
    p4 = sum(len(e.prefixes4) for e in expansions.values())
    p6 = sum(len(e.prefixes6) for e in expansions.values())
    m4, m6 = network.info_prefixes4, network.info_prefixes6
    eff = f"; route-server limit {limits[0]}/{limits[1]} ({limits[2]})" if limits else ""
    details: list[str] = []
    verdict = "pass"
    if not m4 and not m6:
        return CheckResult("max-prefix", "warn", "not set in PeeringDB (info_prefixes4/6): the policy default "
                           f"applies{eff}; ask the member to set it", [])
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
    return CheckResult("max-prefix", verdict, f"PeeringDB {m4 or '-'} IPv4 / {m6 or '-'} IPv6, IRR {p4}/{p6}{eff}",
                       details)


def check_rs_peer(rows: list[PdbNetIxLan], ix_known: bool) -> CheckResult:
    if not ix_known:
        return CheckResult("is_rs_peer", "warn", "ixp.peeringdb_ix_id is not set: registration not checked")
    if not rows:
        return CheckResult("is_rs_peer", "warn", "not registered at this IXP in PeeringDB: ask the member "
                           "to add the exchange (netixlan) with is_rs_peer once connected")
    if any(r.is_rs_peer for r in rows):
        return CheckResult("is_rs_peer", "pass", "PeeringDB registration at this IXP says it peers with the "
                           "route servers")
    return CheckResult("is_rs_peer", "warn", "PeeringDB says is_rs_peer: false: confirm the member wants "
                       "route-server sessions (and ask it to update PeeringDB)")


def check_contacts(network: PdbNetwork, contact: str | None) -> CheckResult:
    public = [f"{c.role}: {c.email}" for c in network.contacts if c.email]
    if public:
        return CheckResult("contacts", "pass", f"{len(public)} public contact(s) in PeeringDB; inventory "
                           f"contact: {contact}", public)
    if contact:
        return CheckResult("contacts", "warn", f"no public contact in PeeringDB; inventory contact {contact} "
                           "(from --contact): ask the member to publish a NOC contact")
    return CheckResult("contacts", "warn", "no contact: neither PeeringDB (public) nor --contact; the IXP "
                       "cannot reach the NOC in an incident: pass --contact noc@...")


def check_never_via_rs(network: PdbNetwork) -> CheckResult:
    if network.never_via_route_servers:
        return CheckResult("never via RS", "warn", "PeeringDB says this network never peers via route "
                           "servers: the connection is recorded with route_server: false (no sessions); "
                           "its routes would be rejected everywhere else on the route servers anyway")
    return CheckResult("never via RS", "pass", "not flagged 'never via route servers' in PeeringDB")
