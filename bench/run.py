"""ixpctl vs arouteserver 1.27.0 on the same synthetic IXPs: build, `bird -p`, BIRD start-up, memory,
`birdc configure`; plus ixpctl's full-table self-check and the re-build after onboarding a member.

    .venv/bin/python bench/run.py [--sizes 20 200 1000] [--runs 3] [--slow 120] [--out /tmp/ixbench]
                                  [--stages build parse live selfcheck onboard rtr openbgpd agreement lab serve
                                            versions]

Needs root (``unshare -n``), Debian ``bird2`` 2.0.12, ``/usr/bin/time``, and arouteserver in
``bench/.venv-ars`` (``python3 -m venv bench/.venv-ars && bench/.venv-ars/bin/pip install
arouteserver==1.27.0``). Every stage runs ``--runs`` times, or once when its first run exceeds
``--slow`` seconds. Raw data: ``bench/results/raw-<time>.json``; the tables: ``bench/results/latest.md``
(copied into RESULTS.md by hand, with the notes).

BIRD runs in its own network namespace (``unshare -n``: only ``lo``, up), with a private control
socket and pid file in the run directory; no session can come up (the neighbours are not on-link).
Each BIRD is stopped with SIGTERM to its recorded PID, also when a stage fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from common import IXPCTL, PY, TIME, NetnsBird, log, machine, med, repeat, timed  # noqa: F401 (re-exported)
from common import bird_memory_mb as _mem_mb
from common import rss_mb as _rss_mb
from generate import ars_build_command, generate

# --- builds --------------------------------------------------------------------------------------

def ixpctl_build(base: Path, out: Path, inv: Path | None = None, snap: Path | None = None,
                 check: bool = True) -> dict:
    """`ixpctl build` as a user runs it (its own `bird -p` check included). ``check=False`` passes
    ``--bird true`` so the check is a no-op: like-for-like with arouteserver, which does not check."""
    ix = base / "ixpctl"
    jpath = out.parent / f"{out.name}.json"
    with jpath.open("w") as fh:
        r = timed([IXPCTL, "-i", str(inv or ix / "inventory"), "-p", str(ix / "policy.yml"), "build",
                   "--snapshot", str(snap or ix / "snapshot"), "-o", str(out), "--json",
                   *([] if check else ["--bird", "true"])], stdout=fh)
    summary = json.loads(jpath.read_text())
    conf = out / "rs1.conf"
    r.update(bird_check=summary["configs"][0]["bird_check_seconds"], sessions=summary["configs"][0]["sessions"],
             bytes=conf.stat().st_size, lines=summary["configs"][0]["lines"])
    del r["stderr"]
    return r


def ars_build(base: Path) -> dict:
    ars = base / "ars"
    shutil.rmtree(ars / "cache", ignore_errors=True)
    shutil.copytree(ars / "cache.pristine", ars / "cache")
    conf = ars / "bird.conf"
    # generation offline: no network namespace but a down lo; proxies to a closed port as well
    env = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    r = timed(["unshare", "-n", *ars_build_command(ars, conf)], env=env)
    (ars / "build.log").write_text(r.pop("stderr"))
    text = conf.read_text()
    r.update(bytes=len(text.encode()), lines=text.count("\n"), sessions=text.count("\nprotocol bgp "))
    log_text = (ars / "build.log").read_text()
    if "ERROR" in log_text or "bgpq4" in log_text.lower() and "error" in log_text.lower():
        raise RuntimeError(f"arouteserver logged errors: see {ars / 'build.log'}")
    return r


def config_of(base: Path, tool: str) -> Path:
    return base / "ixpctl" / "build" / "rs1.conf" if tool == "ixpctl" else base / "ars" / "bird.conf"


# --- BIRD ----------------------------------------------------------------------------------------

def bird_parse(conf: Path) -> dict:
    r = timed(["bird", "-p", "-c", str(conf)])
    del r["stderr"]
    return r


def bird_live(conf: Path, rundir: Path) -> dict:
    """Start BIRD on conf (own netns, only lo), time until `show status` answers, memory, configure,
    memory again, stop (common.NetnsBird)."""
    bird = NetnsBird(conf, rundir)
    out: dict = {}
    try:
        out["startup"] = bird.wait_up()
        out["wall"] = out["startup"]
        out["mem_start_mb"] = _mem_mb(bird.ask("show", "memory"))
        out["rss_start_mb"] = _rss_mb(bird.proc.pid)
        t0 = time.monotonic()
        reply = bird.ask("configure")
        out["configure"] = round(time.monotonic() - t0, 3)
        out["configure_reply"] = "Reconfigured" in reply
        out["mem_configure_mb"] = _mem_mb(bird.ask("show", "memory"))
        out["rss_configure_mb"] = _rss_mb(bird.proc.pid)
        protos = bird.ask("show", "protocols")
        out["bgp_established"] = sum(1 for line in protos.splitlines() if " BGP " in line and "Established" in line)
    finally:
        t0 = time.monotonic()
        bird.stop()
        out["stop"] = round(time.monotonic() - t0, 3)
        out["exit"] = bird.proc.returncode
    return out


# --- extra ixpctl stages -------------------------------------------------------------------------

def onboard(base: Path) -> dict:
    """Add one member (new ASN, AS-SET, 40 route objects, VRPs) to the inventory and the facts,
    rebuild everything (ixpctl has no incremental build: this is a full build of N+1 members)."""
    from ruamel.yaml import YAML

    from ixpctl.sources.facts import IrrExpansion, PdbNetwork
    from ixpctl.sources.snapshot import read_snapshot
    from ixpctl.sources.snapshot_write import write_snapshot

    work = base / "onboard"
    shutil.rmtree(work, ignore_errors=True)
    (work / "inventory").mkdir(parents=True)
    y = YAML()
    inv = y.load((base / "ixpctl" / "inventory" / "ixp.yml").read_text())
    asn = 3_999_999 + 1
    inv["members"].append({"asn": asn, "name": "Onboarded network", "as_set": "AS-ONBOARD",
                           "connections": [{"ipv4": "185.1.7.200", "ipv6": "2001:7f8:ff::7:200"}]})
    with (work / "inventory" / "ixp.yml").open("w") as fh:
        y.dump(inv, fh)
    facts = read_snapshot(base / "ixpctl" / "snapshot")
    p4 = [(f"59.0.{i}.0/24", 24, 24) for i in range(0, 80, 2)]
    p6 = [(f"2a0f:ff00:{i:x}::/48", 48, 48) for i in range(0, 20, 2)]
    facts.irr["AS-ONBOARD"] = IrrExpansion("AS-ONBOARD", [asn], p4, p6)
    facts.peeringdb[asn] = PdbNetwork(asn, "Onboarded network", irr_as_set="AS-ONBOARD", info_prefixes4=50,
                                      info_prefixes6=15)
    facts.vrps += [(p, 24, asn) for p, _, _ in p4] + [(p, 48, asn) for p, _, _ in p6]
    write_snapshot(facts, work / "snapshot")
    r = ixpctl_build(base, work / "build", inv=work / "inventory", snap=work / "snapshot")
    return r


# --- report-----------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 1000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--slow", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/ixbench"))
    ap.add_argument("--stages", nargs="+",
                    default=["build", "parse", "live", "selfcheck", "onboard", "rtr", "openbgpd", "agreement", "lab",
                             "serve", "versions"])
    ap.add_argument("--tools", nargs="+", default=["ixpctl", "ars"])
    ap.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    args = ap.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.results.mkdir(parents=True, exist_ok=True)
    raw_path = args.results / f"raw-{stamp}.json"
    raw: dict = {"stamp": stamp, "machine": machine(), "args": {k: str(v) for k, v in vars(args).items()},
                 "sizes": {}}

    def save() -> None:
        raw_path.write_text(json.dumps(raw, indent=1))

    for n in args.sizes:
        base = args.out / f"n{n}"
        if not (base / "stats.json").exists() or ("ars" in args.tools and not (base / "ars" / "cache.pristine").exists()):
            generate(n, args.seed, args.out, with_ars="ars" in args.tools)
        res = raw["sizes"].setdefault(str(n), {"stats": json.loads((base / "stats.json").read_text())})
        if "build" in args.stages:
            if "ixpctl" in args.tools:
                log(f"N={n} ixpctl build")
                res["ixpctl_build"] = repeat(lambda b=base: ixpctl_build(b, b / "ixpctl" / "build"), args.runs, args.slow)
                log(f"N={n} ixpctl build without its bird -p check")
                res["ixpctl_build_nocheck"] = repeat(
                    lambda b=base: ixpctl_build(b, b / "ixpctl" / "build-nocheck", check=False), args.runs, args.slow)
            if "ars" in args.tools:
                log(f"N={n} arouteserver build")
                res["ars_build"] = repeat(lambda b=base: ars_build(b), args.runs, args.slow)
            save()
        for tool in args.tools:
            conf = config_of(base, tool)
            if "parse" in args.stages:
                log(f"N={n} {tool} bird -p")
                res[f"{tool}_parse"] = repeat(lambda c=conf: bird_parse(c), args.runs, args.slow)
                save()
            if "live" in args.stages:
                log(f"N={n} {tool} live BIRD")
                res[f"{tool}_live"] = repeat(lambda c=conf, d=base / "run" / tool: bird_live(c, d), args.runs,
                                            args.slow)
                save()
        if "agreement" in args.stages and n == min(args.sizes) and (base / "ars" / "bird.conf").exists():
            log(f"N={n} agreement")
            r = subprocess.run([PY, str(REPO / "bench" / "agreement.py"), str(base), "--routes", "3000",
                                "--json", str(base / "agreement.json")], capture_output=True, text=True,
                               check=False)
            res["agreement"] = json.loads((base / "agreement.json").read_text()) if r.returncode in (0, 1) else \
                {"error": r.stderr[-2000:]}
            save()
        if n == max(args.sizes):
            if "onboard" in args.stages:
                log(f"N={n} onboarding one member + rebuild")
                res["ixpctl_onboard"] = repeat(lambda b=base: onboard(b), args.runs, args.slow)
                save()
            if "rtr" in args.stages and "ixpctl" in args.tools:
                log(f"N={n} ixpctl with VRPs over RTR (StayRTR) instead of static ROA tables")
                r = subprocess.run([PY, str(REPO / "bench" / "rtr_variant.py"), str(base), "--runs", str(args.runs)],
                                   capture_output=True, text=True, check=True)
                res["ixpctl_rtr"] = json.loads(r.stdout)
                save()
            if "openbgpd" in args.stages and "ixpctl" in args.tools:
                log(f"N={n} ixpctl with the route servers on OpenBGPD (bgpd -n, 7.7 and 8.8)")
                r = subprocess.run([PY, str(REPO / "bench" / "openbgpd_variant.py"), str(base), "--runs",
                                    str(args.runs)], capture_output=True, text=True, check=True)
                res["ixpctl_openbgpd"] = json.loads(r.stdout)
                save()
            if "selfcheck" in args.stages:
                log(f"N={n} self-check of a full table")
                with (base / "selfcheck.json").open("w") as fh:
                    r = timed([PY, str(REPO / "bench" / "selfcheck_bench.py"), str(base)], stdout=fh)
                res["selfcheck"] = dict(json.loads((base / "selfcheck.json").read_text()), wall=r["wall"],
                                        rss_mb=r["rss_mb"], cpu=r["cpu"])
                save()
    if "versions" in args.stages:  # bench/versions.py: the largest IXP on BIRD 2.0, 2.17 and 3.1
        n = max(args.sizes)
        log(f"N={n} every BIRD target: bird -p, start-up, configure, memory")
        vjson = args.out / f"n{n}" / "versions.json"
        subprocess.run([PY, str(REPO / "bench" / "versions.py"), "-n", str(n), "--runs", str(args.runs),
                        "--seed", str(args.seed), "--out", str(args.out), "--json", str(vjson)], check=True,
                       stdout=subprocess.DEVNULL)
        raw["versions"] = json.loads(vjson.read_text())
        save()
    if "lab" in args.stages:
        log("lab bring-up, 50 members")
        runs = []
        for _ in range(args.runs):
            r = subprocess.run([PY, str(REPO / "bench" / "lab_bench.py"), "--members", "50", "--out", str(args.out)],
                               capture_output=True, text=True, check=True)
            runs.append(json.loads(r.stdout))
        raw["lab50"] = runs
    if "serve" in args.stages:  # bench/serve_bench.py: ixpctl serve under 50 clients (bench/RESULTS.md)
        n = max(args.sizes)
        log(f"N={n} ixpctl serve: 50 concurrent clients for 10 s")
        r = subprocess.run([PY, str(REPO / "bench" / "serve_bench.py"), "--members", str(n), "--root", str(args.out)],
                           capture_output=True, text=True, check=True)
        raw["serve"] = json.loads(r.stdout)
    save()
    log(f"raw data: {raw_path}")
    from report import write_report

    write_report(raw, args.results / "latest.md")
    log(f"tables: {args.results / 'latest.md'}")


if __name__ == "__main__":
    main()
