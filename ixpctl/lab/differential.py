"""The differential test: random routes announced in the lab must get exactly the verdict and reject
reason of ``ixpctl.policy.evaluate`` on every route server (rule 1 of the design: one policy, two
back ends). ExaBGP announces them (any AS path including AS_SETs, any next hop, communities)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from ipaddress import ip_network
from typing import Any

from ..errors import IxpctlError
from ..policy.communities import reason_bases
from ..policy.evaluate import PolicyEngine, Route
from ..policy.intent import RouteServerIntent
from .differences import TREATED_AS_WITHDRAW, accepted
from .model import Announcement, parse_path


@dataclass
class Mismatch:
    rs: str
    announcement: dict[str, Any]
    bird: str
    python: str


def random_routes(intent: RouteServerIntent, member_asn: int, own4: str, own6: str | None, n: int,
                  seed: int) -> list[Announcement]:
    """``n`` routes with distinct prefixes across the policy's behaviours (valid, bogon, peering LAN,
    wrong origin, too long / too short, RPKI invalid, other members' space, foreign next hop, AS_SET,
    long paths, private and transit-free ASNs, blackhole and graceful-shutdown communities)."""
    rnd = random.Random(seed)
    member = intent.member(member_asn)
    if member is None:
        raise IxpctlError(f"AS{member_asn} is not a member on {intent.name}")
    mine4 = [p for p, lo, _ in intent.prefix_set(member.prefix_set4).entries] if member.prefix_set4 else []
    mine6 = [p for p, lo, _ in intent.prefix_set(member.prefix_set6).entries] if member.prefix_set6 else []
    # per family (a member with per-family AS-SETs has two origin sets); paths draw from both, so
    # an IPv6 route may carry an origin only the IPv4 set lists (which the route servers must reject)
    family_origins = {afi: intent.asn_set(member.origin_set_for(afi)).asns for afi in (4, 6)}
    origins = sorted(set(family_origins[4]) | set(family_origins[6]))
    others4 = [p for s in intent.prefix_sets if s.afi == 4 and s.name != member.prefix_set4 for p, _, _ in s.entries]
    others6 = [p for s in intent.prefix_sets if s.afi == 6 and s.name != member.prefix_set6 for p, _, _ in s.entries]
    vrp4 = [p for p, _, _ in intent.vrps4]
    vrp6 = [p for p, _, _ in intent.vrps6]
    lans = intent.lan_prefixes4 + intent.lan_prefixes6
    neighbors4 = [s.neighbor for s in intent.sessions if s.afi == 4 and s.member_asn != member_asn]
    bogon_pool4 = ["10.{}.{}.0/24", "192.168.{}.{}/32", "172.16.{}.0/24", "100.64.{}.0/24"]

    def sub(prefix: str, extra: int) -> str:
        net = ip_network(prefix)
        new = min(net.max_prefixlen, net.prefixlen + extra)
        subs = list(net.subnets(new_prefix=new)) if new - net.prefixlen <= 8 else [next(net.subnets(new_prefix=new))]
        return str(rnd.choice(subs))

    def prefix(afi: int) -> str:
        kind = rnd.choices(["mine", "mine_sub", "mine_long", "bogon", "other", "vrp", "lan", "short"],
                           [6, 3, 2, 2, 3, 2, 1, 1])[0]
        if afi == 6:
            pool = {"mine": mine6, "mine_sub": mine6, "mine_long": mine6, "other": others6, "vrp": vrp6,
                    "lan": [l for l in lans if ":" in l]}.get(kind) or mine6 or vrp6
            if kind == "bogon":
                return f"fc00:{rnd.randrange(1, 0xffff):x}::/48"
            if kind == "short":
                return "2000::/11" if rnd.random() < 0.5 else "::/0"
            base = rnd.choice(pool)
            return sub(base, rnd.randint(1, 4)) if kind == "mine_sub" else \
                sub(base, rnd.randint(13, 30)) if kind == "mine_long" else base
        pool = {"mine": mine4, "mine_sub": mine4, "mine_long": mine4, "other": others4, "vrp": vrp4,
                "lan": [l for l in lans if ":" not in l]}.get(kind) or mine4 or vrp4
        if kind == "bogon":
            return str(ip_network(rnd.choice(bogon_pool4).format(rnd.randrange(256), rnd.randrange(256)), strict=False))
        if kind == "short":
            return "0.0.0.0/0" if rnd.random() < 0.3 else f"{rnd.randrange(6, 50) * 2}.0.0.0/7"
        base = rnd.choice(pool)
        if kind == "mine_sub":
            return sub(base, rnd.randint(1, 3))
        if kind == "mine_long":
            return sub(base, rnd.randint(3, 8))
        if kind == "lan" and rnd.random() < 0.5:
            return sub(base, 1)
        return base

    def path() -> list[Any]:
        kind = rnd.choices(["own", "origin", "prepend", "wrong_origin", "as_set", "long", "private",
                            "transit_free", "first_as"], [6, 4, 2, 2, 2, 1, 1, 1, 1])[0]
        origin = rnd.choice(origins)
        if kind == "own":
            return [member_asn]
        if kind == "origin":
            return [member_asn, origin] if origin != member_asn else [member_asn]
        if kind == "prepend":
            return [member_asn] * rnd.randint(2, 4) + ([origin] if origin != member_asn else [])
        if kind == "wrong_origin":
            return [member_asn, rnd.choice([64499, 64501, 65550, 64511])]
        if kind == "as_set":
            shape = rnd.randint(0, 2)
            if shape == 0:
                return [member_asn, sorted({origin, 65541})]
            if shape == 1:
                return [member_asn, origin, [65541]]  # ExaBGP can only put the AS_SET last
            return [member_asn, [origin]]
        if kind == "long":
            return [member_asn] * rnd.randint(30, 36) + [origin]
        if kind == "private":
            return [member_asn, rnd.choice([65000, 64512, 4200000000]), origin]
        if kind == "transit_free":
            return [member_asn, rnd.choice(intent.transit_free or [3356]), origin]
        return [rnd.choice([64499, 64501]), member_asn]

    out: dict[str, Announcement] = {}
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        afi = 6 if own6 and rnd.random() < 0.35 else 4
        roas = [v for v in (intent.vrps6 if afi == 6 else intent.vrps4) if v[2] in family_origins[afi]]
        forced = None
        if roas and rnd.random() < 0.25:  # space authorised by a ROA of one of the member's origins
            vp, vmax, forced = rnd.choice(roas)
            p = sub(vp, rnd.randint(0, max(0, vmax - ip_network(vp).prefixlen)))
        else:
            p = str(ip_network(prefix(afi), strict=False))
        if p in out:
            continue
        nh = None
        if afi == 4 and rnd.random() < 0.08 and neighbors4:
            nh = rnd.choice(neighbors4)
        comms = set()
        r = rnd.random()
        if r < 0.08:
            comms.add((65535, 666))
        elif r < 0.16:
            comms.add((65535, 0))
        large = {(intent.rs_asn, 0, 64501)} if rnd.random() < 0.1 else set()
        if rnd.random() < 0.05:
            large.add((intent.rs_asn, 65520, 2))  # a forged reject tag: the route server must drop it
        as_path = path()
        if forced is not None and rnd.random() < 0.7:
            as_path = [member_asn] if forced == member_asn else [member_asn, forced]
        out[p] = Announcement(p, parse_path(as_path), nh, frozenset(comms), frozenset(large))
    return list(out.values())


def compare(lab, member_asn: int, routes: list[Announcement], *, timeout: float = 30.0,
            connection: int = 1) -> tuple[list[Mismatch], int]:
    """Announce ``routes`` from ``member_asn`` (an ExaBGP member), read every route server's verdicts
    with the verify wrapper, compare with the evaluator. Returns (mismatches, routes compared)."""
    speaker = lab.speaker(member_asn, connection)
    if speaker.kind != "exabgp":
        raise IxpctlError(f"the differential test needs an ExaBGP member; AS{member_asn} runs {speaker.kind}")
    before = set(speaker.announced())
    clash = before & {a.prefix for a in routes}
    if clash:
        raise IxpctlError(f"AS{member_asn} already announces {sorted(clash)[:5]}: withdraw them first")
    speaker.announce(routes)
    vrps = lab.read_vrps()
    mismatches: list[Mismatch] = []
    compared = 0
    try:
        for rs_name in lab.rs_names:
            intent = lab.intent(rs_name)
            engine = PolicyEngine(intent, vrps=vrps)
            client = lab.rs(rs_name)
            wanted = {a.prefix for a in routes}
            deadline = time.monotonic() + timeout
            expect = {a.prefix: (a.as_path, a.next_hop or speaker.own_address(a.afi)) for a in routes}
            while True:
                # wait for every route with exactly the announced attributes (no stale earlier version)
                seen = {r.prefix: r for r in client.member_routes(member_asn, filtered=True)
                        if r.prefix in expect and (r.as_path, r.next_hop) == expect[r.prefix]}
                if wanted <= set(seen) or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            for a in routes:
                bird = seen.get(a.prefix)
                session = engine.session_for(member_asn, a.afi, speaker.own_address(a.afi))
                verdict = engine.evaluate(Route.make(a.prefix, a.as_path, a.next_hop or speaker.own_address(a.afi),
                                                     a.communities, a.large_communities), session)
                py = "accepted" if verdict.accepted else f"rejected:{verdict.check}:{verdict.code}"
                if bird is None:
                    b = "missing"
                elif bird.attributes.get("bgpd") == "error" and not verdict.accepted and accepted(
                        lab.daemon(rs_name), "result", f"rejected:{_pre_filter_reason(a)}", TREATED_AS_WITHDRAW):
                    # OpenBGPD treats it as withdrawn before any filter (an AS_SET, AS 0): rejected as the
                    # evaluator says, without the reason tag (lab.differences), whichever check came first
                    b = py
                else:
                    rej = bird.reject_reason(intent.rs_asn, reason_bases(intent.policy))
                    b = "accepted" if not bird.filtered else \
                        f"rejected:{rej.check if rej else None}:{rej.code if rej else None}"
                compared += 1
                if b != py:
                    mismatches.append(Mismatch(rs_name, a.to_json(), b, py))
    finally:
        speaker.withdraw([a.prefix for a in routes if a.prefix not in before])
    return mismatches, compared


def _pre_filter_reason(a: Announcement) -> str:
    """The check whose condition makes bgpd drop an update before its filters: an AS_SET segment
    (``reject as-set yes``) or AS 0 in the path (RFC 7607); "" when neither."""
    if any(kind == "set" for kind, _ in a.as_path):
        return "as_set"
    if any(0 in asns for _, asns in a.as_path):
        return "invalid_asn"
    return ""
