"""The member-perspective route-server conformance suite: ``ixpctl lab conformance [--rtr]``.

Why: a route server is right when its *members* get the right routes. The suite brings the
conformance IXP (``lab/conformance.lab.yml``: two BIRD route servers, ExaBGP announcers, BIRD
receivers) up once, announces every case of the catalogue (``lab/conformance/cases/``, format in
``ixpctl.lab.catalogue``) round by round — cases that share no prefix go together, so convergence is
waited for once per round — and judges each case at every other member router and on both route
servers, against the catalogue and against the Python evaluator (``ixpctl.lab.judge``).

RPKI comes from the static ROA tables an offline ``ixpctl build`` renders (default) or, with
``--rtr``, from StayRTR: the same VRPs, two code paths in BIRD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import InputError, IxpctlError
from .catalogue import Case, Catalogue, load_catalogue, plan_rounds
from .judge import Judge, Mismatch
from .lab import Lab, LabConfig
from .observe import Observation, observe, receivers
from .speakers import speaker_for

DEFAULT_LAB = Path("lab/conformance.lab.yml")
DEFAULT_CASES = Path("lab/conformance/cases")


@dataclass
class CaseResult:
    case: str
    ref: str
    status: str  # PASS | FAIL | XFAIL (known bug, still failing) | XPASS (known bug no longer seen) | SKIP
    # (SKIP: the case needs what the route servers' BIRD does not have, e.g. ASPA on 2.0)
    round: int
    mismatches: list[Mismatch] = field(default_factory=list)
    xfail_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("PASS", "XFAIL", "SKIP")

    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "ref": self.ref, "status": self.status, "round": self.round,
                "xfail_reason": self.xfail_reason, "mismatches": [m.to_json() for m in self.mismatches]}


@dataclass
class Report:
    mode: str  # static | rtr
    seconds: float
    results: list[CaseResult]
    notes: list[str] = field(default_factory=list)
    rpki: dict[str, list[str]] = field(default_factory=dict)  # per route server: its RPKI (RTR) protocols
    route_server_bird: str = ""  # the BIRD version the route servers ran
    daemons: dict[str, str] = field(default_factory=dict)  # per route server: "BIRD 2.0.12" / "OpenBGPD 7.7"

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("PASS", "FAIL", "XFAIL", "XPASS", "SKIP")}
        for r in self.results:
            out[r.status] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "mode": self.mode, "route_server_bird": self.route_server_bird, "daemons": self.daemons,
                "seconds": round(self.seconds, 1), "counts": self.counts(),
                "notes": self.notes, "rpki": self.rpki, "cases": [r.to_json() for r in self.results]}


# --- the catalogue against the topology ----------------------------------------------------------

def lab_topology(config: LabConfig) -> tuple[list[dict[str, Any]], list[str]]:
    """The member routers the lab will start (what ``Lab.up`` records) and the route servers'
    names, without starting anything."""
    from ..inventory import load_inventory

    inv = load_inventory(config.inventory).inventory
    nodes = [{"label": f"m{m.asn}-{i}", "asn": m.asn, "connection": i, "dir": "", "router_id": "0.0.0.0",
              "ipv4": str(c.ipv4) if c.ipv4 else None, "ipv6": str(c.ipv6) if c.ipv6 else None,
              "speaker": config.speaker_of(m.asn, i)} for m, i, c in inv.route_server_connections()]
    return nodes, [rs.name for rs in inv.route_servers]


def check_catalogue(cases: list[Case], nodes: list[dict[str, Any]], rs_names: list[str]) -> None:
    """Every announcement is one its speaker can make, every receiver named can report (BIRD)."""
    by_router = {(n["asn"], n["connection"]): n for n in nodes}
    state = SimpleNamespace(info={"route_servers": [{"name": rs, "ipv4": "0.0.0.0", "ipv6": "::"} for rs in rs_names]})
    for case in cases:
        for cr in case.routes:
            node = by_router.get((cr.asn, cr.connection))
            if node is None:
                raise InputError(f"{case.where}: case {case.name}: AS{cr.asn} has no router {cr.connection} in the lab")
            speaker = speaker_for(node, state)  # type: ignore[arg-type]
            try:
                if speaker.kind == "exabgp":
                    speaker._route_text(cr.route, cr.route.afi)
                else:
                    speaker._path_behind(cr.route)
                speaker.own_address(cr.route.afi)
            except IxpctlError as exc:
                raise InputError(f"{case.where}: case {case.name}: {exc.message}") from None
        for key in case.received:
            if key is None:
                continue
            asn, conn = key
            found = [n for n in nodes if n["asn"] == asn and (conn is None or n["connection"] == conn)]
            if not found or any(n["speaker"] != "bird" for n in found):
                raise InputError(f"{case.where}: case {case.name}: received: AS{asn}{'/' + str(conn) if conn else ''} "
                                 "is not a BIRD receiver of the lab (only BIRD members report what they get)")


# --- running -----------------------------------------------------------------------------------

class ConformanceRun:
    def __init__(self, lab: Lab, catalogue: Catalogue, *, timeout: float = 20.0, settle: float = 1.0):
        self.lab = lab
        self.nodes = receivers(lab)
        self.judge = Judge(lab, self.nodes, {v: k for k, v in catalogue.symbols.items() if k != "RS"})
        self.timeout, self.settle = timeout, settle

    def observe(self) -> Observation:
        return observe(self.lab, self.nodes)

    def _by_speaker(self, cases: list[Case]) -> dict[tuple[int, int], list[Any]]:
        out: dict[tuple[int, int], list[Any]] = {}
        for case in cases:
            for cr in case.routes:
                out.setdefault((cr.asn, cr.connection), []).append(cr.route)
        return out

    def run(self, cases: list[Case]) -> list[CaseResult]:
        have = {"aspa"} if all(self.lab.intent(rs).aspa for rs in self.lab.rs_names) else set()
        skipped = [c for c in cases if not set(c.needs) <= have]
        order = {c.name: i for i, c in enumerate(cases)}
        cases = [c for c in cases if c not in skipped]
        rounds = plan_rounds(cases)
        results: list[CaseResult] = [CaseResult(c.name, c.ref, "SKIP", 0, xfail_reason=f"needs {', '.join(c.needs)}")
                                     for c in skipped]
        for index, group in enumerate(rounds, 1):
            later = {p for g in rounds[index:] for c in g for p in c.prefixes}
            results += self.run_round(index, group, reused=later)
        return sorted(results, key=lambda r: order[r.case])

    def run_round(self, index: int, cases: list[Case], *, reused: set[str]) -> list[CaseResult]:
        announced = self._by_speaker(cases)
        for (asn, conn), routes in announced.items():
            self.lab.speaker(asn, conn).announce(routes)
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                obs = self.observe()
                pending = [c for c in cases if not self.judge.arrived(c, obs)
                           or (not c.xfail_reason and self.judge.catalogue(c, obs))]
                if not pending or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            time.sleep(self.settle)  # then judge on a fresh look: an absence must still hold
            obs = self.observe()
            return [self._result(index, c, obs) for c in cases]
        finally:
            for (asn, conn), routes in announced.items():
                self.lab.speaker(asn, conn).withdraw([a.prefix for a in routes])
            if reused & {p for c in cases for p in c.prefixes}:
                self._wait_gone(cases)

    def _result(self, index: int, case: Case, obs: Observation) -> CaseResult:
        mismatches = self.judge.catalogue(case, obs)
        if not case.destructive:  # the evaluator has no session state (import limits)
            mismatches += self.judge.evaluator(case, obs)
        if case.xfail_reason:
            status = "XFAIL" if mismatches else "XPASS"
        else:
            status = "FAIL" if mismatches else "PASS"
        return CaseResult(case.name, case.ref, status, index, mismatches, case.xfail_reason)

    def _wait_gone(self, cases: list[Case], timeout: float = 10.0) -> None:
        """Before a later round re-announces a prefix, the withdrawals must have reached both route servers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            obs = self.observe()
            if not any(self.judge.at_rs(obs, rs, cr) for c in cases for cr in c.routes for rs in self.lab.rs_names):
                return
            time.sleep(0.2)
        raise IxpctlError(f"withdrawn routes still on the route servers after {timeout:.0f} s")


