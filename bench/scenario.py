"""Deterministic synthetic IXPs for the benchmarks (schema ``ixp-bench-scenario/1``).

Pure Python (no ixpctl import, no arouteserver import) so both tools' adapters read the same data.
Shape, for N members and a seed:

- tiers: huge 1 % of N (min 1, 10k-100k IPv4 route objects), large 3 % (min 1, 1k-10k), medium 15 %
  (51-1000), the rest small (1-50); counts are log-uniform inside a tier; IPv6 is 10-40 % of IPv4;
- 93 % of the members have an AS-SET (their own ASN + customer ASNs); large and huge AS-SETs also
  contain 2-10 % of the *other members'* ASNs, so their prefix lists overlap other members' lists;
- ~40 % of the member ASNs are 32-bit; customers are 16- and 32-bit; none is private, reserved,
  documentation, AS_TRANS or one of the transit-free ASNs;
- route objects are IPv4 /24 or /23 and IPv6 /48 or /47, each in its own /23 (/47) slot: disjoint,
  never siblings, never covering each other, so no tool can aggregate them and bgpq4 ``-A`` gives
  the same lists as a plain expansion. The space is 20.0.0.0-58.255.255.255 and 2a00::/12:
  public-looking, non-bogon, and never announced anywhere (it only exists in the configs and in
  network namespaces);
- VRPs for 85 % of the route objects (maxLength = length, or length + 1 for 15 % of them);
- 10 % of the members have two routers; 91 % of the routers have an IPv6 address;
- 60 PeeringDB networks flagged never-via-route-servers (not members, not in any AS-SET).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path
from typing import Any

SCHEMA = "ixp-bench-scenario/1"
RS_ASN = 59900
LAN4 = IPv4Network("185.1.0.0/21")
LAN6 = IPv6Network("2001:7f8:ff::/64")
# arouteserver's recommended transit-free list (`arouteserver configure`); ixpctl's bench policy
# uses the same one.
TRANSIT_FREE = [174, 701, 1299, 2914, 3257, 3320, 3356, 5511, 6453, 6461, 6762, 6830, 7018, 12956]
TAS = ["ripe", "arin", "apnic", "lacnic", "afrinic"]
V4_BASE = 20 << 24
V6_BASE = 0x2A00 << 112
# 16-bit ASNs used here: 1000-59999 minus special ones (23456 AS_TRANS) and the transit-free list.
_BAD16 = set(TRANSIT_FREE) | {3491, 23456}


def _log_uniform(rng: random.Random, lo: int, hi: int) -> int:
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))))


class _Alloc:
    def __init__(self) -> None:
        self.slot4 = 0
        self.slot6 = 0

    def v4(self, rng: random.Random) -> tuple[str, int]:
        addr = V4_BASE + self.slot4 * 512
        self.slot4 += 1
        if addr >= (59 << 24):
            raise ValueError("synthetic IPv4 space exhausted")
        length = 23 if rng.random() < 0.25 else 24
        return f"{IPv4Address(addr)}/{length}", length

    def v6(self, rng: random.Random) -> tuple[str, int]:
        addr = V6_BASE + (self.slot6 << 81)
        self.slot6 += 1
        length = 47 if rng.random() < 0.15 else 48
        return f"{IPv6Address(addr)}/{length}", length


def make_scenario(n: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(f"ixp-bench/{n}/{seed}")
    huge = max(1, round(n * 0.01))
    large = max(1, round(n * 0.03))
    medium = max(1, round(n * 0.15))
    tiers = ["huge"] * huge + ["large"] * large + ["medium"] * medium
    tiers += ["small"] * (n - len(tiers))
    rng.shuffle(tiers)

    used: set[int] = set()

    def pick16() -> int:
        while True:
            a = rng.randint(1000, 59999)
            if a not in used and a not in _BAD16:
                used.add(a)
                return a

    def pick32() -> int:
        while True:
            a = rng.randint(131072, 3_999_999)
            if a not in used:
                used.add(a)
                return a

    member_asns = [pick32() if rng.random() < 0.4 else pick16() for _ in range(n)]
    never_via_rs = sorted(pick16() for _ in range(60))

    alloc = _Alloc()
    route_objects: dict[int, dict[str, list]] = {}
    as_sets: dict[str, list[int]] = {}
    members: list[dict[str, Any]] = []
    hosts = iter(range(2, LAN4.num_addresses - 1))
    for i, (asn, tier) in enumerate(zip(member_asns, tiers)):
        if tier == "small":
            count, ncust = _log_uniform(rng, 1, 50), rng.choice([0, 0, 0, 1, 2, 3])
        elif tier == "medium":
            count, ncust = _log_uniform(rng, 51, 1000), rng.randint(3, 30)
        elif tier == "large":
            count, ncust = _log_uniform(rng, 1000, 10_000), rng.randint(30, 300)
        else:
            count, ncust = _log_uniform(rng, 10_000, 100_000), rng.randint(300, 3000)
        ncust = min(ncust, max(0, count - 1))
        customers = [pick32() if rng.random() < 0.5 else pick16() for _ in range(ncust)]
        origins = [asn] + customers
        count6 = max(1, round(count * rng.uniform(0.1, 0.4)))
        for o in origins:
            route_objects[o] = {"ipv4": [], "ipv6": []}
        # the member's own ASN gets at least one route object per family; the rest is spread
        for k in range(count):
            o = asn if k == 0 else rng.choice(origins)
            route_objects[o]["ipv4"].append(alloc.v4(rng)[0])
        for k in range(count6):
            o = asn if k == 0 else rng.choice(origins)
            route_objects[o]["ipv6"].append(alloc.v6(rng)[0])
        has_set = tier != "small" or rng.random() < 0.91
        as_set = f"AS-SYN{i + 1:04d}" if has_set else None
        if as_set:
            as_sets[as_set] = origins
        routers = []
        for _r in range(2 if rng.random() < 0.10 else 1):
            h = next(hosts)
            routers.append({"ipv4": str(LAN4.network_address + h),
                            "ipv6": str(LAN6.network_address + h) if rng.random() < 0.91 else None})
        members.append({"asn": asn, "name": f"Synthetic network {i + 1} ({tier})", "tier": tier,
                        "as_set": as_set, "routers": routers})
    # large and huge AS-SETs include 2-10 % of the other members' ASNs (overlapping lists)
    for m in members:
        if m["tier"] in ("large", "huge") and m["as_set"]:
            others = [a for a in member_asns if a != m["asn"]]
            k = max(1, round(len(others) * rng.uniform(0.02, 0.10)))
            as_sets[m["as_set"]] = as_sets[m["as_set"]] + sorted(rng.sample(others, min(k, len(others))))
    # max-prefix (PeeringDB info_prefixes4/6): the size of the member's expansion plus a margin
    for m in members:
        p4, p6 = expansion_counts(m, as_sets, route_objects)
        m["max_prefix"] = {"ipv4": p4 + max(5, p4 // 5), "ipv6": p6 + max(5, p6 // 5)}
    vrps = []
    for o in sorted(route_objects):
        for fam, top in (("ipv4", 24), ("ipv6", 48)):
            for p in route_objects[o][fam]:
                if rng.random() < 0.85:
                    length = int(p.rsplit("/", 1)[1])
                    ml = min(top, length + 1) if rng.random() < 0.15 else length
                    vrps.append({"asn": o, "prefix": p, "max_length": ml, "ta": rng.choice(TAS)})
    return {
        "schema": SCHEMA, "n": n, "seed": seed,
        "ixp": {"name": f"BENCH{n}", "rs_asn": RS_ASN, "peering_lan": {"ipv4": str(LAN4), "ipv6": str(LAN6)}},
        "route_servers": [{"name": "rs1", "router_id": str(LAN4.network_address + 1),
                           "ipv4": str(LAN4.network_address + 1), "ipv6": str(LAN6.network_address + 1)}],
        "members": members,
        "irr": {"as_sets": as_sets, "route_objects": {str(k): v for k, v in route_objects.items()}},
        "rpki": {"vrps": vrps},
        "never_via_route_servers": never_via_rs,
        "transit_free": TRANSIT_FREE,
    }


def expansion_asns(member: dict[str, Any], as_sets: dict[str, list[int]]) -> list[int]:
    """Origin ASNs of a member: its AS-SET (which contains its own ASN), or its own ASN."""
    if member["as_set"]:
        return sorted(set(as_sets[member["as_set"]]) | {member["asn"]})
    return [member["asn"]]


def expansion(asns: list[int], route_objects: dict, fam: str) -> list[str]:
    out: list[str] = []
    for a in asns:
        out += route_objects.get(a, {}).get(fam, []) if isinstance(route_objects, dict) else []
    return out


def expansion_counts(member: dict[str, Any], as_sets: dict, route_objects: dict) -> tuple[int, int]:
    asns = expansion_asns(member, as_sets)
    return (sum(len(route_objects[a]["ipv4"]) for a in asns if a in route_objects),
            sum(len(route_objects[a]["ipv6"]) for a in asns if a in route_objects))


def stats(sc: dict[str, Any]) -> dict[str, Any]:
    ro = sc["irr"]["route_objects"]
    tiers: dict[str, int] = {}
    for m in sc["members"]:
        tiers[m["tier"]] = tiers.get(m["tier"], 0) + 1
    exp4, exp6, per4 = 0, 0, []
    ro_int = {int(k): v for k, v in ro.items()}
    for m in sc["members"]:
        a, b = expansion_counts(m, sc["irr"]["as_sets"], ro_int)
        exp4, exp6 = exp4 + a, exp6 + b
        per4.append(a)
    per4.sort()
    routers = [r for m in sc["members"] for r in m["routers"]]
    v4 = sum(1 for v in sc["rpki"]["vrps"] if ":" not in v["prefix"])
    return {
        "members": len(sc["members"]), "tiers": tiers,
        "routers": len(routers), "sessions_v4": len(routers), "sessions_v6": sum(1 for r in routers if r["ipv6"]),
        "members_32bit": sum(1 for m in sc["members"] if m["asn"] > 65535),
        "members_with_as_set": sum(1 for m in sc["members"] if m["as_set"]),
        "origin_asns_with_route_objects": len(ro),
        "route_objects_v4": sum(len(v["ipv4"]) for v in ro.values()),
        "route_objects_v6": sum(len(v["ipv6"]) for v in ro.values()),
        "expanded_entries_v4": exp4, "expanded_entries_v6": exp6,
        "largest_member_v4": per4[-1], "median_member_v4": per4[len(per4) // 2],
        "vrps_v4": v4, "vrps_v6": len(sc["rpki"]["vrps"]) - v4,
    }


def write_scenario(sc: dict[str, Any], path: Path) -> str:
    text = json.dumps(sc, sort_keys=True, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return hashlib.sha256(text.encode()).hexdigest()
