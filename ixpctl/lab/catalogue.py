"""The conformance catalogue (``lab/conformance/cases/*.yml``): routes members announce and what every
other member router must receive from each route server, as data.

A file holds ``cases:`` and optionally ``symbols:`` (names for ASNs, shared by all files: ``A1: 64496``).
ASNs anywhere in a case (``by``, ``as_path``, receiver keys, community parts) may be symbols;
``A1*31`` in an AS path is A1 thirty-one times. A case::

    - name: ctl-large-prepend-peer-2          # unique
      ref: "RFC 7947 §2.3"                    # the standard or practice it checks
      covers: [ctl_prepend_peer_large]        # topics (tests/unit/test_conformance_catalogue.py)
      description: ...
      announce:                               # one or more routes, announced together
        - {by: A1, prefix: 198.18.40.0/24, as_path: [A1], next_hop: ..., med: 50,
           communities: ["64511:100"], large_communities: ["RS:102:R32"], ext_communities: ["rt:64496:1"],
           result: accepted, rs_local_pref: 0, rs_large_communities: ["RS:1000:2"]}
        # result: accepted (default) | rejected (+ reason: <check of ixpctl/policy/chain.py>) | any
      received:                               # per receiver router, from each route server
        all: {as_path: [A1], communities: []}   # `absent`, or the route (fields default to below)
        R32: {as_path: [A1, A1, A1]}            # a member (all its routers), or `DUAL/1`: one router
      sessions: [{of: EMPTY, afi: 4, established: false, last_error_contains: route limit exceeded}]
      destructive: true                       # runs alone, after every other case
      xfail_reason: "..."                     # a known route-server / evaluator bug: must fail
      needs: [aspa]                           # runs only where the route servers' BIRD has it
                                              # (SKIP elsewhere): aspa = BIRD >= 2.16

Defaults: ``by`` is the member's router 1 (``A1/2``: router 2); ``as_path`` is ``[by]``; the next hop is
the announcer's own address. Without ``received``, every receiver gets the one accepted route of the
prefix (or nothing when none is accepted). A received route's ``as_path``, ``next_hop``, ``med`` and
``ext_communities`` default to those of the announcement it comes from (``from: <member>``, needed
when several are accepted), ``communities`` and ``large_communities`` to none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..base.yamlio import line_of, load_yaml, to_plain
from ..errors import InputError
from ..policy.chain import BY_NAME
from .model import Announcement, Segment, parse_ext_community, parse_path

CASE_KEYS = {"name", "ref", "covers", "description", "announce", "received", "sessions", "destructive",
             "xfail_reason", "needs"}
NEEDS = {"aspa"}  # route-server capabilities a case may need (bird_versions.Capabilities)
ANNOUNCE_KEYS = {"by", "prefix", "as_path", "next_hop", "med", "communities", "large_communities",
                 "ext_communities", "result", "reason", "rs_local_pref", "rs_large_communities"}
RECEIVED_KEYS = {"from", "as_path", "next_hop", "med", "communities", "large_communities", "ext_communities"}
SESSION_KEYS = {"of", "afi", "established", "last_error_contains"}
Router = tuple[int, int | None]  # (asn, connection); None = every router of the member


@dataclass(frozen=True)
class CaseRoute:
    """One announcement of a case and what each route server must do with it."""

    asn: int
    connection: int
    route: Announcement
    result: str  # accepted | rejected | any
    reason: str | None = None
    rs_local_pref: int | None = None
    rs_large_communities: frozenset[tuple[int, int, int]] | None = None  # exactly these, when given


@dataclass(frozen=True)
class Reception:
    """The route a receiver must hold from each route server (``next_hop`` None: the announcer's)."""

    source: CaseRoute
    as_path: tuple[Segment, ...]
    next_hop: str | None
    med: int | None
    communities: frozenset[tuple[int, int]]
    large_communities: frozenset[tuple[int, int, int]]
    ext_communities: frozenset[tuple[str, int, int]]


@dataclass(frozen=True)
class SessionExpectation:
    asn: int
    afi: int
    established: bool
    last_error_contains: str | None = None


@dataclass
class Case:
    name: str
    ref: str
    description: str
    covers: list[str]
    routes: list[CaseRoute]
    received: dict[Router | None, dict[str, Any] | None]  # None key: `all`; None value: absent
    sessions: list[SessionExpectation] = field(default_factory=list)
    destructive: bool = False
    xfail_reason: str | None = None
    where: str = ""  # file:line, for messages
    needs: list[str] = field(default_factory=list)  # capabilities of the route servers it needs

    @property
    def prefixes(self) -> list[str]:
        return list(dict.fromkeys(r.route.prefix for r in self.routes))

    @property
    def announcers(self) -> set[int]:
        return {r.asn for r in self.routes}

    def reception(self, prefix: str, asn: int, connection: int) -> Reception | None:
        """What router ``connection`` of ``asn`` must receive for ``prefix`` (None: nothing)."""
        for key in ((asn, connection), (asn, None), None):
            if key in self.received:
                spec = self.received[key]
                break
        else:
            spec = {}
        if spec is None:
            return None
        candidates = [r for r in self.routes if r.route.prefix == prefix]
        if "from" in spec:
            source = next(r for r in candidates if r.asn == spec["from"])
        else:
            accepted = [r for r in candidates if r.result == "accepted"]
            if not accepted:
                return None
            source = accepted[0]
        a = source.route
        return Reception(source, spec.get("as_path", a.as_path), spec.get("next_hop", a.next_hop),
                         spec.get("med", a.med), spec.get("communities", frozenset()),
                         spec.get("large_communities", frozenset()), spec.get("ext_communities", a.ext_communities))


@dataclass
class Catalogue:
    cases: list[Case]
    symbols: dict[str, int]
    files: list[Path]

    def select(self, only: tuple[str, ...] = ()) -> list[Case]:
        return [c for c in self.cases if not only or any(o in c.name for o in only)]


# --- loading -----------------------------------------------------------------------------------

class _Reader:
    """Turns one file's raw cases into Cases; every error names file:line and the field."""

    def __init__(self, path: Path, node: Any, symbols: dict[str, int]):
        self.path, self.node, self.symbols = path, node, symbols

    def fail(self, loc: tuple, message: str, fix: str | None = None) -> InputError:
        field_name = ".".join(str(p) for p in loc)
        return InputError.at(message, self.path, line_of(self.node, loc), field_name, fix)

    def asn(self, value: Any, loc: tuple) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        if text in self.symbols:
            return self.symbols[text]
        raise self.fail(loc, f"'{value}' is neither an ASN nor a symbol",
                        f"define it under `symbols:` ({', '.join(sorted(self.symbols)) or 'none yet'})")

    def router(self, value: Any, loc: tuple) -> Router:
        text = str(value)
        if "/" in text:
            member, _, conn = text.partition("/")
            if not conn.isdigit():
                raise self.fail(loc, f"'{value}': a router is <member>/<connection number>, e.g. DUAL/2")
            return self.asn(member, loc), int(conn)
        return self.asn(value, loc), None

    def as_path(self, value: Any, loc: tuple) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(loc, "an AS path is a list, e.g. [A1, 65540] or [A1, [65540, 65541]] for an AS_SET")
        out: list[Any] = []
        for i, item in enumerate(value):
            if isinstance(item, list):
                out.append([self.asn(a, (*loc, i)) for a in item])
            elif isinstance(item, str) and "*" in item:
                name, _, times = item.partition("*")
                if not times.strip().isdigit():
                    raise self.fail((*loc, i), f"'{item}': repeat an ASN with <asn>*<count>, e.g. A1*31")
                out += [self.asn(name, (*loc, i))] * int(times)
            else:
                out.append(self.asn(item, (*loc, i)))
        return out

    def communities(self, value: Any, loc: tuple, parts: int) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(loc, "communities are a list, e.g. [\"65535:0\"] or [\"RS:0:R32\"]")
        out = []
        for i, item in enumerate(value):
            fields = str(item).split(":")
            if len(fields) != parts:
                raise self.fail((*loc, i), f"'{item}' has {len(fields)} parts, expected {parts}")
            out.append(":".join(str(self.asn(f, (*loc, i))) for f in fields))
        return out

    def ext(self, value: Any, loc: tuple) -> frozenset[tuple[str, int, int]]:
        try:
            return frozenset(parse_ext_community(c) for c in value or [])
        except ValueError as exc:
            raise self.fail(loc, str(exc)) from None

    def keys(self, raw: Any, allowed: set[str], loc: tuple, what: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(loc, f"{what} must be a mapping")
        unknown = set(raw) - allowed
        if unknown:
            raise self.fail((*loc, min(unknown)), f"unknown key(s) {sorted(unknown)} in {what}",
                            f"{what} has {', '.join(sorted(allowed))}")
        return raw

    def route(self, raw: Any, loc: tuple) -> CaseRoute:
        raw = self.keys(raw, ANNOUNCE_KEYS, loc, "an announcement")
        for key in ("by", "prefix"):
            if key not in raw:
                raise self.fail(loc, f"an announcement needs `{key}`")
        asn, conn = self.router(raw["by"], (*loc, "by"))
        data: dict[str, Any] = {"prefix": raw["prefix"], "as_path": self.as_path(raw.get("as_path", [asn]), (*loc, "as_path"))}
        for key in ("next_hop", "med"):
            if raw.get(key) is not None:
                data[key] = raw[key]
        data["communities"] = self.communities(raw.get("communities", []), (*loc, "communities"), 2)
        data["large_communities"] = self.communities(raw.get("large_communities", []), (*loc, "large_communities"), 3)
        try:
            a = Announcement.from_dict(data, asn)
        except (ValueError, TypeError) as exc:
            raise self.fail(loc, f"not a valid announcement: {exc}") from None
        a = replace(a, ext_communities=self.ext(raw.get("ext_communities"), (*loc, "ext_communities")))
        result = str(raw.get("result", "accepted"))
        if result not in ("accepted", "rejected", "any"):
            raise self.fail((*loc, "result"), f"result '{result}' is accepted, rejected or any")
        reason = raw.get("reason")
        if (result == "rejected") != (reason is not None):
            raise self.fail(loc, "`reason` (the check that rejects it) goes with `result: rejected`, and only there")
        if reason is not None and reason not in BY_NAME:
            raise self.fail((*loc, "reason"), f"'{reason}' is not a check of the chain", ", ".join(BY_NAME))
        tags = raw.get("rs_large_communities")
        return CaseRoute(asn, conn or 1, a, result, reason,
                         int(raw["rs_local_pref"]) if raw.get("rs_local_pref") is not None else None,
                         frozenset(_triples(self.communities(tags, (*loc, "rs_large_communities"), 3)))
                         if tags is not None else None)

    def reception(self, raw: Any, loc: tuple, routes: list[CaseRoute]) -> dict[str, Any] | None:
        if raw == "absent":
            return None
        raw = self.keys(raw, RECEIVED_KEYS, loc, "a received route (or `absent`)")
        spec: dict[str, Any] = {}
        if "from" in raw:
            spec["from"] = self.asn(raw["from"], (*loc, "from"))
            if spec["from"] not in {r.asn for r in routes}:
                raise self.fail((*loc, "from"), f"AS{spec['from']} announces nothing in this case")
        if "as_path" in raw:
            spec["as_path"] = parse_path(self.as_path(raw["as_path"], (*loc, "as_path")))
        if "next_hop" in raw:
            spec["next_hop"] = str(raw["next_hop"])
        if "med" in raw:
            spec["med"] = None if raw["med"] is None else int(raw["med"])
        if "communities" in raw:
            spec["communities"] = frozenset(_pairs(self.communities(raw["communities"], (*loc, "communities"), 2)))
        if "large_communities" in raw:
            spec["large_communities"] = frozenset(_triples(self.communities(
                raw["large_communities"], (*loc, "large_communities"), 3)))
        if "ext_communities" in raw:
            spec["ext_communities"] = self.ext(raw["ext_communities"], (*loc, "ext_communities"))
        return spec

    def case(self, raw: Any, loc: tuple) -> Case:
        raw = self.keys(raw, CASE_KEYS, loc, "a case")
        for key in ("name", "ref", "description", "covers", "announce"):
            if not raw.get(key):
                raise self.fail((*loc, key) if key in raw else loc, f"every case needs `{key}`")
        if not isinstance(raw["covers"], list) or not all(isinstance(c, str) for c in raw["covers"]):
            raise self.fail((*loc, "covers"), "covers is a list of topic names")
        routes = [self.route(a, (*loc, "announce", i)) for i, a in enumerate(_as_list(raw["announce"]))]
        received: dict[Router | None, dict[str, Any] | None] = {}
        rec = raw.get("received") or {}
        if not isinstance(rec, dict):
            raise self.fail((*loc, "received"), "received maps `all` / a member / a router to a route or `absent`")
        for key, value in rec.items():
            where = (*loc, "received", key)
            received[None if key == "all" else self.router(key, where)] = self.reception(value, where, routes)
        sessions = []
        for i, s in enumerate(raw.get("sessions") or []):
            s = self.keys(s, SESSION_KEYS, (*loc, "sessions", i), "a session expectation")
            if "of" not in s or "established" not in s:
                raise self.fail((*loc, "sessions", i), "a session expectation needs `of` and `established`")
            sessions.append(SessionExpectation(self.asn(s["of"], (*loc, "sessions", i, "of")), int(s.get("afi", 4)),
                                               bool(s["established"]), s.get("last_error_contains")))
        needs = raw.get("needs") or []
        if not isinstance(needs, list) or not set(needs) <= NEEDS:
            raise self.fail((*loc, "needs"), f"needs is a list of: {', '.join(sorted(NEEDS))}")
        case = Case(str(raw["name"]), str(raw["ref"]), str(raw["description"]).strip(), list(raw["covers"]), routes,
                    received, sessions, bool(raw.get("destructive")), raw.get("xfail_reason"),
                    f"{self.path}:{line_of(self.node, loc)}", list(needs))
        self.check_sources(case, loc)
        return case

    def check_sources(self, case: Case, loc: tuple) -> None:
        """Every prefix with a received route must say which announcement it comes from."""
        for prefix in case.prefixes:
            accepted = [r for r in case.routes if r.route.prefix == prefix and r.result == "accepted"]
            for key, spec in case.received.items():
                if spec is not None and "from" not in spec and len(accepted) > 1:
                    raise self.fail((*loc, "received"), f"{prefix} has {len(accepted)} accepted announcements: "
                                    f"say with `from:` which one {'every receiver' if key is None else key} gets")
            if len(accepted) > 1 and None not in case.received:
                raise self.fail(loc, f"{prefix} has {len(accepted)} accepted announcements: add "
                                "`received: {all: {from: <member>}}`")


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _pairs(items: list[str]) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (i.split(":") for i in items)]


def _triples(items: list[str]) -> list[tuple[int, int, int]]:
    return [(int(a), int(b), int(c)) for a, b, c in (i.split(":") for i in items)]


def catalogue_files(path: Path) -> list[Path]:
    path = Path(path)
    return [path] if path.is_file() else sorted(path.glob("*.yml"))


def load_catalogue(path: Path) -> Catalogue:
    """Every case of the catalogue at ``path`` (a directory of YAML files, or one file)."""
    files = catalogue_files(path)
    if not files:
        raise InputError.at("no catalogue files (*.yml)", path, fix="point at lab/conformance/cases")
    docs = [(f, load_yaml(f, what="conformance catalogue").node) for f in files]
    symbols: dict[str, int] = {}
    for f, node in docs:
        if set(node) - {"cases", "symbols"}:
            raise InputError.at(f"unknown top-level key(s) {sorted(set(node) - {'cases', 'symbols'})}", f,
                                fix="a catalogue file has `symbols:` and `cases:`")
        for name, value in (to_plain(node.get("symbols")) or {}).items():
            if name in symbols and symbols[name] != value or not isinstance(value, int):
                raise InputError.at(f"symbol {name} is {value!r}: symbols are ASNs, defined once", f,
                                    line_of(node, ("symbols", name)), f"symbols.{name}")
            symbols[name] = value
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for f, node in docs:
        reader = _Reader(f, node, symbols)
        for i, raw in enumerate(to_plain(node.get("cases")) or []):
            case = reader.case(raw, ("cases", i))
            if case.name in seen:
                raise reader.fail(("cases", i, "name"), f"case name '{case.name}' is already used at {seen[case.name]}")
            seen[case.name] = case.where
            cases.append(case)
    return Catalogue(cases, symbols, files)


def plan_rounds(cases: list[Case]) -> list[list[Case]]:
    """Cases that share no prefix run together (one convergence wait); a case whose prefix is already
    taken goes to the next round; destructive cases run alone, last."""
    rounds: list[tuple[set[str], list[Case]]] = []
    for case in (c for c in cases if not c.destructive):
        mine = set(case.prefixes)
        for used, members in rounds:
            if not used & mine:
                used |= mine
                members.append(case)
                break
        else:
            rounds.append((mine, [case]))
    return [members for _, members in rounds] + [[c] for c in cases if c.destructive]
