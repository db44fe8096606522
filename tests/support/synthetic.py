"""Synthetic IXPs of N members with heavy-tailed IRR data, for scale tests and benchmarks.

Deterministic for a given (n, seed). Most members register 1-50 prefixes, a few thousands; member
prefixes are disjoint /24s and /22s carved from 10.0.0.0/8-style space renumbered into public-looking
space (the generated inventory sets fictional_resources off: these prefixes are ordinary public
space, never announced anywhere, only parsed by BIRD).
"""

from __future__ import annotations

import random
from ipaddress import IPv4Network, IPv6Network
from typing import Any

from ixpctl.sources.facts import Facts, IrrExpansion, PdbNetwork


def synthetic_ixp(n: int, seed: int = 1, scale: float = 1.0) -> tuple[dict[str, Any], Facts]:
    rng = random.Random(seed)
    lan4 = IPv4Network("185.1.0.0/21") if n > 250 else IPv4Network("185.1.0.0/23")
    lan6 = IPv6Network("2001:7f8:ff::/64")
    hosts4 = lan4.hosts()
    next(hosts4)
    next(hosts4)
    inventory: dict[str, Any] = {
        "ixp": {"name": f"SYNTH{n}", "rs_asn": 59900, "lans": [{"name": "lan", "vlan": 10, "ipv4": str(lan4),
                                                                 "ipv6": str(lan6)}]},
        "route_servers": [{"name": "rs1", "router_id": str(lan4.network_address + 1),
                           "ipv4": str(lan4.network_address + 1), "ipv6": str(lan6.network_address + 1)}],
        "members": [],
    }
    facts = Facts()
    block = 0  # /24 counter in 20.0.0.0/6-ish space
    for i in range(n):
        asn = 200000 + i
        tier = rng.random()
        if tier < 0.01:
            count = rng.randint(10_000, 100_000)
        elif tier < 0.04:
            count = rng.randint(1_000, 10_000)
        elif tier < 0.19:
            count = rng.randint(51, 1_000)
        else:
            count = int(10 ** rng.uniform(0, 1.7))
        count = max(1, int(count * scale))
        prefixes4 = []
        for _ in range(count):
            net = IPv4Network(((20 << 24) + block * 256, 24))
            block += 1
            prefixes4.append((str(net), 24, 24))
        prefixes6 = [(str(IPv6Network(((0x2a00 << 112) + ((i * 4096 + k) << 80), 48))), 48, 48)
                     for k in range(max(1, count // 5))]
        name = f"AS-SYNTH{i}"
        facts.irr[name] = IrrExpansion(name, [asn], prefixes4, prefixes6)
        facts.peeringdb[asn] = PdbNetwork(asn, f"Synthetic network {i}", irr_as_set=name,
                                          info_prefixes4=count, info_prefixes6=max(1, count // 5))
        conn = {"ipv4": str(next(hosts4)), "ipv6": str(lan6.network_address + 0x100 + i)}
        inventory["members"].append({"asn": asn, "name": f"Synthetic network {i}", "as_set": name,
                                     "connections": [conn]})
    return inventory, facts
