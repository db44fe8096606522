"""Compile inventory + policy + facts into the Intent: pure, JSON-serialisable data describing what
each route server must do. The BIRD template renders it; ``evaluate`` decides routes from it.

Rules the compiler applies (documented in the published policy):
- only ``active`` members get sessions; one session per member router and address family;
- one prefix set per distinct (IRR expansion, more-specifics setting), shared by every member using it;
- per-member white lists are merged into that member's sets (so they get their own set);
- an AS-SET that resolves to nothing falls back to the member's own ``AS<n>`` expansion
  (``irr.empty_as_set: fallback_aut_num``) or leaves the member with empty sets (``reject_all``).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, replace
from ipaddress import IPv4Address, ip_network

from ..inventory.asn import SPECIAL_ASN_RANGES
from ..inventory.irr_names import split_irr_as_set
from ..inventory.loader import LoadedInventory
from ..inventory.models import Member, RouteServer
from ..sources.facts import Facts, IrrExpansion, PrefixRange
from .intent_model import AsnSet, MemberIntent, PrefixSet, RouteServerIntent, SessionIntent
from .loader import LoadedPolicy, effective_policy
from .model import Policy

# The first BIRD with ASPA path verification: render/bird_versions.py's ``aspa`` column, which the
# policy layer cannot import; tests/unit/test_bird_versions.py keeps the two in step.
ASPA_MIN_BIRD = (2, 16)
# The first OpenBGPD with ASPA (``aspa-set``, ``avs``): render/openbgpd_caps.py's ``aspa``. bgpd
# verifies ASPA only on sessions with an RFC 9234 role, so it also needs policy session.role.
ASPA_MIN_OPENBGPD = (8, 0)


def _aspa_on_openbgpd(policy: dict, version: str) -> bool:
    target = tuple(int(p) for p in version.split(".")[:2])
    return bool(policy["aspa"]["enabled"] and policy["session"]["role"] and target >= ASPA_MIN_OPENBGPD)

# ------------------------------------------------------------------------------------------------

def max_prefix_limit(policy: Policy, inventory_value: int | None, pdb_value: int | None,
                     default: int) -> tuple[int, str]:
    if inventory_value is not None:
        return inventory_value, "inventory"
    if policy.max_prefix.peeringdb and pdb_value:
        h = policy.max_prefix.headroom
        return max(pdb_value + h.absolute, math.ceil(pdb_value * (1 + h.relative / 100))), "peeringdb+headroom"
    return default, "default"


def member_queries(member: Member, facts: Facts) -> tuple[list[str], list[str]]:
    """The IRR queries for a member and warnings (AS-SET from PeeringDB, or the member's aut-num)."""
    warnings: list[str] = []
    if member.as_set_from_peeringdb:
        net = facts.network(member.asn)
        names, bad = split_irr_as_set(net.irr_as_set if net else "")
        for token in bad:
            warnings.append(f"PeeringDB irr_as_set token '{token}' of AS{member.asn} is not an AS-SET name: ignored")
        if not names:
            warnings.append(f"AS{member.asn} has no usable AS-SET in PeeringDB: using AS{member.asn}")
            names = [f"AS{member.asn}"]
        return _with_family_sets(member, names), warnings
    if not member.as_sets:
        return _with_family_sets(member, [f"AS{member.asn}"]) if member.family_as_sets() else \
            [f"AS{member.asn}"], warnings
    return _with_family_sets(member, list(member.as_sets)), warnings


def _with_family_sets(member: Member, queries: list[str]) -> list[str]:
    return list(dict.fromkeys([*queries, *member.family_as_sets()]))


def _of_family(exps: list[IrrExpansion], only: list[str] | None, member: Member) -> list[IrrExpansion]:
    """The expansions a family's prefix filter uses: its own AS-SETs when the member has per-family
    ones (unless they all fell back to the aut-num), else every expansion of the member."""
    if not only:
        others = set(member.family_as_sets()) - set(member.as_sets if isinstance(member.as_sets, list) else [])
        return [e for e in exps if e.query not in others] or exps
    chosen = [e for e in exps if e.query in only]
    return chosen or exps


def _origin_sets(registry: _SetRegistry, member: Member, mp: Policy, origins: list[int],
                 exps4: list[IrrExpansion], exps6: list[IrrExpansion],
                 sources: tuple[list[str], list[str], list[str]], monitor: bool) -> tuple[str, str | None]:
    """The origin sets of a member: one for both families (the union of its expansions), or, with
    per-family AS-SETs whose origins differ, one per family (its own sets' ASNs plus the white list)
    so an origin only the IPv4 AS-SET lists is not accepted on IPv6, and the reverse."""
    src, s4, s6 = sources
    if monitor or not member.family_as_sets():
        return registry.asns(origins or [0], src, member.asn), None
    white = set(mp.lists.white_list_asns)
    o4 = sorted({a for e in exps4 for a in e.asns} | white)
    o6 = sorted({a for e in exps6 for a in e.asns} | white)
    if o4 == o6:
        return registry.asns(o4 or [0], s4, member.asn), None
    return registry.asns(o4 or [0], s4, member.asn), registry.asns(o6 or [0], s6, member.asn)


def _expansions(member: Member, facts: Facts, policy: Policy) -> tuple[list[str], list[IrrExpansion], list[str]]:
    queries, warnings = member_queries(member, facts)
    found = []
    for q in queries:
        exp = facts.irr.get(q)
        if exp is None:
            warnings.append(f"no IRR data for {q} (AS{member.asn}) in the facts snapshot: refresh the IRR source")
            continue
        warnings += [f"{q}: {w}" for w in exp.warnings]
        found.append(exp)
    if all(e.empty for e in found):
        if policy.irr.empty_as_set == "fallback_aut_num" and queries != [f"AS{member.asn}"]:
            own = facts.irr.get(f"AS{member.asn}")
            warnings.append(f"AS-SET(s) {', '.join(queries)} of AS{member.asn} resolved to nothing: "
                            f"falling back to AS{member.asn}")
            if own is not None:
                return queries + [f"AS{member.asn}"], [own], warnings
            return queries, [IrrExpansion(query=f"AS{member.asn}", asns=[member.asn])], warnings
        warnings.append(f"AS{member.asn}: IRR data is empty: every route of this member will be rejected")
    return queries, found, warnings


def _widen(entries: list[PrefixRange], max_len: int) -> list[PrefixRange]:
    """allow_more_specifics: every route object also covers its more-specifics up to the max length."""
    return [(p, lo, hi if hi >= max_len else max_len) for p, lo, hi in entries]  # noqa: FURB136 - max() per entry is 2x slower


def _blackhole_ranges(entries: list[PrefixRange], max_len: int) -> list[PrefixRange]:
    return [(p, lo, max_len) for p, lo, _hi in entries]


def _dedupe(entries: list[PrefixRange]) -> list[PrefixRange]:
    """Duplicates out, in a stable order (bgpq4 already gives canonical prefixes, sorted).

    Sorting by address would cost more than the whole render at 1000 members: keep first-seen order.
    """
    return list(dict.fromkeys(entries))


class _SetRegistry:
    """Gives one name to each distinct content, so members with the same expansion share a set."""

    def __init__(self) -> None:
        self.prefix_sets: dict[tuple, PrefixSet] = {}
        self.asn_sets: dict[tuple, AsnSet] = {}

    def prefixes(self, kind: str, afi: int, entries: list[PrefixRange], sources: list[str], asn: int) -> str:
        entries = _dedupe(entries)
        key = (kind, afi, tuple(entries))
        if key not in self.prefix_sets:
            digest = hashlib.sha256(repr(key).encode()).hexdigest()[:8]  # stable across runs
            label = _label(sources)
            self.prefix_sets[key] = PrefixSet(f"{kind}_{label}_{digest}_V{afi}".upper(), afi, entries, sources)
        s = self.prefix_sets[key]
        if asn not in s.used_by:
            s.used_by.append(asn)
        return s.name

    def asns(self, asns: list[int], sources: list[str], member_asn: int) -> str:
        key = tuple(sorted(set(asns)))
        if key not in self.asn_sets:
            digest = hashlib.sha256(repr(key).encode()).hexdigest()[:8]
            self.asn_sets[key] = AsnSet(f"ORIGINS_{_label(sources)}_{digest}".upper(), list(key), sources)
        s = self.asn_sets[key]
        if member_asn not in s.used_by:
            s.used_by.append(member_asn)
        return s.name


def _label(sources: list[str]) -> str:
    """A readable, BIRD-safe fragment of a set name from its first AS-SET (RIPE::AS-FOO → AS_FOO)."""
    if not sources:
        return "EMPTY"
    name = sources[0].split("::")[-1]
    out = "".join(ch if ch.isalnum() else "_" for ch in name.upper())
    return out[:24].strip("_") or "SET"


def compile_route_server(loaded: LoadedInventory, lpolicy: LoadedPolicy, facts: Facts,
                         rs: RouteServer) -> RouteServerIntent:
    inv = loaded.inventory
    policy = lpolicy.policy
    warnings = list(facts.warnings)
    fr = inv.ixp.fictional_resources
    fictional = fr.reason if fr is not None and fr.enabled else None

    bogons4 = [str(n) for n in lpolicy.bogons4]
    bogons6 = [str(n) for n in lpolicy.bogons6]
    invalid = [(a, b) for a, b, _ in SPECIAL_ASN_RANGES]
    if fictional:
        allowed = list(fr.prefixes)
        bogons4 = [b for b in bogons4 if not any(ip_network(b).version == a.version and ip_network(b).subnet_of(a)
                                                 for a in allowed)]
        bogons6 = [b for b in bogons6 if not any(ip_network(b).version == a.version and ip_network(b).subnet_of(a)
                                                 for a in allowed)]
        invalid = _subtract_ranges(invalid, [tuple(r) for r in fr.asn_ranges])

    lan_v4 = [str(l.ipv4) for l in inv.ixp.lans if l.ipv4 is not None]
    lan_v6 = [str(l.ipv6) for l in inv.ixp.lans if l.ipv6 is not None]

    never = set(policy.as_path.never_via_route_servers.asns)
    if policy.as_path.never_via_route_servers.peeringdb:
        never |= set(facts.never_via_rs)
        never |= {asn for asn, net in facts.peeringdb.items() if net.never_via_route_servers}
    registry = _SetRegistry()
    members: list[MemberIntent] = []
    sessions: list[SessionIntent] = []
    rs_lan = inv.lan_of(rs.lan)

    for index, member in enumerate(inv.members):
        if not member.is_active:
            continue
        mp = effective_policy(policy, member.policy, loaded.locate, ("members", index, "policy"))
        queries, exps, mwarn = _expansions(member, facts, mp)
        origins = sorted({a for e in exps for a in e.asns} | set(mp.lists.white_list_asns))
        exps4, exps6 = _of_family(exps, member.as_set_ipv4, member), _of_family(exps, member.as_set_ipv6, member)
        p4 = [p for e in exps4 for p in e.prefixes4]
        p6 = [p for e in exps6 for p in e.prefixes6]
        l4, l6 = mp.prefixes.length.ipv4, mp.prefixes.length.ipv6
        if mp.irr.allow_more_specifics:
            p4, p6 = _widen(p4, l4.max), _widen(p6, l6.max)
        wl4 = [(str(n), n.prefixlen, n.prefixlen) for n in mp.lists.white_list_prefixes if n.version == 4]
        wl6 = [(str(n), n.prefixlen, n.prefixlen) for n in mp.lists.white_list_prefixes if n.version == 6]
        src = queries + (["white list"] if wl4 or wl6 or mp.lists.white_list_asns else [])
        bh = mp.blackhole.enabled
        monitor = member.type == "monitor"
        if monitor:
            # a route collector: it receives every route and none it announces is accepted. Empty
            # origin and prefix sets with both IRR checks on and no ROA shortcut say exactly that,
            # in every back end (BIRD, OpenBGPD, the evaluator) without a special case in any.
            origins, p4, p6, wl4, wl6, bh = [], [], [], [], [], False
            src = [f"AS{member.asn} is a monitor: accepts nothing"]
        from4 = from6 = src
        if member.family_as_sets() and not monitor:  # each family's sets name what they came from
            white = ["white list"] if mp.lists.white_list_asns else []
            from4 = [e.query for e in exps4] + (["white list"] if wl4 else white)
            from6 = [e.query for e in exps6] + (["white list"] if wl6 else white)
        origin_set, origin_set6 = _origin_sets(registry, member, mp, origins, exps4, exps6,
                                               (src, from4, from6), monitor)
        bl4 = [(str(n), n.prefixlen, 32) for n in mp.lists.black_list_prefixes if n.version == 4]
        bl6 = [(str(n), n.prefixlen, 128) for n in mp.lists.black_list_prefixes if n.version == 6]
        net = facts.network(member.asn)
        mp4, src4 = max_prefix_limit(mp, member.max_prefix.ipv4 if member.max_prefix else None,
                                     net.info_prefixes4 if net else None, mp.max_prefix.default_ipv4)
        mp6, _ = max_prefix_limit(mp, member.max_prefix.ipv6 if member.max_prefix else None,
                                  net.info_prefixes6 if net else None, mp.max_prefix.default_ipv6)
        if member.asn in never:
            mwarn.append(f"AS{member.asn} is flagged never-via-route-servers in PeeringDB but peers with them")
        addresses = [str(a) for c in member.connections for a in (c.ipv4, c.ipv6) if a is not None]
        mi = MemberIntent(
            asn=member.asn, name=member.name, as_sets=queries,
            origin_set=origin_set, origin_set6=origin_set6,
            prefix_set4=registry.prefixes("irr", 4, p4 + wl4, from4, member.asn),
            prefix_set6=registry.prefixes("irr", 6, p6 + wl6, from6, member.asn),
            blackhole_set4=registry.prefixes("bh", 4, _blackhole_ranges(p4 + wl4, mp.blackhole.max_length_ipv4),
                                             from4, member.asn) if bh else None,
            blackhole_set6=registry.prefixes("bh", 6, _blackhole_ranges(p6 + wl6, mp.blackhole.max_length_ipv6),
                                             from6, member.asn) if bh else None,
            black_list4=registry.prefixes("bl", 4, bl4, [f"AS{member.asn} black list"], member.asn) if bl4 else None,
            black_list6=registry.prefixes("bl", 6, bl6, [f"AS{member.asn} black list"], member.asn) if bl6 else None,
            addresses=addresses,
            enforce_origin=mp.irr.enforce_origin or monitor, enforce_prefix=mp.irr.enforce_prefix or monitor,
            roas_as_route_objects=mp.irr.rpki_roas_as_route_objects and mp.rpki.enabled and not monitor,
            rpki_reject_invalid=mp.rpki.reject_invalid,
            blackhole=bh, blackhole_receive=_receives_blackholes(mp),
            next_hop_policy=mp.next_hop.policy,
            next_hop_authorized=[str(a) for a in mp.next_hop.authorized],
            length4=(l4.min, l4.max), length6=(l6.min, l6.max), max_path_length=mp.as_path.max_length,
            max_prefix4=mp4, max_prefix6=mp6, max_prefix_source=src4,
            limit_action=mp.max_prefix.action, restart_after=mp.max_prefix.restart_after, warnings=mwarn,
        )
        members.append(mi)
        warnings += mwarn

        router = 0
        for conn in member.connections:
            if not conn.route_server or inv.lan_of(conn.lan) != rs_lan:
                continue
            router += 1
            for afi, addr, local in ((4, conn.ipv4, rs.ipv4), (6, conn.ipv6, rs.ipv6)):
                if addr is None or local is None:
                    continue
                allowed = _next_hops(mi, str(addr), afi)
                sessions.append(SessionIntent(
                    name=f"AS{member.asn}_{router}_v{afi}", member_asn=member.asn, afi=afi,
                    neighbor=str(addr), local_address=str(local),
                    description=f"AS{member.asn} {member.name}" + (f" router {router}" if router > 1 else ""),
                    md5_env=member.md5.env if member.md5 else None,
                    md5_file=member.md5.file if member.md5 else None,
                    passive=mp.session.passive, role=mp.session.role,
                    extended_next_hop=mp.session.extended_next_hop, add_path_tx=mp.session.add_path_tx,
                    bfd=mp.session.bfd, ttl_security=mp.session.ttl_security,
                    hold_time=mp.session.hold_time, keepalive_time=mp.session.keepalive_time,
                    import_limit=mi.max_prefix4 if afi == 4 else mi.max_prefix6,
                    limit_action=mi.limit_action, next_hop_allowed=allowed, limit_count=mp.max_prefix.count,
                ))

    vrps4 = [v for v in facts.vrps if ":" not in v[0]]
    vrps6 = [v for v in facts.vrps if ":" in v[0]]
    if policy.rpki.enabled and not facts.vrps and not lpolicy_rtr(loaded):
        warnings.append("RPKI is enabled but the facts have no VRPs: every route is RPKI not-found")
    return RouteServerIntent(
        name=rs.name, router_id=str(rs.router_id), rs_asn=inv.ixp.rs_asn, ixp_name=inv.ixp.name,
        bird_version=rs.bird_version, lan_prefixes4=lan_v4, lan_prefixes6=lan_v6,
        bogons4=bogons4, bogons6=bogons6, invalid_asn_ranges=invalid,
        # A transit-free network that is a member stays in the list: the check skips the announcing
        # peer itself (its own routes are fine), but the same ASN behind another member is a leak.
        transit_free=sorted(set(policy.as_path.transit_free.asns)),
        transit_free_action=policy.as_path.transit_free.action,
        never_via_rs=sorted(never),
        policy=policy.model_dump(mode="json"),
        members=members, sessions=sessions,
        prefix_sets=list(registry.prefix_sets.values()), asn_sets=list(registry.asn_sets.values()),
        vrps4=vrps4, vrps6=vrps6,
        rtr_servers=[s.model_dump() for s in inv.sources.rpki.rtr_servers],
        fictional=fictional,
        facts_provenance={k: asdict(v) for k, v in facts.provenance.items()},
        warnings=warnings,
        log=rs.log.model_dump(mode="json"),
        daemon=rs.daemon, openbgpd_version=rs.openbgpd_version,
        # ASPA runs only where the daemon has it: BIRD >= 2.16, OpenBGPD >= 8.0 with session roles
        aspa=(policy.aspa.enabled and rs.bird_version_tuple()[:2] >= ASPA_MIN_BIRD) if rs.daemon == "bird"
        else _aspa_on_openbgpd(policy.model_dump(mode="json"), rs.openbgpd_version),
        aspa_rtr=bool(inv.sources.rpki.rtr_servers),
        aspas=list(facts.aspas),
        threads=rs.threads,
    )


def for_bird(intent: RouteServerIntent, version: str) -> RouteServerIntent:
    """The same intent for a route server on another BIRD version (a lab run or a test on BIRD 3):
    only the target and what follows from it (ASPA) change."""
    target = tuple(int(p) for p in version.split(".")[:2])
    return replace(intent, bird_version=version, aspa=intent.policy["aspa"]["enabled"] and target >= ASPA_MIN_BIRD)


def for_openbgpd(intent: RouteServerIntent, version: str) -> RouteServerIntent:
    """The same intent for an OpenBGPD route server of ``version`` ("8.8"): the target and ASPA."""
    return replace(intent, daemon="openbgpd", openbgpd_version=version,
                   aspa=_aspa_on_openbgpd(intent.policy, version))


def _receives_blackholes(mp: Policy) -> bool:
    """blackhole.receive, or by default what blackhole.announce_to says for this member."""
    if mp.blackhole.receive is not None:
        return mp.blackhole.receive
    return mp.blackhole.announce_to == "all" or mp.blackhole.enabled


def lpolicy_rtr(loaded: LoadedInventory) -> bool:
    return bool(loaded.inventory.sources.rpki.rtr_servers)


def _next_hops(mi: MemberIntent, neighbor: str, afi: int) -> list[str]:
    """Addresses accepted as NEXT_HOP besides the neighbour itself (empty: strict)."""
    extra: list[str] = []
    if mi.next_hop_policy in ("same_as", "authorized"):
        extra += mi.addresses
    if mi.next_hop_policy == "authorized":
        extra += mi.next_hop_authorized
    fam = [a for a in dict.fromkeys(extra) if (":" in a) == (afi == 6) and a != neighbor]
    return fam


def _subtract_ranges(ranges: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = list(ranges)
    for h_lo, h_hi in holes:
        nxt = []
        for lo, hi in out:
            if h_hi < lo or h_lo > hi:
                nxt.append((lo, hi))
                continue
            if lo < h_lo:
                nxt.append((lo, h_lo - 1))
            if hi > h_hi:
                nxt.append((h_hi + 1, hi))
        out = nxt
    return sorted(out)


__all__ = [
    "AsnSet",
    "IPv4Address",
    "MemberIntent",
    "PrefixSet",
    "RouteServerIntent",
    "SessionIntent",
    "compile_route_server",
    "for_bird",
    "max_prefix_limit",
    "member_queries",
]
