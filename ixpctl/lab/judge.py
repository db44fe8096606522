"""Judging a conformance case on one observation of the lab, twice: against the catalogue (what the
standards say members must get) and against ``ixpctl.policy.evaluate`` (what ixpctl's own model of
its BIRD config predicts). Either disagreement fails the case, with both sides shown.

Evidence rules: a route is "at the route server" only with the announced AS path, next hop and MED
(so a stale earlier version never counts); absence at a receiver counts only while its session with
that route server is Established; a receiver whose ASN is in the path drops the route itself (BGP
loop prevention), so the evaluator's prediction for it is "absent".
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, replace
from typing import Any

from ..policy import evaluate as ev
from ..policy.communities import reason_bases
from ..verify.model import RouteEntry
from .catalogue import Case, CaseRoute, Reception
from .differences import TREATED_AS_WITHDRAW, accepted, error_words
from .model import Announcement, ReceivedRoute
from .observe import Observation


@dataclass(frozen=True)
class Mismatch:
    where: str  # "rs1" or "R16/1 (AS64498) via rs2"
    field: str
    expected: Any
    got: Any
    source: str = "catalogue"  # or "evaluator": the route server and the Python evaluator disagree
    shown_by: str = "BIRD"  # the route server's daemon and version ("OpenBGPD 7.7"): who showed `got`

    def text(self) -> str:
        side = "evaluator" if self.source == "evaluator" else "expected"
        return f"{self.where}: {self.field}: {side} {_fmt(self.expected)}, {self.shown_by} {_fmt(self.got)}"

    def to_json(self) -> dict[str, Any]:
        return {"where": self.where, "field": self.field, "expected": _plain(self.expected),
                "got": _plain(self.got), "source": self.source}


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(":".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in sorted(value)) + "]"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple) and isinstance(value[0][0], str):
        return " ".join("{" + " ".join(map(str, a)) + "}" if k == "set" else " ".join(map(str, a)) for k, a in value)
    return str(value)


def export_api() -> tuple[Any, str | None]:
    """``best_for`` when the evaluator predicts exports, else (None, why the comparison is skipped)."""
    if hasattr(ev.PolicyEngine, "export") and hasattr(ev, "best_for"):
        return ev.best_for, None
    return None, ("export comparison skipped: ixpctl.policy.evaluate has no PolicyEngine.export / best_for "
                  "yet (import verdicts are compared)")


_MAKE = inspect.signature(ev.Route.make).parameters


def make_route(a: Announcement, next_hop: str) -> ev.Route:
    """The announcement as the evaluator's Route (MED and extended communities once it takes them)."""
    extra: dict[str, Any] = {}
    if "med" in _MAKE:
        extra["med"] = a.med
    if "ext_communities" in _MAKE:
        extra["ext_communities"] = a.ext_communities
    return ev.Route.make(a.prefix, a.as_path, next_hop, a.communities, a.large_communities, **extra)


def _view(r: ReceivedRoute) -> dict[str, Any]:
    return {"as_path": tuple(r.flat_path), "next_hop": r.next_hop, "med": r.med,
            "communities": frozenset(r.communities), "large_communities": frozenset(r.large_communities),
            "ext_communities": frozenset(r.ext_communities)}


