"""The same N-member IXP on every BIRD target: `bird -p`, start-up, `birdc configure` and memory on
BIRD 2.0, 2.17 and 3.1 (the binaries scripts/bird-versions.sh installs), plus BIRD 3.1 with two
worker threads (route_servers[].threads: 2).

    .venv/bin/python bench/versions.py [-n 1000] [--runs 3] [--out /tmp/ixbench] [--json FILE]

The config is rs1's of the synthetic IXP (bench/generate.py, same seed as `make bench`), rendered
for each target from one Intent (policy.intent.for_bird), so only the target's syntax differs.
Each BIRD runs in its own network namespace (``unshare -n``: only ``lo``), with a private control
socket; no session can come up (the neighbours are not on-link), as in bench/run.py. Timed:

- ``parse``: ``bird -p -c rs1.conf`` (wall, max RSS);
- ``startup``: from exec until ``show status`` answers "Daemon is up" (BIRD has parsed and applied
  the config) — and ``all_protocols`` until ``show protocols`` lists every BGP session, none of
  them still in state ``down`` (each one configured and started);
- ``configure``: ``birdc configure`` of the same file, until BIRD's answer;
- memory: BIRD's ``show memory`` total and the process RSS after start-up and after configure.

BIRD is stopped with SIGTERM to its recorded PID (SIGKILL after 120 s), also when a step fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from common import NetnsBird, bird_memory_mb, log, machine, med_of, rss_mb, timed

VARIANTS = (("2.0", None), ("2.17", None), ("3.1", None), ("3.1", 2))  # (series, threads)


def render_for(base: Path, series_version: str, threads: int | None, out: Path) -> int:
    """rs1's config of the synthetic IXP for one BIRD version; returns its BGP session count."""
    from ixpctl.inventory import load_inventory
    from ixpctl.policy.intent import compile_route_server, for_bird
    from ixpctl.policy.loader import load_policy
    from ixpctl.render.bird import render_route_server
    from ixpctl.sources.snapshot import read_snapshot

    ix = base / "ixpctl"
    loaded = load_inventory(ix / "inventory")
    policy = load_policy(ix / "policy.yml")
    facts = read_snapshot(ix / "snapshot", max_ages=None)
    rs = loaded.inventory.route_servers[0]
    intent = replace(for_bird(compile_route_server(loaded, policy, facts, rs), series_version), threads=threads)
    out.write_text(render_route_server(intent))
    return len(intent.sessions)


def live(bird: str, birdc: str, conf: Path, rundir: Path, sessions: int) -> dict:
    out: dict = {}
    with NetnsBird(conf, rundir, bird, birdc) as daemon:
        out["startup"] = daemon.wait_up()
        while True:
            lines = [line.split() for line in daemon.ask("show", "protocols").splitlines()]
            bgp = [f for f in lines if len(f) > 3 and f[1] == "BGP"]
            if len(bgp) == sessions and not any(f[3] == "down" for f in bgp):
                break
            if time.monotonic() - daemon.started > 1800:
                raise RuntimeError(f"only {len(bgp)} of {sessions} BGP protocols configured after 30 min")
            time.sleep(0.05)
        out["all_protocols"] = round(time.monotonic() - daemon.started, 3)
        out["mem_start_mb"] = bird_memory_mb(daemon.ask("show", "memory"))
        pid = int(daemon.pidf.read_text().strip())  # BIRD's own (under sh/unshare for 2.0; the ld.so for 2.17/3.1)
        out["rss_start_mb"] = rss_mb(pid)
        t0 = time.monotonic()
        reply = daemon.ask("configure")
        out["configure"] = round(time.monotonic() - t0, 3)
        out["configure_reply"] = next((line for line in reply.splitlines() if line.startswith("Reconfigur")), reply[-200:])
        out["mem_configure_mb"] = bird_memory_mb(daemon.ask("show", "memory"))
        out["rss_configure_mb"] = rss_mb(pid)
    return out


def table(results: list[dict]) -> str:
    rows = [("| BIRD | `bird -p` | start-up (`show status`) | all protocols configured | `birdc configure` | "
             "RSS after start / after configure | `show memory` after start |"),
            "|---|---|---|---|---|---|---|"]
    for r in results:
        name = r["version"] + (f", threads {r['threads']}" if r["threads"] else "")
        rows.append(f"| {name} | {med_of(r['parse'], 'wall')} s / {med_of(r['parse'], 'rss_mb')} MB | "
                    f"{med_of(r['live'], 'startup')} s | {med_of(r['live'], 'all_protocols')} s | "
                    f"{med_of(r['live'], 'configure')} s | {med_of(r['live'], 'rss_start_mb')} / "
                    f"{med_of(r['live'], 'rss_configure_mb')} MB | {med_of(r['live'], 'mem_start_mb')} MB |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/ixbench"))
    ap.add_argument("--json", type=Path, default=None, help="write the raw results here too")
    args = ap.parse_args()
    from generate import generate

    from ixpctl.deploy.bird_binaries import BirdBinaries

    base = args.out / f"n{args.n}"
    if not (base / "ixpctl" / "snapshot").exists():
        generate(args.n, args.seed, args.out, with_ars=False)
    binaries = BirdBinaries()
    results = []
    for series, threads in VARIANTS:
        binary = binaries.for_series(series)
        conf = base / "versions" / f"rs1-{series}{'-t' + str(threads) if threads else ''}.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        sessions = render_for(base, binary.version, threads, conf)
        log(f"N={args.n} BIRD {binary.version}{f' threads {threads}' if threads else ''}: bird -p, then live")
        parse = []
        for _ in range(args.runs):
            r = timed([binary.path, "-p", "-c", str(conf)])
            if r.pop("stderr").strip():
                raise RuntimeError(f"BIRD {binary.version} warned on {conf}")
            parse.append(r)
        runs = [live(binary.path, binary.birdc, conf, base / "versions" / "run", sessions) for _ in range(args.runs)]
        results.append({"series": series, "version": binary.version, "threads": threads, "sessions": sessions,
                        "config_bytes": conf.stat().st_size, "parse": parse, "live": runs})
    report = {"n": args.n, "machine": machine(), "results": results}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
