"""VRPs over RTR instead of static ROA tables: the same N-member IXP built with
``sources.rpki.rtr_servers`` set, so the config carries no static ROAs; BIRD then loads the same VRPs
from StayRTR at start-up.

    sudo .venv/bin/python bench/rtr_variant.py /tmp/ixbench/n1000 [--runs 3]

Measures the ixpctl build, the config size, ``bird -p``, and a live BIRD + StayRTR in a network
namespace of its own (``ixbench-rtr-<pid>``, only ``lo``): time until ``show status`` answers, time
until both ROA tables hold every VRP, BIRD's memory then. Everything it starts is stopped by PID and
the namespace deleted by name, also on failure. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import _mem_mb, _rss_mb, bird_parse, ixpctl_build

from ixpctl.sources.snapshot import read_snapshot

RTR_PORT = 3323


def prepare(base: Path) -> tuple[Path, dict[str, int]]:
    """<base>/rtr: the inventory with an RTR server, the StayRTR cache of the snapshot's VRPs."""
    from ruamel.yaml import YAML

    work = base / "rtr"
    shutil.rmtree(work, ignore_errors=True)
    (work / "inventory").mkdir(parents=True)
    y = YAML()
    inv = y.load((base / "ixpctl" / "inventory" / "ixp.yml").read_text())
    inv.setdefault("sources", {}).setdefault("rpki", {})["rtr_servers"] = [{"host": "127.0.0.1", "port": RTR_PORT}]
    with (work / "inventory" / "ixp.yml").open("w") as fh:
        y.dump(inv, fh)
    vrps = read_snapshot(base / "ixpctl" / "snapshot").vrps
    roas = [{"prefix": p, "maxLength": m, "asn": f"AS{a}"} for p, m, a in vrps]
    (work / "vrps.json").write_text(json.dumps({"roas": roas}))
    v6 = sum(1 for p, _, _ in vrps if ":" in p)
    return work, {"rpki4": len(vrps) - v6, "rpki6": v6}


def _count(birdc, table: str) -> int:
    m = re.search(r"(\d+) of \d+ routes", birdc("show", "route", "table", table, "count").stdout)
    return int(m.group(1)) if m else 0


def live(conf: Path, work: Path, expected: dict[str, int], timeout: float = 600) -> dict:
    ns = f"ixbench-rtr-{os.getpid()}"
    ctl, pidf = work / "bird.ctl", work / "bird.pid"
    for f in (ctl, pidf):
        f.unlink(missing_ok=True)

    def birdc(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["birdc", "-s", str(ctl), *args], capture_output=True, text=True, timeout=600,
                              check=False)

    procs: list[subprocess.Popen] = []
    out: dict = {}
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        # `ip netns exec` execs the command: each Popen PID is the daemon's own PID
        rtr = subprocess.Popen(["ip", "netns", "exec", ns, "stayrtr", "-cache", str(work / "vrps.json"),
                                "-checktime=false", "-bind", f"127.0.0.1:{RTR_PORT}", "-metrics.addr", "",
                                "-refresh", "3600", "-log.verbose=false"],
                               stdout=subprocess.DEVNULL, stderr=(work / "stayrtr.log").open("w"))
        procs.append(rtr)
        deadline = time.monotonic() + 60
        while subprocess.run(["ip", "netns", "exec", ns, "bash", "-c", f"echo > /dev/tcp/127.0.0.1/{RTR_PORT}"],
                             capture_output=True, check=False).returncode != 0:
            if rtr.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"StayRTR did not listen: {(work / 'stayrtr.log').read_text()[-500:]}")
            time.sleep(0.1)
        started = time.monotonic()
        bird = subprocess.Popen(["ip", "netns", "exec", ns, "bird", "-f", "-c", str(conf), "-s", str(ctl),
                                 "-P", str(pidf)], stdout=subprocess.DEVNULL,
                                stderr=(work / "bird.stderr").open("w"))
        procs.append(bird)
        while not (ctl.exists() and "Daemon is up" in birdc("show", "status").stdout):
            if bird.poll() is not None:
                raise RuntimeError(f"BIRD exited: {(work / 'bird.stderr').read_text()[-500:]}")
            time.sleep(0.01)
        out["startup"] = round(time.monotonic() - started, 3)
        out["mem_start_mb"], out["rss_start_mb"] = _mem_mb(birdc("show", "memory").stdout), _rss_mb(bird.pid)
        while any(_count(birdc, t) < n for t, n in expected.items()):
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"ROA tables not full after {timeout} s")
            time.sleep(0.05)
        out["roas_loaded"] = round(time.monotonic() - started, 3)
        out["roas"] = {t: _count(birdc, t) for t in expected}
        out["mem_loaded_mb"], out["rss_loaded_mb"] = _mem_mb(birdc("show", "memory").stdout), _rss_mb(bird.pid)
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("base", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work, expected = prepare(args.base)
    builds = [ixpctl_build(args.base, work / "build", inv=work / "inventory") for _ in range(args.runs)]
    conf = work / "build" / "rs1.conf"
    parses = [bird_parse(conf) for _ in range(args.runs)]
    lives = [live(conf, work, expected) for _ in range(args.runs)]

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(json.dumps({
        "vrps": expected, "bytes": builds[0]["bytes"], "lines": builds[0]["lines"],
        "build_wall": med(builds, "wall"), "build_rss_mb": med(builds, "rss_mb"),
        "parse_wall": med(parses, "wall"), "parse_rss_mb": med(parses, "rss_mb"),
        **{k: med(lives, k) for k in ("startup", "roas_loaded", "mem_start_mb", "rss_start_mb", "mem_loaded_mb",
                                      "rss_loaded_mb")},
        "runs": {"build": builds, "parse": parses, "live": lives},
    }, indent=1))


if __name__ == "__main__":
    main()
