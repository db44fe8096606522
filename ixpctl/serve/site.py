"""Everything the service knows besides the daemons' live state, loaded once at start-up: the
inventory, the policy, the facts snapshot (without the facts that authorise far too much, as
``ixpctl build``), one compiled Intent and one ``PolicyEngine`` per route server (the engine the
self-check runs, the same as ``ixpctl check``), the published-policy model and the IX-F export."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..analysis.selfcheck import CheckReport, VrpIndex, parse_announcements, self_check
from ..errors import InputError
from ..inventory import load_inventory
from ..policy.evaluate import PolicyEngine
from ..policy.facts_floor import without_short_facts
from ..policy.intent import RouteServerIntent, compile_route_server
from ..policy.loader import load_policy
from ..publish.docs import PolicyDoc, build_policy_doc
from ..publish.ixf import member_list
from ..sources.facts import Facts
from ..sources.snapshot import max_ages, read_manifest, read_snapshot
from .config import ServeConfig


@dataclass
class MemberView:
    """What the public pages show of a member: never its MD5 secret reference nor its contact."""

    asn: int
    name: str
    status: str
    peeringdb_url: str
    as_sets: list[str]
    ipv4: list[str]
    ipv6: list[str]
    joined: str | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Site:
    config: ServeConfig
    loaded: Any
    policy: Any
    facts: Facts
    intents: dict[str, RouteServerIntent]
    engines: dict[str, PolicyEngine]
    doc: PolicyDoc
    members: list[MemberView]
    snapshot_dir: Path
    loaded_at: float = field(default_factory=time.time)
    _ixf: dict[str, Any] | None = None
    _vrps: dict[str, VrpIndex] = field(default_factory=dict)
    _check_slots: Any = None

    @classmethod
    def load(cls, config: ServeConfig) -> Site:
        loaded = load_inventory(config.inventory)
        policy = load_policy(config.policy)
        inv = loaded.inventory
        snapshot = Path(config.snapshot) if config.snapshot else Path.cwd() / inv.sources.snapshot_dir
        facts = without_short_facts(read_snapshot(snapshot, max_ages=max_ages(inv.sources)), policy.policy)
        intents = {rs.name: compile_route_server(loaded, policy, facts, rs) for rs in inv.route_servers}
        engines = {name: PolicyEngine(intent) for name, intent in intents.items()}
        members = [MemberView(m.asn, m.name, m.status, f"https://www.peeringdb.com/asn/{m.asn}",
                              [] if isinstance(m.as_sets, str) else list(m.as_sets),
                              [str(c.ipv4) for c in m.connections if c.ipv4],
                              [str(c.ipv6) for c in m.connections if c.ipv6],
                              m.joined.isoformat() if m.joined else None)
                   for m in sorted(inv.members, key=lambda m: m.asn)]
        site = cls(config, loaded, policy, facts, intents, engines, build_policy_doc(inv, policy), members,
                   snapshot)
        site._check_slots = threading.BoundedSemaphore(config.limits.check_concurrency)
        return site

    @property
    def inventory(self):
        return self.loaded.inventory

    @property
    def rs_names(self) -> list[str]:
        return list(self.intents)

    def member(self, asn: int) -> MemberView | None:
        return next((m for m in self.members if m.asn == asn), None)

    def member_of_session(self, rs: str, session: str) -> int | None:
        intent = self.intents.get(rs)
        s = next((s for s in intent.sessions if s.name == session), None) if intent else None
        return s.member_asn if s else None

    # --- the self-check ----------------------------------------------------------------------
    def check(self, asn: int, text: str | None, rs: str | None = None, *, source: str = "request") -> CheckReport:
        """``text``: prefix lines or a `show route` dump (None: the member's IRR data from the snapshot)."""
        name = rs or self.rs_names[0]
        if name not in self.intents:
            raise InputError(f"unknown route server {name!r}", fix=f"use one of {', '.join(self.rs_names)}")
        announcements = None
        if text is not None and text.strip():
            announcements = parse_announcements(text, asn, source=source)
            if len(announcements) > self.config.limits.max_prefixes:
                raise InputError(f"{len(announcements)} routes given; the self-check takes at most "
                                 f"{self.config.limits.max_prefixes} at once", fix="split the list")
        with self._check_slots:
            return self_check(self.intents[name], self.facts, asn, announcements, engine=self.engines[name],
                              vrps=self.vrp_index(name))

    def warm_up(self) -> None:
        """Build at start what the first self-check would otherwise pay for (VRP index, prefix sets)."""
        for name, intent in self.intents.items():
            self.vrp_index(name)
            member = next(iter(intent.members), None)
            if member is not None:
                try:
                    self.check(member.asn, None, name)
                except InputError:
                    pass

    def vrp_index(self, rs: str) -> VrpIndex:
        """The VRP index of one route server's intent, built once (610 k VRPs take ~1 s)."""
        index = self._vrps.get(rs)
        if index is None:
            intent = self.intents[rs]
            index = self._vrps[rs] = VrpIndex(intent.vrps4 + intent.vrps6)
        return index

    # --- published documents ------------------------------------------------------------------
    def ixf(self) -> dict[str, Any]:
        if self._ixf is None:
            self._ixf = member_list(self.inventory, self.facts, self.policy)
        return self._ixf

    def facts_ages(self) -> dict[str, float]:
        """Seconds since each source of the snapshot was fetched."""
        out: dict[str, float] = {}
        try:
            manifest = read_manifest(self.snapshot_dir)
        except Exception:  # noqa: BLE001 - metrics must not fail on a snapshot that vanished since start
            return out
        now = datetime.now(UTC)
        for source, entry in (manifest.get("sources") or {}).items():
            fetched = ((entry or {}).get("provenance") or {}).get("fetched_at")
            try:
                moment = datetime.fromisoformat(str(fetched))
            except ValueError:
                continue
            out[source] = max(0.0, (now - moment).total_seconds())
        return out

    def last_build(self) -> tuple[float | None, bool]:
        """(time of the last successful build, whether its manifest is readable) from build/manifest.json."""
        build = Path(self.config.build_dir) if self.config.build_dir else Path.cwd() / "build"
        path = build / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return path.stat().st_mtime, isinstance(data, dict) and "files" in data
        except (OSError, ValueError):
            return None, False
