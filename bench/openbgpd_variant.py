"""The same N-member IXP with its route servers on OpenBGPD: ``ixpctl build`` renders bgpd.conf and
checks it with ``bgpd -n`` (part of the build, as ``bird -p`` is for BIRD), then ``bgpd -n`` alone.

    .venv/bin/python bench/openbgpd_variant.py /tmp/ixbench/n1000 [--runs 3] [--series 7.7 8.8]

Per OpenBGPD series (7.7: the machine's bgpd on Debian 12; 8.8: scripts/openbgpd-versions.sh's
private root, skipped with the reason when missing): the inventory of ``<base>/ixpctl`` with every
route server ``daemon: openbgpd`` and that ``openbgpd_version``, built with that series' bgpd as
the checker (``IXPCTL_BGPD``); wall time, CPU, peak RSS of the build, the check's own seconds, the
config's size; then ``bgpd -n -f`` of the built config on its own. No daemon is started. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from run import IXPCTL, timed

from ixpctl.deploy.bgpd_binaries import openbgpd_for
from ixpctl.errors import IxpctlError


def prepare(base: Path, series: str) -> Path:
    """<base>/openbgpd-<series>/inventory: the benchmark inventory, route servers on OpenBGPD."""
    from ruamel.yaml import YAML

    work = base / f"openbgpd-{series}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "inventory").mkdir(parents=True)
    y = YAML()
    inv = y.load((base / "ixpctl" / "inventory" / "ixp.yml").read_text())
    for rs in inv["route_servers"]:
        rs.pop("bird_version", None)
        rs["daemon"], rs["openbgpd_version"] = "openbgpd", series
    with (work / "inventory" / "ixp.yml").open("w") as fh:
        y.dump(inv, fh)
    return work


def build(base: Path, work: Path, bgpd: str) -> dict:
    ix = base / "ixpctl"
    out = work / "build"
    with (work / "build.json").open("w") as fh:
        r = timed([IXPCTL, "-i", str(work / "inventory"), "-p", str(ix / "policy.yml"), "build", "--snapshot",
                   str(ix / "snapshot"), "-o", str(out), "--json"], stdout=fh, env=dict(os.environ, IXPCTL_BGPD=bgpd))
    summary = json.loads((work / "build.json").read_text())
    first = summary["configs"][0]
    assert first["daemon"] == "openbgpd", first
    conf = out / "rs1.conf"
    del r["stderr"]
    r.update(bgpd_check=first["bird_check_seconds"], sessions=first["sessions"], bytes=conf.stat().st_size,
             lines=first["lines"], configs=len(summary["configs"]))
    return r


def check_alone(conf: Path, bgpd: str) -> dict:
    r = timed([bgpd, "-n", "-f", str(conf)])
    del r["stderr"]
    return r


def med(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--series", nargs="+", default=["7.7", "8.8"])
    args = ap.parse_args()
    out: dict = {}
    for series in args.series:
        try:
            pair = openbgpd_for(series)
        except IxpctlError as exc:
            out[series] = {"skipped": f"{exc.message} ({exc.fix})"}
            continue
        work = prepare(args.base, series)
        builds = [build(args.base, work, pair.bgpd) for _ in range(args.runs)]
        conf = work / "build" / "rs1.conf"
        checks = [check_alone(conf, pair.bgpd) for _ in range(args.runs)]
        out[series] = {"bgpd": pair.bgpd, "version": pair.version, "build": builds, "check": checks,
                       "summary": {"build_wall": med(builds, "wall"), "build_rss_mb": med(builds, "rss_mb"),
                                   "bgpd_check_in_build": med(builds, "bgpd_check"),
                                   "bgpd_n_wall": med(checks, "wall"), "bgpd_n_rss_mb": med(checks, "rss_mb"),
                                   "bytes": builds[0]["bytes"], "lines": builds[0]["lines"],
                                   "sessions": builds[0]["sessions"]}}
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
