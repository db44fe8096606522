"""The Python back end of the filter chain: decide a route exactly as the generated BIRD config does.

``PolicyEngine(intent).evaluate(route, session)`` walks ``chain.CHAIN`` in order and mirrors each
BIRD function of templates/bird/checks/ (same conditions, same tags), so the member self-check,
the semantic diff and reports give BIRD's verdict and reason. BIRD built-ins are re-implemented
with BIRD's semantics (``bgp_path.first/last/last_nonaggregated/len``, ``net ~ prefix set``,
``roa_check``); the lab's differential test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network
from typing import Literal

import pytricia

from ..sources.aspa import aspa_table, aspa_upstream
from ..sources.facts import PrefixRange, Vrp
from .chain import BY_NAME, CHAIN
from .communities import Communities
from .intent import MemberIntent, RouteServerIntent, SessionIntent

Segment = tuple[Literal["seq", "set"], tuple[int, ...]]


@dataclass(frozen=True)
class Route:
    """A BGP route as a member announces it to the route server."""

    prefix: str
    as_path: tuple[Segment, ...]
    next_hop: str
    communities: frozenset[tuple[int, int]] = frozenset()
    large_communities: frozenset[tuple[int, int, int]] = frozenset()
    ext_communities: frozenset[tuple[str, int, int]] = frozenset()  # ("rt" | "ro", global, local)
    med: int | None = None

    @classmethod
    def make(cls, prefix: str, path: Iterable[int] | Iterable[Segment], next_hop: str,
             communities: Iterable[tuple[int, int]] = (), large_communities: Iterable[tuple[int, int, int]] = (),
             ext_communities: Iterable[tuple[str, int, int]] = (), med: int | None = None):
        path = list(path)
        if path and not isinstance(path[0], tuple):
            segments: tuple[Segment, ...] = (("seq", tuple(int(a) for a in path)),)
        else:
            segments = tuple((kind, tuple(asns)) for kind, asns in path)  # type: ignore[misc]
        return cls(str(ip_network(prefix)), segments, str(ip_address(next_hop)), frozenset(communities),
                   frozenset(large_communities), frozenset((str(t), int(a), int(b)) for t, a, b in ext_communities),
                   med)


@dataclass
class Verdict:
    accepted: bool
    check: str | None = None  # name of the check that rejected the route
    code: int | None = None
    reason: str | None = None
    fix: str | None = None
    large_communities: set[tuple[int, int, int]] = field(default_factory=set)  # after the import filter
    communities: set[tuple[int, int]] = field(default_factory=set)
    local_pref: int | None = None
    next_hop: str | None = None
    rpki: str | None = None  # valid / invalid / not-found (when computed)
    aspa: str | None = None  # valid / invalid / unknown, where the config runs ASPA
    ext_communities: set[tuple[str, int, int]] = field(default_factory=set)
    member_asn: int | None = None  # the announcing member (the session's)

    def to_json(self) -> dict:
        return {"accepted": self.accepted, "check": self.check, "code": self.code, "reason": self.reason,
                "fix": self.fix, "rpki": self.rpki, "aspa": self.aspa,
                "large_communities": sorted(self.large_communities), "communities": sorted(self.communities)}


# --- BIRD built-ins, with BIRD 2.0's semantics ----------------------------------------------------

def path_first(segments: tuple[Segment, ...]) -> int:
    """bgp_path.first: the first ASN when the path starts with an AS_SEQUENCE, else 0."""
    for kind, asns in segments:
        if not asns:
            continue
        return asns[0] if kind == "seq" else 0
    return 0


def path_last(segments: tuple[Segment, ...]) -> int:
    """bgp_path.last: the origin; 0 when the path ends with an AS_SET."""
    found = 0
    for kind, asns in segments:
        if not asns:
            continue
        found = asns[-1] if kind == "seq" else 0
    return found


def path_last_nonaggregated(segments: tuple[Segment, ...]) -> int:
    """bgp_path.last_nonaggregated: the last ASN before the first AS_SET."""
    val = 0
    for kind, asns in segments:
        if not asns:
            continue
        if kind == "set":
            return val
        val = asns[-1]
    return val


def path_len(segments: tuple[Segment, ...]) -> int:
    """bgp_path.len: an AS_SET counts as one."""
    return sum(len(asns) if kind == "seq" else 1 for kind, asns in segments if asns)


def path_asns(segments: tuple[Segment, ...]) -> list[int]:
    return [a for _, asns in segments for a in asns]


class PrefixMatcher:
    """BIRD's ``net ~ [ p{lo,hi}, ... ]`` on a longest-prefix tree."""

    def __init__(self, entries: Iterable[PrefixRange]):
        self._trees = {4: pytricia.PyTricia(32), 6: pytricia.PyTricia(128)}
        for p, lo, hi in entries:
            tree = self._trees[6 if ":" in p else 4]
            if p in tree:
                tree[p] = tree[p] + [(lo, hi)]
            else:
                tree[p] = [(lo, hi)]

    def __contains__(self, net: str) -> bool:
        length = int(net.rsplit("/", 1)[1])
        tree = self._trees[6 if ":" in net else 4]
        key = tree.get_key(net)
        while key is not None:
            if any(lo <= length <= hi for lo, hi in tree[key]):
                return True
            key = tree.parent(key)
        return False


