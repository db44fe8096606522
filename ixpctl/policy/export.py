"""The export half of the evaluator: what each receiving member gets of an accepted route.

Mirrors ``rs_export_to`` in templates/bird/functions.j2 and the parts of BIRD that run around it:
BIRD's well-known community handling before the export filter (``interpret communities``: a route
carrying NO_ADVERTISE, NO_EXPORT or NO_EXPORT_SUBCONFED is sent to no eBGP peer), the announcement
controls, prepending, NO_EXPORT/NO_ADVERTISE additions, the blackhole rules and the scrub. The RS is
transparent (RFC 7947 §2.2): no RS ASN in the path, NEXT_HOP and MED unchanged.

``best_for`` adds BIRD's route selection and the ``secondary`` option (path hiding, RFC 7947
§2.3.1): the receiver gets the best accepted route that its export filter lets through. Selection
is modelled as BIRD orders these routes — highest local preference, shortest AS path, then lowest
neighbour address (BIRD compares router IDs next; members' router IDs are their IPv4 addresses in
the lab, so catalogue cases that depend on this order use that). A receiver drops a path that
already holds its own ASN (loop detection) — that happens after the route server chose, so it does
not make the route server fall back to the next-best route.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluate import PolicyEngine, Route, Verdict
    from .intent import SessionIntent

NO_EXPORT = (65535, 65281)
NO_ADVERTISE = (65535, 65282)
NO_EXPORT_SUBCONFED = (65535, 65283)
_STOPS_EBGP = (NO_EXPORT, NO_ADVERTISE, NO_EXPORT_SUBCONFED)


@dataclass(frozen=True)
class Exported:
    """The route as the receiving member's router sees it."""

    as_path: tuple[int, ...]  # flattened: AS_SET members in order
    next_hop: str
    med: int | None
    communities: frozenset[tuple[int, int]]
    large_communities: frozenset[tuple[int, int, int]]
    ext_communities: frozenset[tuple[str, int, int]]

    def to_json(self) -> dict:
        return {"as_path": list(self.as_path), "next_hop": self.next_hop, "med": self.med,
                "communities": sorted(self.communities), "large_communities": sorted(self.large_communities),
                "ext_communities": sorted(self.ext_communities)}


def _flat(route: Route) -> list[int]:
    return [a for _kind, asns in route.as_path for a in asns]


def _index(engine: PolicyEngine) -> tuple[dict[int, Any], frozenset[tuple[int, int]]]:
    """Members by ASN and the (ASN, family) pairs with a session, built once per engine (a linear
    search per receiver made one self-checked route cost O(members²) at 1000 members). Rebuilt when
    the intent's member or session list is replaced."""
    intent = engine.intent
    key = (id(intent.members), id(intent.sessions), len(intent.members), len(intent.sessions))
    cached = engine.__dict__.get("_export_index")
    if cached is None or cached[0] != key:
        members: dict[int, Any] = {}
        for m in intent.members:
            members.setdefault(m.asn, m)  # the first, as intent.member() returns
        cached = (key, members, frozenset((s.member_asn, s.afi) for s in intent.sessions))
        engine.__dict__["_export_index"] = cached
    return cached[1], cached[2]


def _admitted(engine: PolicyEngine, route: Route, verdict: Verdict, receiver_asn: int):
    """The refusals of the route server's export to ``receiver_asn``: None when it sends nothing,
    else (receiver, (std, large, ext), blackhole) for :func:`rs_export` to build the route from."""
    if not verdict.accepted:
        return None
    members, sessions = _index(engine)
    receiver = members.get(receiver_asn)
    afi = 6 if ":" in route.prefix else 4
    if receiver is None or (receiver_asn, afi) not in sessions:
        return None
    if verdict.member_asn == receiver_asn:
        return None  # BIRD never sends a route back to where it came from
    std, large, ext = set(verdict.communities), set(verdict.large_communities), set(verdict.ext_communities)
    if any(c in std for c in _STOPS_EBGP):
        return None  # interpret communities: members are eBGP peers of the route server
    c = engine.communities
    held = (std, large, ext)
    if c.has("do_not_announce_to_peer", *held, peer=receiver_asn):
        return None
    if c.has("do_not_announce_to_any", *held) and not c.has("announce_to_peer", *held, peer=receiver_asn):
        return None
    blackhole = c.has("blackhole", *held) or c.has("blackhole_local", *held)
    if blackhole and not receiver.blackhole_receive:
        return None
    return receiver, held, blackhole


