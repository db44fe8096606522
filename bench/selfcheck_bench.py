"""Self-check of a full table with ixpctl's evaluator: ~1 M routes against the N=1000 scenario's VRPs
(~610 k) and IRR data, through ``PolicyEngine`` (the same engine as ``ixpctl check``).

    .venv/bin/python bench/selfcheck_bench.py /tmp/ixbench/n1000 [--extra 0.33]

Routes: every expanded route object of every member, announced on the member's first session of the
family with its registered origin (accepted unless RPKI says otherwise), plus ``--extra`` × that many
variants (wrong origin, too long, not registered), so ~1 M routes. Prints JSON: phase times, routes/s,
verdict counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from ipaddress import ip_network
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ixpctl.inventory.loader import load_inventory
from ixpctl.policy.evaluate import PolicyEngine, Route
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.sources.snapshot import read_snapshot


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("base", type=Path)
    ap.add_argument("--extra", type=float, default=0.33)
    args = ap.parse_args()
    t = {}
    t0 = time.monotonic()
    sc = json.loads((args.base / "scenario.json").read_text())
    loaded = load_inventory(args.base / "ixpctl" / "inventory")
    lpolicy = load_policy(args.base / "ixpctl" / "policy.yml")
    facts = read_snapshot(args.base / "ixpctl" / "snapshot")
    intent = compile_route_server(loaded, lpolicy, facts, loaded.inventory.route_servers[0])
    t["load_and_compile"] = time.monotonic() - t0
    t0 = time.monotonic()
    engine = PolicyEngine(intent)
    t["engine_init_rov_table"] = time.monotonic() - t0

    ro = {int(k): v for k, v in sc["irr"]["route_objects"].items()}
    first_session = {}
    for s in intent.sessions:
        first_session.setdefault((s.member_asn, s.afi), s)
    rng = random.Random(5)

    def routes():
        for m in sc["members"]:
            origins = sorted(set(sc["irr"]["as_sets"][m["as_set"]]) | {m["asn"]}) if m["as_set"] else [m["asn"]]
            for afi, fam, top in ((4, "ipv4", 24), (6, "ipv6", 48)):
                s = first_session.get((m["asn"], afi))
                if s is None:
                    continue
                for o in origins:
                    for p in ro.get(o, {}).get(fam, []):
                        path = (m["asn"], o) if o != m["asn"] else (m["asn"],)
                        yield "registered", s, Route(p, (("seq", path),), s.neighbor)
                        if rng.random() < args.extra:
                            kind = rng.choice(("wrong origin", "too long", "not registered"))
                            if kind == "wrong origin":
                                yield kind, s, Route(p, (("seq", (m["asn"], 4_100_000 + rng.randrange(1000))),),
                                                     s.neighbor)
                            elif kind == "too long":
                                sub = str(next(ip_network(p).subnets(new_prefix=top + 1)))
                                yield kind, s, Route(sub, (("seq", path),), s.neighbor)
                            else:
                                q = f"61.{rng.randrange(256)}.{rng.randrange(256)}.0/24" if afi == 4 else \
                                    f"2c0f:{rng.randrange(65536):x}::/48"
                                yield kind, s, Route(q, (("seq", path),), s.neighbor)

    t0 = time.monotonic()
    verdicts: Counter = Counter()
    kinds: Counter = Counter()
    count = 0
    for kind, s, route in routes():
        v = engine.evaluate(route, s)
        verdicts[v.check or "accepted"] += 1
        kinds[kind] += 1
        count += 1
    t["evaluate"] = time.monotonic() - t0
    print(json.dumps({"routes": count, "vrps": len(intent.vrps4) + len(intent.vrps6),
                      "prefix_sets": len(intent.prefix_sets),
                      "irr_entries": sum(len(p.entries) for p in intent.prefix_sets),
                      "seconds": {k: round(v, 2) for k, v in t.items()},
                      "routes_per_second": round(count / t["evaluate"]),
                      "kinds": dict(kinds), "verdicts": dict(verdicts)}, indent=1))


if __name__ == "__main__":
    main()