class _Rejected(Exception):
    def __init__(self, name: str):
        self.name = name


class PolicyEngine:
    """Evaluates routes for the sessions of one route server's Intent."""

    def __init__(self, intent: RouteServerIntent, vrps: Iterable[Vrp] | None = None):
        from ..sources.rpki import RovTable  # pytricia-based RFC 6811 table

        self.intent = intent
        self.policy = intent.policy
        self.rov = RovTable(list(vrps) if vrps is not None else intent.vrps4 + intent.vrps6)
        self.aspas = aspa_table(intent.aspas)
        self._sets: dict[str, PrefixMatcher] = {}
        self.bogons = PrefixMatcher([(p, ip_network(p).prefixlen, ip_network(p).max_prefixlen)
                                     for p in intent.bogons4 + intent.bogons6])
        self.lans = PrefixMatcher([(p, ip_network(p).prefixlen, ip_network(p).max_prefixlen)
                                   for p in intent.lan_prefixes4 + intent.lan_prefixes6])
        self.global_unicast = PrefixMatcher([("2000::/3", 3, 128)])
        self.invalid_ranges = intent.invalid_asn_ranges
        self.transit_free = set(intent.transit_free)
        self.never_via_rs = set(intent.never_via_rs)
        self.origin_sets = {s.name: set(s.asns) for s in intent.asn_sets}
        self.rs = intent.rs_asn
        self.communities = Communities(self.policy["communities"], self.rs)
        self.reject_base = self.policy["communities"]["reject_reason_base"]
        self.tag_base = self.policy["communities"]["tag_reason_base"]

    def _matcher(self, name: str | None) -> PrefixMatcher:
        if name is None:
            return PrefixMatcher([])
        if name not in self._sets:
            pset = self.intent.prefix_set(name)
            self._sets[name] = PrefixMatcher(pset.entries if pset else [])
        return self._sets[name]

    def session(self, name: str) -> SessionIntent:
        for s in self.intent.sessions:
            if s.name == name:
                return s
        raise KeyError(f"no session {name} on {self.intent.name}")

    def session_for(self, member_asn: int, afi: int, neighbor: str | None = None) -> SessionIntent:
        for s in self.intent.sessions:
            if s.member_asn == member_asn and s.afi == afi and (neighbor is None or s.neighbor == neighbor):
                return s
        raise KeyError(f"AS{member_asn} has no IPv{afi} session on {self.intent.name}")

    # ------------------------------------------------------------------------------------------
    def evaluate(self, route: Route, session: SessionIntent | str) -> Verdict:
        if isinstance(session, str):
            session = self.session(session)
        member = self.intent.member(session.member_asn)
        assert member is not None
        state = _State(route)
        c = self.communities
        # Members cannot forge the route server's own tags (the first lines of rs_import_v4/6).
        held = c.without_info(set(route.communities), {l for l in route.large_communities
                                                       if not (l[0] == self.rs and l[1] in (self.reject_base,
                                                                                            self.tag_base))},
                              set(route.ext_communities))
        state.std, state.large, state.ext = held
        state.bh_route = member.blackhole and c.has("blackhole", *held) or \
            member.blackhole and c.has("blackhole_local", *held)
        try:
            for check in CHAIN:
                getattr(self, f"_check_{check.name}")(route, session, member, state)
        except _Rejected as rej:
            chk = BY_NAME[rej.name]
            state.large.add((self.rs, self.reject_base, chk.code))
            return Verdict(False, chk.name, chk.code, chk.title, chk.fix, state.large, state.std,
                           None, route.next_hop, state.rpki, state.aspa, state.ext, session.member_asn)
        local_pref = None
        if self.policy["graceful_shutdown"]["enabled"] and c.has("graceful_shutdown", *held):
            local_pref = self.policy["graceful_shutdown"]["local_pref"]
        next_hop = route.next_hop
        if state.bh_route:
            c.add("blackhole", state.std, state.large, state.ext)
            rewrite = self.policy["blackhole"][f"rewrite_next_hop_ipv{session.afi}"]
            if rewrite:
                next_hop = str(rewrite)
        return Verdict(True, None, None, None, None, state.large, state.std, local_pref, next_hop, state.rpki,
                       state.aspa, state.ext, session.member_asn)

    def export(self, route: Route, verdict: Verdict, receiver_asn: int):
        """What ``receiver_asn`` gets of this accepted route (``ixpctl.policy.export``), or None."""
        from .export import export_route

        return export_route(self, route, verdict, receiver_asn)

    # --- the checks, one per entry of CHAIN, mirroring templates/bird/checks/<name>.j2 ----------
    def _reject(self, name: str) -> None:
        raise _Rejected(name)

    def _tag(self, state: _State, code: int) -> None:
        state.large.add((self.rs, self.tag_base, code))

    def _check_next_hop(self, route, session, member, state):
        if route.next_hop not in [session.neighbor, *session.next_hop_allowed]:
            self._reject("next_hop")

    def _check_default_route(self, route, session, member, state):
        if self.policy["prefixes"]["reject_default_route"] and state.length == 0:
            self._reject("default_route")

    def _check_bogon(self, route, session, member, state):
        if route.prefix in self.bogons:
            self._reject("bogon")

    def _check_peering_lan(self, route, session, member, state):
        if self.policy["prefixes"]["reject_peering_lan"] and route.prefix in self.lans:
            self._reject("peering_lan")

    def _check_prefix_length(self, route, session, member, state):
        lo, hi = member.length4 if state.afi == 4 else member.length6
        bh_max = self.policy["blackhole"][f"max_length_ipv{state.afi}"]
        if state.length < lo:
            self._reject("prefix_length")
        if state.length > (bh_max if state.bh_route else hi):
            self._reject("prefix_length")

    def _check_ipv6_global_unicast(self, route, session, member, state):
        if self.policy["prefixes"]["ipv6_global_unicast_only"] and state.afi == 6 \
                and route.prefix not in self.global_unicast:
            self._reject("ipv6_global_unicast")

    def _check_first_as(self, route, session, member, state):
        if path_first(route.as_path) != session.member_asn:
            self._reject("first_as")

    def _check_as_path_length(self, route, session, member, state):
        if path_len(route.as_path) > member.max_path_length:
            self._reject("as_path_length")

    def _check_invalid_asn(self, route, session, member, state):
        if self.policy["as_path"]["reject_invalid_asns"] and any(
                lo <= a <= hi for a in path_asns(route.as_path) for lo, hi in self.invalid_ranges):
            self._reject("invalid_asn")

    def _check_as_set(self, route, session, member, state):
        if self.policy["as_path"]["reject_as_sets"] and \
                path_last(route.as_path) != path_last_nonaggregated(route.as_path):
            self._reject("as_set")

    def _behind_peer(self, route, peer: int) -> list[int]:
        return [a for a in path_asns(route.as_path) if a != peer]

    def _check_transit_free(self, route, session, member, state):
        if any(a in self.transit_free for a in self._behind_peer(route, session.member_asn)):
            if self.intent.transit_free_action == "reject":
                self._reject("transit_free")
            self._tag(state, BY_NAME["transit_free"].code)

    def _check_never_via_rs(self, route, session, member, state):
        if any(a in self.never_via_rs for a in self._behind_peer(route, session.member_asn)):
            self._reject("never_via_rs")

    def _check_irr_origin(self, route, session, member: MemberIntent, state):
        if path_last(route.as_path) not in self.origin_sets.get(member.origin_set_for(state.afi), set()):
            if member.enforce_origin:
                self._reject("irr_origin")
            self._tag(state, BY_NAME["irr_origin"].code)

    def _roa(self, route: Route) -> str:
        return self.rov.validate(route.prefix, path_last(route.as_path))

    def _check_irr_prefix(self, route, session, member: MemberIntent, state):
        info = self.policy["communities"]["info_tags"]
        name = (member.blackhole_set4 if state.afi == 4 else member.blackhole_set6) if state.bh_route else \
            (member.prefix_set4 if state.afi == 4 else member.prefix_set6)
        if route.prefix in self._matcher(name):
            if info:
                self.communities.add("irr_registered", state.std, state.large, state.ext)
        elif member.roas_as_route_objects and not state.bh_route and self._roa(route) == "valid":
            if info:
                self.communities.add("irr_via_roa", state.std, state.large, state.ext)
        else:
            if member.enforce_prefix:
                self._reject("irr_prefix")
            self._tag(state, BY_NAME["irr_prefix"].code)

    def _check_rpki_invalid(self, route, session, member: MemberIntent, state):
        if not self.policy["rpki"]["enabled"] or state.bh_route:
            return
        state.rpki = self._roa(route)
        if state.rpki == "invalid":
            if member.rpki_reject_invalid:
                self._reject("rpki_invalid")
            self._tag(state, BY_NAME["rpki_invalid"].code)
        elif self.policy["rpki"]["tag_valid_and_not_found"] and self.policy["communities"]["info_tags"]:
            self.communities.add("rpki_valid" if state.rpki == "valid" else "rpki_not_found",
                                 state.std, state.large, state.ext)

    def _check_aspa(self, route, session, member: MemberIntent, state):
        """aspa_check_upstream(): a member is the route server's customer or lateral peer."""
        if not self.intent.aspa:
            return
        path = None if any(kind == "set" for kind, _ in route.as_path) else path_asns(route.as_path)
        state.aspa = aspa_upstream(path, self.aspas)
        if state.aspa == "invalid":
            if self.policy["aspa"]["reject_invalid"]:
                self._reject("aspa")
            self._tag(state, BY_NAME["aspa"].code)

    def _check_blackhole_not_allowed(self, route, session, member: MemberIntent, state):
        c = self.communities
        held = (state.std, state.large, state.ext)
        if (c.has("blackhole", *held) or c.has("blackhole_local", *held)) and not member.blackhole:
            self._reject("blackhole_not_allowed")

    def _check_black_list(self, route, session, member: MemberIntent, state):
        name = member.black_list4 if state.afi == 4 else member.black_list6
        if name and route.prefix in self._matcher(name):
            self._reject("black_list")


class _State:
    def __init__(self, route: Route):
        net = ip_network(route.prefix)
        self.afi = net.version
        self.length = net.prefixlen
        self.std: set[tuple[int, int]] = set()
        self.large: set[tuple[int, int, int]] = set()
        self.ext: set[tuple[str, int, int]] = set()
        self.bh_route = False
        self.rpki: str | None = None
        self.aspa: str | None = None


def evaluate(route: Route, intent: RouteServerIntent, session: SessionIntent | str) -> Verdict:
    """One-off evaluation (builds the engine each time: use PolicyEngine for many routes)."""
    return PolicyEngine(intent).evaluate(route, session)


from .export import Exported, best_for  # the export half, re-exported for callers

__all__ = ["Exported", "PolicyEngine", "Route", "Verdict", "best_for", "evaluate"]