def run_conformance(lab_file: Path = DEFAULT_LAB, cases_path: Path = DEFAULT_CASES, *, rtr: bool = False,
                    only: tuple[str, ...] = (), base: Path | None = None, root: Path | None = None,
                    timeout: float = 20.0, rs_bird: str | None = None, rs_openbgpd: str | None = None) -> Report:
    """Load and check the catalogue, bring the conformance lab up (``base``: where its run directory
    goes), run the cases, tear the lab down (always: by recorded PIDs and namespace names).
    ``rs_bird``: the route servers' BIRD for this run ("3.1", or a binary), else the inventory's."""
    started = time.monotonic()
    root = root or Path.cwd()
    catalogue = load_catalogue(root / cases_path)
    cases = catalogue.select(only)
    if not cases:
        raise InputError(f"no conformance case matches {' / '.join(only)}")
    config = replace(LabConfig.load(root / lab_file, base=root), rpki="rtr" if rtr else "static")
    if rs_bird:
        config = replace(config, rs_bird=rs_bird)
    if rs_openbgpd:  # the OpenBGPD route servers' series for this run ("8.8")
        config = replace(config, rs_openbgpd=rs_openbgpd)
    check_catalogue(cases, *lab_topology(config))
    lab = Lab.up(config, base=base)
    try:
        run = ConformanceRun(lab, catalogue, timeout=timeout)
        results = run.run(cases)
        notes = [run.judge.export_note] if run.judge.export_note else []
        # evidence of the RPKI path the run took: RTR sessions in --rtr mode, none with static tables
        rpki = {rs: [f"{p.name} {p.info}" for p in lab.rs(rs).protocols() if p.proto == "RPKI"]
                for rs in lab.rs_names}
        version = (lab.state.info.get("rs_bird") or {}).get("version", "")
        daemons = {rs: run.judge.daemon_label(rs) for rs in lab.rs_names}
    finally:
        lab.down()
    return Report("rtr" if rtr else "static", time.monotonic() - started, results, notes, rpki, version, daemons)
