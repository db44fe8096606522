"""Put a report together: the impact numbers, resilience, trends and MANRS evidence, with provenance.

Pure apart from reading git history (``trends``); the route servers' tables come in as an
``RsState`` the CLI collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.ranges import intersect, merge, size, span
from ..inventory.models import Inventory
from ..policy.model import Policy
from ..sources.facts import Facts, Provenance
from ..sources.rir import CountryStats
from . import manrs as manrs_mod
from .audit_state import AuditState
from .impact import Impact, compute, unique_routes
from .resilience import ServiceCheck, check_all
from .state import RsState
from .trends import Point, apply_notices, apply_runs, history


@dataclass
class Report:
    impact: Impact
    services: list[ServiceCheck]
    trends: list[Point]
    actions: list[manrs_mod.Action]
    snapshot: str
    country_provenance: Provenance | None = None
    where: list[str] = field(default_factory=list)

    def impact_json(self) -> dict[str, Any]:
        return {"report": "impact", **self.impact.to_json(),
                "resilience": [s.to_json() for s in self.services],
                "trends": [p.to_json() for p in self.trends],
                "sources": self.sources_json()}

    def manrs_json(self) -> dict[str, Any]:
        return {"report": "manrs", "ixp": self.impact.ixp, "collected_at": self.impact.collected_at,
                "actions": [a.to_json() for a in self.actions], "sources": self.sources_json()}

    def sources_json(self) -> dict[str, Any]:
        prov = self.country_provenance
        return {"route_servers": self.where, "snapshot": self.snapshot,
                "rir": {"origin": prov.origin, "fetched_at": prov.fetched_at, "sha256": prov.sha256,
                        **prov.detail} if prov else None}


def assemble(inventory: Inventory, policy: Policy, facts: Facts, country: tuple[CountryStats, Provenance] | None,
             state: RsState, *, repo_root: Path | None = None, snapshot: str = "",
             inventory_paths: list[str] | None = None, report_json: str | None = None,
             runs_dir: Path | None = None, audit: AuditState | None = None) -> Report:
    stats, prov = country if country else (None, None)
    impact = compute(inventory, facts, stats, state)
    members = {m.asn for m in inventory.members if m.is_active}
    routes = list(unique_routes([r for r in state.routes if r.member_asn in members]).values())
    services = check_all(inventory.critical_services, routes)
    points: list[Point] = []
    if repo_root is not None and snapshot:
        points = history(repo_root, inventory_paths=inventory_paths or ["inventory"], snapshot=snapshot,
                         space4=stats.ranges(4) if stats else [], report_json=report_json)
    if runs_dir is not None and runs_dir.is_dir():
        points = sorted(points + apply_runs(runs_dir), key=lambda p: p.date)
    shares = impact.shares
    space4 = stats.ranges(4) if stats else []
    registered = size(intersect(merge(span(p)[1] for e in facts.irr.values() for p, _, _ in e.prefixes4), space4))
    total = size(space4)
    per_rs: dict[str, int] = {}
    for route in state.routes:
        per_rs[route.rs] = per_rs.get(route.rs, 0) + route.accepted
    points.append(Point(state.collected_at, None, impact.members, registered / total if total else None,
                        shares["space4"], shares["filtered"], max(per_rs.values(), default=0)))
    notices = apply_notices(runs_dir) if runs_dir is not None and runs_dir.is_dir() else None
    actions = manrs_mod.evaluate(inventory, policy, impact, notices, audit)
    return Report(impact, services, points, actions, snapshot, prov, list(state.where))
