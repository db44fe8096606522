"""The impact numbers of each route server on its own, and the routes the route servers disagree on.

The report counts a route once, whichever route servers hold it (``impact.unique_routes``); this
module keeps each route server's own view beside it — sessions, routes accepted and filtered by
reason, the country's space it reaches alone — so an IXP running two daemons (MLIX: rs1 BIRD, rs2
OpenBGPD, RFC 7948 §4.4) sees that both enforce the same policy, and which routes one accepts and
the other filters or lacks (a member's session down on one route server, a daemon difference).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..base.ranges import Range, intersect, merge, size, span
from .state import RsRoute, RsState

MAX_DISAGREEMENTS = 200  # listed in the report; the count says how many there are in all


@dataclass
class RouteServerImpact:
    rs: str
    daemon: str | None  # None: a state file written before the daemon was recorded
    sessions_up: int
    sessions: int
    members_sending: int
    accepted: int
    filtered: int
    filtered_by_reason: dict[str, int]
    space4: int  # the country's addresses reachable through this route server alone
    space6: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Disagreement:
    """A (member, prefix) accepted by at least one route server and filtered by, or missing from,
    another on which the member has an established session."""

    member_asn: int
    prefix: str
    accepted_on: list[str]
    filtered_on: dict[str, str] = field(default_factory=dict)  # route server → reason
    missing_on: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _covered(routes: list[RsRoute], space: list[Range]) -> int:
    return size(intersect(merge(span(r.prefix)[1] for r in routes), space))


def per_route_server(state: RsState, members: set[int], space: dict[int, list[Range]]) -> list[RouteServerImpact]:
    names = [s.name for s in state.servers] or sorted({r.rs for r in state.routes} | {s.rs for s in state.sessions})
    out = []
    for name in names:
        routes = {(r.member_asn, r.prefix): r for r in state.routes if r.rs == name and r.member_asn in members}
        accepted = [r for r in routes.values() if r.accepted]
        filtered = [r for r in routes.values() if not r.accepted]
        sessions = [s for s in state.sessions if s.rs == name and s.member_asn in members]
        out.append(RouteServerImpact(
            name, state.daemon(name), sum(s.established for s in sessions), len(sessions),
            len({r.member_asn for r in accepted}), len(accepted), len(filtered),
            dict(Counter(r.reason or "unknown" for r in filtered).most_common()),
            _covered([r for r in accepted if r.family == 4], space[4]),
            _covered([r for r in accepted if r.family == 6], space[6])))
    return out


def disagreements(state: RsState, members: set[int]) -> tuple[int, list[Disagreement]]:
    """(how many, the first MAX_DISAGREEMENTS by member and prefix)."""
    names = [s.name for s in state.servers] or sorted({r.rs for r in state.routes})
    up = {(s.rs, s.member_asn) for s in state.sessions if s.established}
    seen: dict[tuple[int, str], dict[str, RsRoute]] = {}
    for r in state.routes:
        if r.member_asn in members:
            seen.setdefault((r.member_asn, r.prefix), {}).setdefault(r.rs, r)
    found = []
    for (asn, prefix), on in sorted(seen.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        accepted = sorted(rs for rs, r in on.items() if r.accepted)
        if not accepted:
            continue
        filtered = {rs: r.reason or "unknown" for rs, r in sorted(on.items()) if not r.accepted}
        missing = [rs for rs in names if rs not in on and (rs, asn) in up]
        if filtered or missing:
            found.append(Disagreement(asn, prefix, accepted, filtered, missing))
    return len(found), found[:MAX_DISAGREEMENTS]
