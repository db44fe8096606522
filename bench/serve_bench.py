"""Load test of `ixpctl serve` on loopback: the synthetic N-member IXP of bench/scenario.py (default
1000 members, its ~550 k IRR route objects and ~610 k VRPs in the snapshot), a real BIRD route server
holding one member's routes learnt over a real BGP session from a feeder BIRD (accepted ones, and
filtered ones tagged with the reject reason as the generated configs do), the real service in its
own process, and C concurrent clients for D seconds asking, at random, for:

  filtered  that member's filtered routes          /api/v1/route-servers/rs1/members/ASN/routes?filtered=true
  lookup    a prefix lookup across route servers    /api/v1/lookup?q=P
  check     a self-check of 100 prefixes            /api/v1/check?asn=ASN&prefix=...×100

    .venv/bin/python bench/serve_bench.py [--members 1000] [--routes 20000] [--clients 50] [--seconds 10]

At the issue's scale, many sessions and a large table (bench/serve_scale.py: S real sessions from a
feeder BIRD on 127.1.x.y, --routes spread over them, 5 % filtered):

    .venv/bin/python bench/serve_bench.py --members 1000 --sessions 1000 --routes 500000

With --sessions > 1, "filtered" and "lookup" pick a random member / route each time, and three more
kinds join the mix: "sessions" (/api/v1/route-servers/rs1/sessions, a page of 100), "bw_protocols"
(/birdwatcher/rs1/protocols/bgp: every session, what Alice-LG polls) and "bw_filtered"
(/birdwatcher/rs1/routes/filtered/AS<asn>_1_v4 of a random member).

Prints JSON: start-up time, p50/p99 per request kind, requests/s, errors, the service's memory
(VmRSS now and VmHWM peak). Binds only 127.0.0.1/127.0.0.2; every process it starts it stops (by PID)
and its temp directory is removed. The route server's config is a small hand-written one (one
session, a length check tagging (RS, 65520, 13)), not the generated one: this measures the service,
not BIRD's filters.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from common import percentiles, proc_memory

TIMERS = "hold time 30; keepalive time 10; connect retry time 1; error wait time 1, 2;"


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _fixed_ports(n: int, start: int = 20000) -> list[int]:
    """n ports below Linux's ephemeral range (32768–60999) free on 127.0.0.1 and 127.0.0.2: a port
    picked by binding to 0 is an ephemeral one, which the route server's own outgoing connections
    may take before its session listens there ("No listening socket")."""
    ports: list[int] = []
    port = start
    while len(ports) < n:
        if port >= 32768:
            raise RuntimeError(f"not {n} free ports between {start} and 32767")
        try:
            for host in ("127.0.0.1", "127.0.0.2"):
                with socket.socket() as s:
                    s.bind((host, port))
            ports.append(port)
        except OSError:
            pass
        port += 1
    return ports


def _scenario(members: int, root: Path) -> Path:
    from generate import generate

    base = root / f"n{members}" / "ixpctl"
    if not (base / "snapshot" / "manifest.json").exists():
        generate(members, 1, root, with_ars=False)
    return base


def _member(base: Path) -> tuple[int, list[str], int]:
    """The member with the most IPv4 route objects: its ASN, its registered prefixes, the RS ASN."""
    from ixpctl.inventory import load_inventory
    from ixpctl.sources.snapshot import read_snapshot

    inv = load_inventory(base / "inventory").inventory
    facts = read_snapshot(base / "snapshot", max_ages=None)
    best: tuple[int, list[str]] | None = None
    for m in inv.members:
        query = m.as_sets[0] if m.as_sets and not isinstance(m.as_sets, str) else f"AS{m.asn}"
        entry = facts.irr.get(query)
        if entry is None:
            continue
        prefixes = [p for p, _lo, _hi in entry.prefixes4]
        if best is None or len(prefixes) > len(best[1]):
            best = (m.asn, prefixes)
    assert best, "no member with IRR data in the scenario"
    return best[0], best[1], inv.ixp.rs_asn


def _bird_configs(tmp: Path, rs_asn: int, member_asn: int, accepted: list[str], filtered: list[str],
                  rs_port: int, feeder_port: int) -> None:
    (tmp / "rs.conf").write_text(f"""router id 127.0.0.1;
protocol device {{ }}
protocol bgp AS{member_asn}_1_v4 {{
  local 127.0.0.1 port {rs_port} as {rs_asn}; neighbor 127.0.0.2 port {feeder_port} as {member_asn};
  strict bind on; multihop 2; {TIMERS}
  ipv4 {{ import keep filtered on;
         import filter {{ if net.len > 24 then {{ bgp_large_community.add(({rs_asn}, 65520, 13)); reject; }}
                         accept; }};
         export none; }};
}}
""")
    routes = "\n".join(f"  route {p} blackhole;" for p in accepted + filtered)
    (tmp / "feeder.conf").write_text(f"""router id 127.0.0.2;
