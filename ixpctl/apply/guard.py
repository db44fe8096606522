"""Guard rails: what a new build would do to the routes each route server accepts *now*.

Every route a route server holds from a member (read live, ``live.LiveState``) is put through the
new build's policy with the same evaluator that predicts BIRD (``policy.evaluate.PolicyEngine``):
an accepted route the new policy rejects, or whose session the new build drops, is "removed"; a
filtered route it accepts is "fixed". Sessions that appear or disappear are "flips". The change is
refused (nothing is deployed, the operator is alerted) when it would remove more than
``apply.guard.max_removed_share`` of the accepted routes of a route server, every accepted route
of one member, or flip more than ``apply.guard.max_session_flips`` sessions — unless a human
approved exactly this change (``--approve RUN_ID``).

The prediction also gives the rollout its yardstick: how many routes each session should have
after the reload (``expected``), so a legitimate drop (a route that became RPKI invalid) is not
mistaken for a route server that did not come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..inventory.apply_config import Guard
from ..policy.evaluate import PolicyEngine, Route
from ..policy.intent import RouteServerIntent
from ..verify.model import RouteEntry
from .live import LiveState


@dataclass
class RouteMove:
    member_asn: int
    session: str
    prefix: str
    path: list[int]
    reason: str  # why the new build removes it (or: "fixed")
    code: int | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Impact:
    """One route server: the new build against what it runs now."""

    route_server: str
    accepted_now: int
    removed: list[RouteMove] = field(default_factory=list)
    fixed: list[RouteMove] = field(default_factory=list)
    sessions_added: list[str] = field(default_factory=list)
    sessions_removed: list[str] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)  # session → accepted routes after the change
    wiped_members: list[int] = field(default_factory=list)  # members that would lose every accepted route

    @property
    def flips(self) -> int:
        return len(self.sessions_added) + len(self.sessions_removed)

    @property
    def removed_share(self) -> float:
        return len(self.removed) / self.accepted_now if self.accepted_now else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"route_server": self.route_server, "accepted_now": self.accepted_now,
                "removed": [m.to_json() for m in self.removed], "fixed": [m.to_json() for m in self.fixed],
                "removed_share": round(self.removed_share, 4),
                "sessions_added": self.sessions_added, "sessions_removed": self.sessions_removed,
                "wiped_members": self.wiped_members, "expected": self.expected}


def _route(entry: RouteEntry) -> Route:
    return Route.make(entry.prefix, entry.as_path or [], entry.next_hop or "0.0.0.0", entry.communities,
                      entry.large_communities, entry.ext_communities, entry.med)


def impact(live: LiveState, intent: RouteServerIntent, engine: PolicyEngine | None = None) -> Impact:
    engine = engine or PolicyEngine(intent)
    new_sessions = {s.name: s for s in intent.sessions}
    out = Impact(live.route_server, len(live.accepted))
    out.sessions_added = sorted(set(new_sessions) - set(live.sessions))
    out.sessions_removed = sorted(set(live.sessions) - set(new_sessions))
    counts = {name: live.imported(name) for name in live.sessions if name in new_sessions}
    for entry in live.accepted:
        asn = live.member_of(entry.protocol) or 0
        session = new_sessions.get(entry.protocol)
        if session is None:
            out.removed.append(RouteMove(asn, entry.protocol, entry.prefix, entry.flat_path,
                                         "the session is not in the new build"))
            continue
        try:
            verdict = engine.evaluate(_route(entry), session)
        except (KeyError, ValueError) as exc:  # a route the evaluator cannot place: count it as kept
            del exc
            continue
        if not verdict.accepted:
            out.removed.append(RouteMove(asn, entry.protocol, entry.prefix, entry.flat_path,
                                         verdict.reason or "rejected", verdict.code))
            counts[entry.protocol] = counts.get(entry.protocol, 0) - 1
    for entry in live.filtered:
        session = new_sessions.get(entry.protocol)
        if session is None:
            continue
        try:
            verdict = engine.evaluate(_route(entry), session)
        except (KeyError, ValueError):
            continue
        if verdict.accepted:
            out.fixed.append(RouteMove(live.member_of(entry.protocol) or 0, entry.protocol, entry.prefix,
                                       entry.flat_path, "fixed"))
            counts[entry.protocol] = counts.get(entry.protocol, 0) + 1
    out.expected = {name: max(0, n) for name, n in counts.items()}
    before = live.accepted_by_member()
    lost: dict[int, int] = {}
    for move in out.removed:
        lost[move.member_asn] = lost.get(move.member_asn, 0) + 1
    out.wiped_members = sorted(asn for asn, routes in before.items() if routes and lost.get(asn, 0) >= len(routes))
    return out


def refusals(impacts: list[Impact], guard: Guard, member_names: dict[int, str]) -> list[str]:
    """Why the change must not be deployed unattended (empty: it may)."""
    out = []
    for imp in impacts:
        if imp.removed_share > guard.max_removed_share:
            out.append(f"{imp.route_server}: the change would remove {len(imp.removed)} of the "
                       f"{imp.accepted_now} accepted routes ({imp.removed_share:.0%}; the limit is "
                       f"apply.guard.max_removed_share = {guard.max_removed_share:.0%})")
        if guard.refuse_member_wipe:
            for asn in imp.wiped_members:
                out.append(f"{imp.route_server}: the change would remove every accepted route of AS{asn} "
                           f"{member_names.get(asn, '')}".rstrip())
        if imp.flips > guard.max_session_flips:
            out.append(f"{imp.route_server}: the change would flip {imp.flips} sessions "
                       f"({len(imp.sessions_added)} new, {len(imp.sessions_removed)} removed; the limit is "
                       f"apply.guard.max_session_flips = {guard.max_session_flips})")
    return out
