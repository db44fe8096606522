"""Lab scenarios (``lab/scenarios/*.yml``): announcements by members and what must happen to them.

A file holds ``scenarios:``, each a list of ``steps`` (or one implicit step from top-level
``announce``/``withdraw``/``vrps``/``expect``). A step changes something, then its expectations are
polled until they all hold (or ``timeout`` seconds pass). Expectation kinds, one per item:

- ``{prefix, from: ASN, result: accepted}`` / ``{prefix, from: ASN, result: rejected, reason: <check>}``
  on the route servers in ``rs`` (default: all); optional ``local_pref`` on the route server;
- ``{prefix, received_by: [ASN...], as_path, next_hop, communities, large_communities}``;
- ``{prefix, not_received_by: [ASN...]}``;
- ``{session_of: ASN, afi: 4, established: false, last_error_contains: "..."}``.

Single-step scenarios without ``vrps`` run together (one convergence wait for all of them); the
others run one after another; ``destructive: true`` ones (max-prefix) run last.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.yamlio import load_yaml, to_plain
from ..errors import InputError, IxpctlError
from ..policy.chain import BY_NAME
from .differences import TREATED_AS_WITHDRAW, accepted, error_words
from .model import Announcement, parse_community, parse_path

EXPECT_KEYS = {"prefix", "from", "rs", "result", "reason", "local_pref", "received_by", "not_received_by",
               "as_path", "next_hop", "communities", "large_communities", "session_of", "afi", "established",
               "last_error_contains", "connection"}
STEP_KEYS = {"announce", "withdraw", "vrps", "expect", "timeout"}
SCENARIO_KEYS = {"name", "description", "steps", "destructive"} | STEP_KEYS


@dataclass
class Expectation:
    data: dict[str, Any]

    @property
    def label(self) -> str:
        d = self.data
        if "session_of" in d:
            return f"session of AS{d['session_of']} IPv{d.get('afi', 4)} established={d.get('established')}"
        if "result" in d:
            extra = f" ({d['reason']})" if d.get("reason") else ""
            return f"{d['prefix']} from AS{d['from']}: {d['result']}{extra}"
        if "received_by" in d:
            return f"{d['prefix']} received by AS{','.join(map(str, d['received_by']))}"
        return f"{d['prefix']} not received by AS{','.join(map(str, d['not_received_by']))}"


@dataclass
class Step:
    announce: list[tuple[int, int, Announcement]] = field(default_factory=list)  # (asn, connection, route)
    withdraw: list[tuple[int, int, str]] = field(default_factory=list)
    vrps: dict[str, Any] | None = None
    expect: list[Expectation] = field(default_factory=list)
    timeout: float = 20.0


@dataclass
class Scenario:
    name: str
    description: str
    steps: list[Step]
    destructive: bool = False
    source: str = ""

    @property
    def parallel(self) -> bool:
        return len(self.steps) == 1 and self.steps[0].vrps is None and not self.destructive


@dataclass
class Result:
    scenario: str
    step: int
    expectation: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


# --- loading ---------------------------------------------------------------------------------------

def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _parse_step(raw: dict[str, Any], where: str) -> Step:
    unknown = set(raw) - STEP_KEYS
    if unknown:
        raise InputError(f"{where}: unknown key(s) {sorted(unknown)}; a step has {sorted(STEP_KEYS)}")
    step = Step(timeout=float(raw.get("timeout", 20)))
    for i, a in enumerate(raw.get("announce") or []):
        if "by" not in a or "prefix" not in a:
            raise InputError(f"{where}: announce[{i}] needs `by` (member ASN) and `prefix`")
        asn = int(a["by"])
        rest = {k: v for k, v in a.items() if k not in ("by", "connection")}
        try:
            step.announce.append((asn, int(a.get("connection", 1)), Announcement.from_dict(rest, asn)))
        except (ValueError, TypeError) as exc:
            raise InputError(f"{where}: announce[{i}]: {exc}") from None
    for i, w in enumerate(raw.get("withdraw") or []):
        step.withdraw.append((int(w["by"]), int(w.get("connection", 1)), str(w["prefix"])))
    if raw.get("vrps") is not None:
        v = raw["vrps"]
        if v != "restore" and (not isinstance(v, dict) or set(v) - {"add", "remove"}):
            raise InputError(f"{where}: vrps is `restore` or {{add: [[prefix, maxlen, asn]...], remove: [...]}}")
        step.vrps = {"restore": True} if v == "restore" else v
    for i, e in enumerate(raw.get("expect") or []):
        unknown = set(e) - EXPECT_KEYS
        if unknown:
            raise InputError(f"{where}: expect[{i}]: unknown key(s) {sorted(unknown)}")
        if "session_of" not in e and "prefix" not in e:
            raise InputError(f"{where}: expect[{i}] needs `prefix` (or `session_of`)")
        kinds = [k for k in ("result", "received_by", "not_received_by", "session_of") if k in e]
        if len(kinds) != 1:
            raise InputError(f"{where}: expect[{i}] needs exactly one of result / received_by / "
                             f"not_received_by / session_of (has {kinds or 'none'})")
        if "result" in e:
            if e["result"] not in ("accepted", "rejected"):
                raise InputError(f"{where}: expect[{i}].result is accepted or rejected")
            if "from" not in e:
                raise InputError(f"{where}: expect[{i}] with `result` needs `from` (the announcing ASN)")
            if e.get("reason") and e["reason"] not in BY_NAME:
                raise InputError(f"{where}: expect[{i}].reason '{e['reason']}' is not a check of the chain "
                                 f"({', '.join(BY_NAME)})")
        data = dict(e)
        for key in ("received_by", "not_received_by", "rs"):
            if key in data:
                data[key] = _as_list(data[key])
        if "as_path" in data:
            data["as_path"] = parse_path(data["as_path"])
        step.expect.append(Expectation(data))
    return step


def load_scenarios(paths: list[Path]) -> list[Scenario]:
    out: list[Scenario] = []
    seen: set[str] = set()
    for path in paths:
        doc = to_plain(load_yaml(path, what="scenario file").node) or {}
        if set(doc) - {"scenarios"}:
            raise InputError(f"{path}: a scenario file has one key, `scenarios`")
        for i, raw in enumerate(doc.get("scenarios") or []):
            where = f"{path}: scenarios[{i}]"
            unknown = set(raw) - SCENARIO_KEYS
            if unknown:
                raise InputError(f"{where}: unknown key(s) {sorted(unknown)}")
            name = str(raw.get("name") or "")
            if not name or name in seen:
                raise InputError(f"{where}: every scenario needs a unique `name` ({name!r})")
            seen.add(name)
            if "steps" in raw:
                if set(raw) & STEP_KEYS:
                    raise InputError(f"{where}: use either `steps` or top-level announce/expect, not both")
                steps = [_parse_step(s, f"{where}.steps[{j}]") for j, s in enumerate(raw["steps"])]
            else:
                steps = [_parse_step({k: v for k, v in raw.items() if k in STEP_KEYS}, where)]
            out.append(Scenario(name, str(raw.get("description", "")), steps, bool(raw.get("destructive")),
                                str(path)))
    _check_conflicts(out)
    return out


def _check_conflicts(scenarios: list[Scenario]) -> None:
    owner: dict[tuple[int, int, str], str] = {}
    for sc in scenarios:
        if not sc.parallel:
            continue
        for asn, conn, a in sc.steps[0].announce:
            key = (asn, conn, a.prefix)
            if key in owner and owner[key] != sc.name:
                raise InputError(f"scenarios {owner[key]} and {sc.name} both announce {a.prefix} from AS{asn}: "
                                 f"they run together, use distinct prefixes")
            owner[key] = sc.name


def scenario_files(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob("*.yml"))


# --- running ---------------------------------------------------------------------------------------

class Runner:
    def __init__(self, lab):
        self.lab = lab
        self.rs_asn = lab.state.info["rs_asn"]

    def _rs_list(self, e: dict[str, Any]) -> list[str]:
        return e.get("rs") or self.lab.rs_names

    def check(self, exp: Expectation) -> tuple[bool, str]:
        e = exp.data
        try:
            if "session_of" in e:
                return self._check_session(e)
            if "result" in e:
                return self._check_result(e)
            if "received_by" in e:
                return self._check_received(e)
            return self._check_not_received(e)
        except IxpctlError as exc:
            return False, f"error: {exc}"

    def _check_session(self, e) -> tuple[bool, str]:
        afi = int(e.get("afi", 4))
        problems = []
        for rs in self._rs_list(e):
            for s in self.lab.rs(rs).member_sessions(int(e["session_of"])):
                if not s.name.endswith(f"_v{afi}"):
                    continue
                if "established" in e and s.established != bool(e["established"]):
                    problems.append(f"{rs}:{s.name} is {s.info or s.state}")
                words = error_words(self.lab.daemon(rs), e.get("last_error_contains") or "")  # bgpd's words
                if words and words.lower() not in (s.problem or "").lower():
                    problems.append(f"{rs}:{s.name} last error {s.problem!r}")
        return not problems, "; ".join(problems) or "ok"

    def _check_result(self, e) -> tuple[bool, str]:
        prefix, asn = str(e["prefix"]), int(e["from"])
        afi = 6 if ":" in prefix else 4
        problems, seen = [], []
        for rs in self._rs_list(e):
            client = self.lab.rs(rs)
            routes = []
            for s in client.member_sessions(asn):
                if s.name.endswith(f"_v{afi}"):
                    routes += client.routes(prefix=prefix, protocol=s.name)
                    routes += client.routes(prefix=prefix, protocol=s.name, filtered=True)
            if not routes:
                problems.append(f"{rs}: no route {prefix} from AS{asn}")
                continue
            r = routes[0]
            rej = r.reject_reason(self.rs_asn)
            got = "rejected" if r.filtered else "accepted"
            if r.attributes.get("bgpd") == "error" and e.get("reason") and accepted(
                    self.lab.daemon(rs), "result", f"rejected:{e['reason']}", TREATED_AS_WITHDRAW):
                # OpenBGPD treats it as withdrawn before any filter: no reason tag (lab.differences)
                seen.append(f"{rs}: rejected (treated as withdrawn by bgpd: no reason tag, a documented difference)")
                continue
            seen.append(f"{rs}: {got}" + (f" ({rej.check})" if rej else ""))
            if got != e["result"]:
                problems.append(f"{rs}: {got}" + (f" ({rej.check})" if rej else ""))
            elif e.get("reason") and (rej is None or rej.check != e["reason"]):
                problems.append(f"{rs}: reason {rej.check if rej else None}, expected {e['reason']}")
            if "local_pref" in e and r.local_pref != int(e["local_pref"]):
                problems.append(f"{rs}: local_pref {r.local_pref}, expected {e['local_pref']}")
        return not problems, "; ".join(problems) or ", ".join(seen)

    def _check_received(self, e) -> tuple[bool, str]:
        prefix = str(e["prefix"])
        problems, seen = [], []
        for asn in e["received_by"]:
            sp = self.lab.speaker(int(asn), int(e.get("connection", 1)))
            for rs in self._rs_list(e):
                got = sp.received(rs, prefix)
                if not got:
                    problems.append(f"AS{asn} has no {prefix} from {rs}")
                    continue
                r = got[0]
                if "as_path" in e and r.as_path != e["as_path"]:
                    problems.append(f"AS{asn} via {rs}: AS path {r.flat_path}, expected "
                                    f"{[a for _, x in e['as_path'] for a in x]}")
                if "next_hop" in e and r.next_hop != str(e["next_hop"]):
                    problems.append(f"AS{asn} via {rs}: next hop {r.next_hop}, expected {e['next_hop']}")
                if "communities" in e:
                    want = sorted(parse_community(c) for c in e["communities"])
                    if sorted(r.communities) != want:
                        problems.append(f"AS{asn} via {rs}: communities {r.communities}, expected {want}")
                if "large_communities" in e:
                    want = sorted(parse_community(c) for c in e["large_communities"])
                    if sorted(r.large_communities) != want:
                        problems.append(f"AS{asn} via {rs}: large communities {r.large_communities}, expected {want}")
                seen.append(f"AS{asn}/{rs} path {r.flat_path} nh {r.next_hop}")
        return not problems, "; ".join(problems) or "; ".join(seen)

    def _check_not_received(self, e) -> tuple[bool, str]:
        prefix = str(e["prefix"])
        problems = []
        for asn in e["not_received_by"]:
            sp = self.lab.speaker(int(asn), int(e.get("connection", 1)))
            for rs in self._rs_list(e):
                if sp.received(rs, prefix):
                    problems.append(f"AS{asn} received {prefix} from {rs}")
        return not problems, "; ".join(problems) or "not received"

    # --- steps -----------------------------------------------------------------------------------
    def apply(self, step: Step, original_vrps: list) -> None:
        by_speaker: dict[tuple[int, int], list[Announcement]] = {}
        for asn, conn, a in step.announce:
            by_speaker.setdefault((asn, conn), []).append(a)
        for (asn, conn), routes in by_speaker.items():
            self.lab.speaker(asn, conn).announce(routes)
        wd: dict[tuple[int, int], list[str]] = {}
        for asn, conn, p in step.withdraw:
            wd.setdefault((asn, conn), []).append(p)
        for (asn, conn), prefixes in wd.items():
            self.lab.speaker(asn, conn).withdraw(prefixes)
        if step.vrps is not None:
            if step.vrps.get("restore"):
                self.lab.write_vrps(original_vrps)
            else:
                current = self.lab.read_vrps()
                remove = {(str(p), int(m), int(a)) for p, m, a in step.vrps.get("remove", [])}
                missing = remove - set(current)
                if missing:
                    raise IxpctlError(f"vrps.remove: {sorted(missing)} not in the served VRPs")
                current = [v for v in current if v not in remove]
                current += [(str(p), int(m), int(a)) for p, m, a in step.vrps.get("add", [])]
                self.lab.write_vrps(current)

    def wait(self, items: list[tuple[str, int, Expectation]], timeout: float) -> list[Result]:
        deadline = time.monotonic() + timeout
        while True:
            results = [Result(name, idx, exp.label, *self.check(exp)) for name, idx, exp in items]
            if all(r.ok for r in results):
                time.sleep(0.5)  # settle, then confirm (a 'not received' must stay true)
                return [Result(name, idx, exp.label, *self.check(exp)) for name, idx, exp in items]
            if time.monotonic() > deadline:
                return results
            time.sleep(0.25)

    def cleanup(self, scenarios: list[Scenario]) -> None:
        wd: dict[tuple[int, int], set[str]] = {}
        for sc in scenarios:
            for step in sc.steps:
                for asn, conn, a in step.announce:
                    wd.setdefault((asn, conn), set()).add(a.prefix)
        for (asn, conn), prefixes in wd.items():
            try:
                self.lab.speaker(asn, conn).withdraw(sorted(prefixes))
            except IxpctlError:
                pass

    def run(self, scenarios: list[Scenario], *, include_destructive: bool = True) -> list[Result]:
        results: list[Result] = []
        original_vrps = self.lab.read_vrps()
        group = [s for s in scenarios if s.parallel]
        if group:
            for sc in group:
                self.apply(sc.steps[0], original_vrps)
            items = [(sc.name, 0, e) for sc in group for e in sc.steps[0].expect]
            results += self.wait(items, max(sc.steps[0].timeout for sc in group))
            self.cleanup(group)
        ordered = [s for s in scenarios if not s.parallel and not s.destructive]
        if include_destructive:
            ordered += [s for s in scenarios if s.destructive]
        for sc in ordered:
            try:
                for idx, step in enumerate(sc.steps):
                    self.apply(step, original_vrps)
                    results += self.wait([(sc.name, idx, e) for e in step.expect], step.timeout)
            finally:
                if self.lab.read_vrps() != original_vrps:
                    self.lab.write_vrps(original_vrps)
                self.cleanup([sc])
        return results