protocol device {{ }}
protocol static feed {{ ipv4; {routes.strip() and chr(10) + routes} }}
protocol bgp to_rs {{
  local 127.0.0.2 port {feeder_port} as {member_asn}; neighbor 127.0.0.1 port {rs_port} as {rs_asn};
  strict bind on; multihop 2; {TIMERS}
  ipv4 {{ import none; export where proto = "feed"; next hop self; }};
}}
""")


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def _load(args, base: Path, sock: str, tmp: Path, procs: list, result: dict, kinds: dict) -> None:
    """Start the real service on the route server's socket, time its start, then C clients for D s."""
    import httpx

    port = _free_port()
    started = time.monotonic()
    cmd = [str(REPO / ".venv" / "bin" / "ixpctl"), "-i", str(base / "inventory"), "-p", str(base / "policy.yml"),
           "serve", "--snapshot", str(base / "snapshot"), "--rs-socket", f"rs1={sock}", "--port", str(port),
           "--rate", "100000", "--lang", "en"]
    serve = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(tmp / "serve.log", "w"))  # noqa: SIM115
    procs.append(serve)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if serve.poll() is not None:
            raise RuntimeError(f"ixpctl serve exited: {(tmp / 'serve.log').read_text()[-2000:]}")
        try:
            return httpx.get(url + "/api/v1/route-servers", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False
    _wait(up, 600, "ixpctl serve to answer")
    result["startup_s"] = round(time.monotonic() - started, 1)
    result["memory_after_start_mib"] = proc_memory(serve.pid)
    first = {}
    with httpx.Client(base_url=url, timeout=60) as c:
        for name, call in kinds.items():  # cold: nothing cached yet
            t = time.monotonic()
            r = call(c)
            first[name] = {"status": r.status_code, "ms": round((time.monotonic() - t) * 1000, 1)}
    result["first_request"] = first
    times: dict[str, list[float]] = {k: [] for k in kinds}
    errors: list[str] = []
    stop = time.monotonic() + args.seconds
    lock = threading.Lock()

    def client() -> None:
        local = random.Random(threading.get_ident())
        with httpx.Client(base_url=url, timeout=60) as c:
            while time.monotonic() < stop:
                name = local.choice(list(kinds))
                t = time.monotonic()
                try:
                    r = kinds[name](c)
                    ok = r.status_code == 200
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                dt = time.monotonic() - t
                with lock:
                    (times[name] if ok else errors).append(dt if ok else f"{name}: {r}")  # type: ignore[arg-type]
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    result["latency"] = {k: percentiles(v) for k, v in times.items()}
    result["requests_per_s"] = round(sum(len(v) for v in times.values()) / elapsed, 1)
    result["errors"] = len(errors)
    result["error_sample"] = [str(e)[:200] for e in errors[:5]]
    result["memory_after_load_mib"] = proc_memory(serve.pid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--routes", type=int, default=20000, help="routes the member sends the route server")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ixbench"))
    ap.add_argument("--sessions", type=int, default=1,
                    help="BGP sessions on the route server (> 1: bench/serve_scale.py, --routes spread over them)")
    args = ap.parse_args()
    # a SIGTERM (timeout, make) unwinds like Ctrl-C: the finally blocks stop every process started here
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.sessions > 1:
        return scaled(args)

    base = _scenario(args.members, args.root)
    asn, registered, rs_asn = _member(base)
    rng = random.Random(1)
    accepted = registered[:int(args.routes * 0.95)]
    filtered = []
    for p in accepted[:max(1, args.routes - len(accepted))]:  # the /25s of some /24s: rejected, tagged
        net, length = p.split("/")
        if int(length) <= 24:
            filtered.append(f"{net}/25")
    tmp = Path(tempfile.mkdtemp(prefix="ixpctl-serve-bench-"))
    procs: list[subprocess.Popen] = []
    result: dict = {"members": args.members, "member": asn, "routes_accepted": len(accepted),
                    "routes_filtered": len(filtered), "clients": args.clients, "seconds": args.seconds}
    try:
        rs_port, feeder_port = _free_port(), _free_port("127.0.0.2")
        _bird_configs(tmp, rs_asn, asn, accepted, filtered, rs_port, feeder_port)
        for name in ("rs", "feeder"):
            procs.append(subprocess.Popen(["bird", "-f", "-c", str(tmp / f"{name}.conf"), "-s", str(tmp / f"{name}.ctl")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sock = str(tmp / "rs.ctl")

        def loaded() -> bool:
            out = subprocess.run(["birdc", "-s", sock, "show", "protocols", "all", f"AS{asn}_1_v4"],
                                 capture_output=True, text=True, check=False).stdout
            return f"{len(accepted)} imported, {len(filtered)} filtered" in out
        try:
            _wait(loaded, 120, "the route server to hold the member's routes")
        except RuntimeError:
            print(subprocess.run(["birdc", "-s", sock, "show", "protocols", "all"], capture_output=True,
                                 text=True, check=False).stdout[-3000:], file=sys.stderr)
            raise
        check_prefixes = [("prefix", p) for p in rng.sample(registered, min(95, len(registered)))] + \
            [("prefix", f"10.{n}.0.0/16") for n in range(5)]
        kinds = {
            "filtered": lambda c: c.get(f"/api/v1/route-servers/rs1/members/{asn}/routes",
                                        params={"filtered": "true"}),
            "lookup": lambda c: c.get("/api/v1/lookup", params={"q": rng.choice(accepted)}),
            "check": lambda c: c.get("/api/v1/check", params=[("asn", str(asn)), *check_prefixes]),
        }
        _load(args, base, sock, tmp, procs, result, kinds)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    result["cpus"] = os.cpu_count()
    print(json.dumps(result, indent=1))


def scaled(args) -> None:
    """--sessions > 1: bench/serve_scale.py's route server (S sessions, --routes over them), the same
    service and clients, a wider request mix."""
    import serve_scale

    base = _scenario(args.members, args.root)
    check_asn, registered, rs_asn = _member(base)
    asns = serve_scale.member_asns(base, args.sessions)
    per_session = max(1, args.routes // args.sessions)
    tmp = Path(tempfile.mkdtemp(prefix="ixpctl-serve-bench-"))
    procs: list[subprocess.Popen] = []
    result: dict = {"members": args.members, "sessions": args.sessions, "routes_per_session": per_session,
                    "clients": args.clients, "seconds": args.seconds}
    try:
        pool = _fixed_ports(2 * len(asns))
        ports = list(zip(pool[0::2], pool[1::2], strict=True))
        accepted, filtered = serve_scale.write_configs(tmp, rs_asn, asns, per_session, ports)
        result.update(routes_accepted=accepted, routes_filtered=filtered)
        started = time.monotonic()
        for name in ("rs", "feeder"):
            procs.append(subprocess.Popen(["bird", "-f", "-c", str(tmp / f"{name}.conf"), "-s", str(tmp / f"{name}.ctl")],
                                          stdout=subprocess.DEVNULL, stderr=open(tmp / f"{name}.log", "w")))  # noqa: SIM115
        sock = str(tmp / "rs.ctl")
        _wait(lambda: serve_scale.loaded(sock, accepted, filtered), 1800, "the route server to hold every route")
        result["route_server_loaded_s"] = round(time.monotonic() - started, 1)
        result["route_server_memory_mib"] = proc_memory(procs[0].pid)
        rng = random.Random(1)
        check_prefixes = [("prefix", p) for p in rng.sample(registered, min(95, len(registered)))] + \
            [("prefix", f"10.{n}.0.0/16") for n in range(5)]

        def member() -> tuple[int, int]:
            i = rng.randrange(len(asns))
            return i, asns[i]

        def lookup(c):
            i, _ = member()
            return c.get("/api/v1/lookup", params={"q": rng.choice(serve_scale.prefixes(i, per_session)[0] or ["1.0.0.0/24"])})

        kinds = {
            "filtered": lambda c: c.get(f"/api/v1/route-servers/rs1/members/{member()[1]}/routes",
                                        params={"filtered": "true"}),
            "lookup": lookup,
            "check": lambda c: c.get("/api/v1/check", params=[("asn", str(check_asn)), *check_prefixes]),
            "sessions": lambda c: c.get("/api/v1/route-servers/rs1/sessions", params={"page_size": "100"}),
            "bw_protocols": lambda c: c.get("/birdwatcher/rs1/protocols/bgp"),
            "bw_filtered": lambda c: c.get(f"/birdwatcher/rs1/routes/filtered/AS{member()[1]}_1_v4"),
            # a member's accepted routes: one walk of BIRD's table each (no background copy of 475 k routes)
            "accepted": lambda c: c.get(f"/api/v1/route-servers/rs1/members/{member()[1]}/routes"),
        }
        _load(args, base, sock, tmp, procs, result, kinds)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    result["cpus"] = os.cpu_count()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