def reaches(engine: PolicyEngine, route: Route, verdict: Verdict, receiver_asn: int) -> bool:
    """Whether ``export_route`` gives ``receiver_asn`` the route, without building it (the self-check
    asks this for every member). Prepending repeats the announcer's ASN, never the receiver's, so
    the receiver's loop check reads the path as announced."""
    return _admitted(engine, route, verdict, receiver_asn) is not None and receiver_asn not in _flat(route)


# the communities _admitted reads per receiver: a route without any of them reaches every member alike
_STEERING = ("do_not_announce_to_peer", "do_not_announce_to_any", "announce_to_peer", "blackhole", "blackhole_local")


def missing_receivers(engine: PolicyEngine, route: Route, verdict: Verdict, receivers: list[int]) -> list[int]:
    """``[a for a in receivers if not reaches(engine, route, verdict, a)]``, with the communities read
    once instead of once per receiver when the route carries none that steers the export (the usual
    route: the self-check asks this for 1000 members and 100 routes at a time)."""
    if not verdict.accepted:
        return list(receivers)
    std, large, ext = set(verdict.communities), set(verdict.large_communities), set(verdict.ext_communities)
    if engine.communities.carries_any(_STEERING, std, large, ext):
        return [a for a in receivers if not reaches(engine, route, verdict, a)]
    if any(c in std for c in _STOPS_EBGP):
        return list(receivers)
    members, sessions = _index(engine)
    afi = 6 if ":" in route.prefix else 4
    path = set(_flat(route))
    return [a for a in receivers
            if a not in members or (a, afi) not in sessions or a == verdict.member_asn or a in path]


def rs_export(engine: PolicyEngine, route: Route, verdict: Verdict, receiver_asn: int) -> Exported | None:
    """What the route server sends ``receiver_asn`` (None: its export filter, or BIRD before it,
    refuses). The receiver's own loop check is not applied here: see :func:`export_route`."""
    admitted = _admitted(engine, route, verdict, receiver_asn)
    if admitted is None:
        return None
    _receiver, held, blackhole = admitted
    std, large, ext = held
    c = engine.communities
    path = _flat(route)
    for count, names in ((3, ("prepend_thrice_to_peer", "prepend_thrice_to_any")),
                         (2, ("prepend_twice_to_peer", "prepend_twice_to_any")),
                         (1, ("prepend_once_to_peer", "prepend_once_to_any"))):
        if c.has(names[0], *held, peer=receiver_asn) or c.has(names[1], *held):
            path = [path[0]] * count + path
            break
    if c.has("add_no_export_to_peer", *held, peer=receiver_asn) or c.has("add_no_export_to_any", *held):
        std.add(NO_EXPORT)
    if c.has("add_no_advertise_to_peer", *held, peer=receiver_asn) or c.has("add_no_advertise_to_any", *held):
        std.add(NO_ADVERTISE)
    if blackhole and engine.policy["blackhole"]["add_no_export"]:
        std.add(NO_EXPORT)
    if engine.policy["communities"]["scrub_own"]:
        std, large, ext = c.scrubbed(std, large, ext)
    return Exported(tuple(path), verdict.next_hop or route.next_hop, route.med, frozenset(std),
                    frozenset(large), frozenset(ext))


def export_route(engine: PolicyEngine, route: Route, verdict: Verdict, receiver_asn: int) -> Exported | None:
    """What ``receiver_asn``'s router ends up with: the route server's export, minus a path that
    already contains the receiver's ASN (the receiver's own BGP loop detection drops it)."""
    out = rs_export(engine, route, verdict, receiver_asn)
    if out is None or receiver_asn in out.as_path:
        return None
    return out


def _rank(route: Route, verdict: Verdict, session: SessionIntent) -> tuple:
    from .evaluate import path_len

    local_pref = verdict.local_pref if verdict.local_pref is not None else 100
    return (-local_pref, path_len(route.as_path), int(ip_address(session.neighbor)))


def best_for(engine: PolicyEngine, candidates: list[tuple[Route, SessionIntent]],
             receiver_asn: int) -> tuple[Route, Exported] | None:
    """The route (and how it looks) that ``receiver_asn`` gets when several members announce the
    same prefix: BIRD's best accepted route, or with ``secondary`` the next one its filter allows."""
    accepted = []
    for route, session in candidates:
        verdict = engine.evaluate(route, session)
        if verdict.accepted:
            accepted.append((_rank(route, verdict, session), route, verdict))
    for _rank_key, route, verdict in sorted(accepted, key=lambda item: item[0]):
        out = rs_export(engine, route, verdict, receiver_asn)
        if out is not None:
            return (route, out) if receiver_asn not in out.as_path else None
    return None
