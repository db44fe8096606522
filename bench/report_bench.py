"""Time and memory of `ixpctl report impact` + `manrs` on a synthetic IXP (no daemons, no root).

    .venv/bin/python bench/report_bench.py [--members 1000] [--routes-per-member 100]

A country with 4 000 RIR holders (one ASN, one IPv4 block of 256-4096 addresses, one IPv6 /32
each); ``members`` of them are members with a route-server session on two route servers, each
announcing ``routes-per-member`` /24s inside its block (5 % of them filtered, with a reason) and
an IPv6 /48; IRR data covers the accepted routes, VRPs cover half. Prints wall time per phase and
the peak RSS; the numbers go to bench/RESULTS.md by hand with the machine they ran on.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ixpctl.inventory.models import Inventory  # noqa: E402
from ixpctl.policy.model import Policy  # noqa: E402
from ixpctl.report.assemble import assemble  # noqa: E402
from ixpctl.report.render import write  # noqa: E402
from ixpctl.report.state import RsRoute, RsSession, RsState  # noqa: E402
from ixpctl.sources.facts import Facts, IrrExpansion  # noqa: E402
from ixpctl.sources.rir import parse  # noqa: E402

HOLDERS = 4000


def synthetic(members: int, per_member: int):
    lines = ["2.3|afrinic|20261201|0|19700101|20261201|+0000"]
    for h in range(HOLDERS):
        base = (20 << 24) + h * (1 << 16)  # 20.0.0.0 + h * /16: disjoint blocks
        size = 256 << (h % 5)
        lines += [f"afrinic|ML|asn|{100000 + h}|1|20100101|allocated|H{h}",
                  f"afrinic|ML|ipv4|{base >> 24}.{(base >> 16) & 255}.0.0|{max(size, 256 * per_member)}|20100101|allocated|H{h}",
                  f"afrinic|ML|ipv6|2a00:{h:x}::|32|20100101|allocated|H{h}"]
    country = parse("\n".join(lines), "ML")
    inv = {"ixp": {"name": "BENCHIX", "country": "ML", "rs_asn": 64500,
                   "lans": [{"name": "lan", "vlan": 10, "ipv4": "100.64.0.0/16"}]},
           "route_servers": [{"name": "rs1", "router_id": "100.64.0.1", "ipv4": "100.64.0.1"}],
           "members": [], "critical_services": [{"name": f"svc{i}", "prefixes": [f"20.{i}.0.0/24"]} for i in range(50)]}
    state = RsState("2026-12-01T00:00:00Z", ["rs1", "rs2"])
    irr, vrps = {}, []
    for m in range(members):
        asn = 100000 + m
        a, b = (20 << 24) + m * (1 << 16), m
        inv["members"].append({"asn": asn, "name": f"Member {m}", "as_set": f"AS{asn}",
                               "connections": [{"ipv4": f"100.64.{1 + m // 250}.{1 + m % 250}"}]})
        prefixes = [f"{a >> 24}.{(a >> 16) & 255}.{i}.0/24" for i in range(per_member)]
        irr[f"AS{asn}"] = IrrExpansion(f"AS{asn}", [asn], [(p, 24, 24) for p in prefixes[: int(per_member * .95)]],
                                       [(f"2a00:{b:x}::/48", 48, 48)])
        vrps += [(p, 24, asn) for p in prefixes[::2]]
        for rs in ("rs1", "rs2"):
            state.sessions.append(RsSession(rs, f"AS{asn}_1_v4", asn, True))
            for i, p in enumerate(prefixes):
                ok = i < int(per_member * .95)
                state.routes.append(RsRoute(rs, asn, p, ok, None if ok else "irr_prefix", asn))
            state.routes.append(RsRoute(rs, asn, f"2a00:{b:x}::/48", True, None, asn))
    return Inventory.model_validate(inv), Facts(irr=irr, vrps=vrps), country, state


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--routes-per-member", type=int, default=100)
    args = ap.parse_args()
    t0 = time.perf_counter()
    inventory, facts, country, state = synthetic(args.members, args.routes_per_member)
    t1 = time.perf_counter()
    report = assemble(inventory, Policy(), facts, (country, None), state)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        files = write(report, Path(out), ("impact", "manrs"))
    t3 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"members {args.members}, RS paths {len(state.routes):,}, RIR records {len(country.records):,}")
    print(f"synthetic input {t1 - t0:.1f} s · assemble (numbers, resilience, MANRS) {t2 - t1:.1f} s · "
          f"render {len(files)} files (2 languages, charts) {t3 - t2:.1f} s · peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