class Judge:
    def __init__(self, lab: Any, nodes: list[dict[str, Any]], names: dict[int, str]):
        self.lab = lab
        self.rs_names: list[str] = lab.rs_names
        self.receivers = nodes
        self.names = names  # ASN → symbol, for readable messages
        self.members = {(n["asn"], n["connection"]): n for n in lab.state.info["members"]}
        vrps = lab.read_vrps()
        self.engines = {rs: ev.PolicyEngine(lab.intent(rs), vrps=vrps) for rs in self.rs_names}
        self.best_for, self.export_note = export_api()
        self.daemons = {rs: lab.daemon(rs) if hasattr(lab, "daemon") else "bird" for rs in self.rs_names}

    # --- helpers -------------------------------------------------------------------------------
    def daemon_label(self, rs: str) -> str:
        """"BIRD 2.0.12" / "OpenBGPD 7.7": what route server ``rs`` runs in this lab."""
        from .equivalence import daemon_label

        return daemon_label(self.lab, rs)

    def _named(self, found: list[Mismatch]) -> list[Mismatch]:
        """Each mismatch names the daemon of the route server it is about (its ``where``/``field``)."""
        out = []
        for m in found:
            # the last route server named: in "rs1 vs rs2" the value shown is rs2's
            words = [w for w in re.split(r"[\s:/()]+", f"{m.where} {m.field}") if w in self.rs_names]
            rs = words[-1] if words else None
            out.append(replace(m, shown_by=self.daemon_label(rs)) if rs else m)
        return out

    def label(self, asn: int, connection: int | None = None) -> str:
        name = self.names.get(asn)
        router = f"/{connection}" if connection is not None else ""
        return f"{name}{router} (AS{asn})" if name else f"AS{asn}{router}"

    def own_address(self, cr: CaseRoute) -> str:
        return self.members[(cr.asn, cr.connection)][f"ipv{cr.route.afi}"]

    def next_hop(self, cr: CaseRoute) -> str:
        return cr.route.next_hop or self.own_address(cr)

    def session(self, rs: str, cr: CaseRoute) -> Any:
        return self.engines[rs].session_for(cr.asn, cr.route.afi, self.own_address(cr))

    def at_rs(self, obs: Observation, rs: str, cr: CaseRoute) -> RouteEntry | None:
        """This announcement on route server ``rs``, accepted or filtered, with the announced attributes."""
        openbgpd = self.daemons.get(rs) == "openbgpd"
        for r in obs.at_rs(rs, cr.route.prefix, self.session(rs, cr).name):
            same_med = r.med == cr.route.med or openbgpd and (r.med or 0) == (cr.route.med or 0)  # MED_NOTE
            if r.as_path == cr.route.as_path and r.next_hop == self.next_hop(cr) and same_med:
                return r
        return None

    def arrived(self, case: Case, obs: Observation) -> bool:
        return all(self.at_rs(obs, rs, cr) is not None for cr in case.routes if cr.result != "any"
                   for rs in self.rs_names)

    def _bird_verdict(self, entry: RouteEntry | None, rs: str) -> str:
        if entry is None:
            return "not at the route server"
        if not entry.filtered:
            return "accepted"
        if entry.attributes.get("bgpd") == "error":
            return TREATED_AS_WITHDRAW
        rej = entry.reject_reason(self.lab.state.info["rs_asn"], reason_bases(self.lab.intent(rs).policy))
        return f"rejected:{rej.check if rej else 'no reason tag'}"

    # --- the catalogue ---------------------------------------------------------------------------
    def catalogue(self, case: Case, obs: Observation) -> list[Mismatch]:
        out: list[Mismatch] = []
        for cr in case.routes:
            for rs in self.rs_names if cr.result != "any" else []:
                out += self._rs_expectation(cr, rs, self.at_rs(obs, rs, cr))
        for node in self.receivers:
            if node["asn"] in case.announcers:
                continue
            for prefix in case.prefixes:
                out += self._receiver(case, obs, node, prefix)
        for s in case.sessions:
            for rs in self.rs_names:
                for name, sess in obs.rs_sessions[rs].items():
                    if sess.neighbor_asn != s.asn or not name.endswith(f"_v{s.afi}"):
                        continue
                    if sess.established != s.established:
                        out.append(Mismatch(f"{rs}:{name}", "established", s.established, sess.info or sess.state))
                    words = error_words(self.daemons[rs], s.last_error_contains or "")
                    if s.last_error_contains and words.lower() not in (sess.problem or "").lower():
                        out.append(Mismatch(f"{rs}:{name}", "last error", f"…{words}…", sess.problem))
        return self._named(out)

    def _rs_expectation(self, cr: CaseRoute, rs: str, entry: RouteEntry | None) -> list[Mismatch]:
        where = f"{rs} from {self.label(cr.asn, cr.connection)} {cr.route.prefix}"
        want = "accepted" if cr.result == "accepted" else f"rejected:{cr.reason}"
        got = self._bird_verdict(entry, rs)
        if got != want and accepted(self.daemons[rs], "result", want, got):
            return []  # a documented difference of this daemon (ixpctl.lab.differences)
        if got != want or entry is None:
            return [Mismatch(where, "result", want, got)]
        out = []
        if cr.rs_local_pref is not None and entry.local_pref != cr.rs_local_pref:
            out.append(Mismatch(where, "local_pref", cr.rs_local_pref, entry.local_pref))
        if cr.rs_large_communities is not None:
            held = frozenset(entry.large_communities)
            if held != cr.rs_large_communities:
                out.append(Mismatch(where, "large communities held", cr.rs_large_communities, held))
        return out

    def _receiver(self, case: Case, obs: Observation, node: dict[str, Any], prefix: str) -> list[Mismatch]:
        afi = 6 if ":" in prefix else 4
        if not node[f"ipv{afi}"]:
            return []
        out = []
        views = {}
        for rs in self.rs_names:
            where = f"{self.label(node['asn'], node['connection'])} via {rs} {prefix}"
            key = (node["asn"], node["connection"], rs, afi)
            if not obs.receiver_up.get(key):
                out.append(Mismatch(where, "session", "Established (absence is evidence only then)", "not up"))
                continue
            got = obs.received[key].get(prefix)
            views[rs] = _view(got) if got else None
            out += self._compare(where, case.reception(prefix, node["asn"], node["connection"]), got)
        first, *rest = self.rs_names  # both route servers must give every member the same route
        out += [Mismatch(f"{self.label(node['asn'], node['connection'])} {prefix}", f"{first} vs {rs}",
                         views[first], views[rs]) for rs in rest
                if first in views and rs in views and views[rs] != views[first]]
        return out

    def _compare(self, where: str, exp: Reception | None, got: ReceivedRoute | None) -> list[Mismatch]:
        if exp is None or got is None:
            if exp is None and got is None:
                return []
            return [Mismatch(where, "presence", "absent" if exp is None else "received",
                             "received " + _fmt(got.as_path) if got else "absent")]
        want = {"as_path": exp.as_path, "next_hop": exp.next_hop or self.next_hop(exp.source), "med": exp.med,
                "communities": exp.communities, "large_communities": exp.large_communities,
                "ext_communities": exp.ext_communities}
        have = {"as_path": got.as_path, "next_hop": got.next_hop, "med": got.med,
                "communities": frozenset(got.communities), "large_communities": frozenset(got.large_communities),
                "ext_communities": frozenset(got.ext_communities)}
        return [Mismatch(where, k, want[k], have[k]) for k in want if want[k] != have[k]]

    # --- the evaluator ---------------------------------------------------------------------------
    def evaluator(self, case: Case, obs: Observation) -> list[Mismatch]:
        out: list[Mismatch] = []
        routes = [cr for cr in case.routes if cr.result != "any"]
        for rs in self.rs_names:
            engine = self.engines[rs]
            for cr in routes:
                verdict = engine.evaluate(make_route(cr.route, self.next_hop(cr)), self.session(rs, cr))
                py = "accepted" if verdict.accepted else f"rejected:{verdict.check}"
                bird = self._bird_verdict(self.at_rs(obs, rs, cr), rs)
                if py != bird and not accepted(self.daemons[rs], "result", py, bird):
                    out.append(Mismatch(f"{rs} from {self.label(cr.asn, cr.connection)} {cr.route.prefix}",
                                        "import verdict", py, bird, "evaluator"))
            if self.best_for is None or not routes:
                continue
            for node in self.receivers:
                if node["asn"] in case.announcers:
                    continue
                for prefix in case.prefixes:
                    out += self._export(rs, engine, node, prefix, routes, obs)
        return self._named(out)

    def _export(self, rs: str, engine: Any, node: dict[str, Any], prefix: str, routes: list[CaseRoute],
                obs: Observation) -> list[Mismatch]:
        afi = 6 if ":" in prefix else 4
        key = (node["asn"], node["connection"], rs, afi)
        if not node[f"ipv{afi}"] or not obs.receiver_up.get(key):
            return []  # reported by the catalogue check
        candidates = [(make_route(cr.route, self.next_hop(cr)), self.session(rs, cr))
                      for cr in routes if cr.route.prefix == prefix]
        best = self.best_for(engine, candidates, node["asn"])
        predicted = None
        if best is not None and node["asn"] not in best[1].as_path:  # else the receiver drops it (loop)
            e = best[1]
            predicted = {"as_path": tuple(e.as_path), "next_hop": e.next_hop, "med": e.med,
                         "communities": frozenset(e.communities), "large_communities": frozenset(e.large_communities),
                         "ext_communities": frozenset(e.ext_communities)}
        got = obs.received[key].get(prefix)
        seen = _view(got) if got else None
        where = f"{self.label(node['asn'], node['connection'])} via {rs} {prefix}"
        if predicted is None or seen is None:
            if predicted is None and seen is None:
                return []
            return [Mismatch(where, "export", "absent" if predicted is None else f"received {predicted}",
                             "absent" if seen is None else f"received {seen}", "evaluator")]
        return [Mismatch(where, f"export {k}", predicted[k], seen[k], "evaluator") for k in predicted
                if predicted[k] != seen[k]]
