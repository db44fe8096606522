"""Lab bring-up for a 50-member synthetic IXP: `Lab.up` (namespaces, LAN bridge, route server, StayRTR,
one BIRD speaker per member router announcing its first registered prefixes) until every BGP session
on the route server is Established, then `Lab.down`.

    sudo .venv/bin/python bench/lab_bench.py [--members 50] [--out /tmp/ixbench]

Runs with its own lab state directory (IXPCTL_LAB_DIR=<out>/lab), so it never touches another lab;
the lab's namespaces (ixl-<run id>-*) and processes are removed by `Lab.down` (by recorded PID/name),
also when bring-up fails. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/ixbench"))
    ap.add_argument("--wait", type=float, default=300.0)
    args = ap.parse_args()
    os.environ["IXPCTL_LAB_DIR"] = str(args.out / "lab")
    from generate import generate

    from ixpctl.lab import Lab, LabConfig

    base = args.out / f"n{args.members}"
    if not (base / "ixpctl" / "snapshot").exists():
        generate(args.members, args.seed, args.out, with_ars=False)
    ix = base / "ixpctl"
    lab_file = base / "bench.lab.yml"
    lab_file.write_text(f"inventory: {ix / 'inventory'}\npolicy: {ix / 'policy.yml'}\nsnapshot: {ix / 'snapshot'}\n"
                        "default_speaker: bird\nbaseline: true\nrtr: {port: 8282, refresh: 1}\n")
    if Lab.current() is not None:
        raise SystemExit(f"a lab is already running under {args.out / 'lab'}")
    config = LabConfig.load(lab_file, base=Path("/"))
    started = time.monotonic()
    lab = Lab.up(config, wait=args.wait)
    up = time.monotonic() - started
    info = lab.state.info
    sessions = [s for rs in lab.rs_names for s in lab.rs(rs).sessions()]
    result = {"members": args.members, "route_servers": len(info["route_servers"]),
              "member_speakers": len(info["members"]), "namespaces": len(lab.state.namespaces),
              "processes": len(lab.state.processes), "up_until_all_established_s": round(up, 2),
              "rs_sessions": len(sessions), "rs_sessions_established": sum(1 for s in sessions if s.established)}
    t0 = time.monotonic()
    lab.down()
    result["down_s"] = round(time.monotonic() - t0, 2)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
