"""Same filtering decisions: ixpctl's evaluator, ixpctl's BIRD config and arouteserver's BIRD config
decide the same sample of routes (N = 20 by default).

    .venv/bin/python bench/agreement.py /tmp/ixbench/n20 [--routes 3000] [--seed 7] [--json OUT]

Needs the inputs of ``bench/generate.py`` and arouteserver's config (``ars/bird.conf``, written by
``bench/run.py`` or by hand). Routes: valid (RPKI valid and not-found), wrong origin, prefix not
registered, RPKI invalid (wrong origin for a ROA / longer than maxLength), too long, plus a few of
every other check (NEXT_HOP, left-most AS, AS_PATH length, private ASN, transit-free, never via RS,
bogon), IPv4 and IPv6, over every session.

How: each config is run by a real BIRD 2.0.12 (own network namespace, only ``lo``, private control
socket, all BGP sessions ``disabled``); one ``protocol static`` per session feeds that session's
sample routes (AS_PATH, NEXT_HOP, communities set in the route block) through exactly the session's
import filter — for ixpctl the call of ``render_import_call``, for arouteserver its per-client
``filter receive_from_<client>``. The only edit to arouteserver's config is that its first line,
``if !(source = RTS_BGP) then reject``, is turned off (static routes are not BGP routes); the import
filter text is otherwise byte-identical. Verdicts are read back with ``birdc show route [filtered]
all`` (``import keep filtered on``) and the reject reason from ``(RS_ASN, 65520, code)``.
Verdict = accepted / rejected; the *reason* is compared too and every difference is explained by
the order of the checks (see ``REASON_ORDER_NOTES``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from ipaddress import ip_network
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ixpctl.inventory.loader import load_inventory
from ixpctl.policy.evaluate import PolicyEngine, Route
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.render.bird import render_import_call, render_route_server
from ixpctl.sources.snapshot import read_snapshot

RS_ASN = 59900
REASON_ORDER_NOTES = {
    # (ixpctl code, arouteserver code): why both reject but name a different first failure
    (13, 14): "too long AND RPKI invalid: ixpctl checks the prefix length before IRR/RPKI, arouteserver "
              "checks the length last (after RPKI)",
    (13, 12): "too long AND not registered: ixpctl checks the length first, arouteserver after IRR",
    (13, 9): "too long AND wrong origin: ixpctl checks the length first, arouteserver after IRR",
    (2, 10): "fc00::/7 (ULA): a bogon in ixpctl's bogons.yml (code 2); arouteserver rejects it as "
             "'IPv6 prefix not in global unicast space' (code 10) from its bogon function",
}


# --- sample --------------------------------------------------------------------------------------

def sample_routes(intent, sc: dict, count: int, seed: int) -> list[tuple[str, str, Route]]:
    """(kind, session name, route) for about ``count`` routes, prefixes unique per session."""
    rng = random.Random(seed)
    ro = {int(k): v for k, v in sc["irr"]["route_objects"].items()}
    vrp_of: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for v in sc["rpki"]["vrps"]:
        vrp_of[v["prefix"]].append((v["asn"], v["max_length"]))
    as_sets = sc["irr"]["as_sets"]
    members = {m["asn"]: m for m in sc["members"]}
    all_objects = {fam: [(p, int(o)) for o, v in ro.items() for p in v[fam]] for fam in ("ipv4", "ipv6")}
    never = sc["never_via_route_servers"]
    out: list[tuple[str, str, Route]] = []
    used: set[tuple[str, str]] = set()
    sessions = intent.sessions
    per_session = max(8, count // max(1, len(sessions)))

    def add(kind: str, s, prefix: str, path: list[int], nh: str | None = None, comms=()) -> None:
        if (s.name, prefix) in used:
            return
        used.add((s.name, prefix))
        out.append((kind, s.name, Route.make(prefix, path, nh or s.neighbor, communities=comms)))

    for s in sessions:
        m = members[s.member_asn]
        fam = "ipv4" if s.afi == 4 else "ipv6"
        top = 24 if s.afi == 4 else 48
        origins = sorted(set(as_sets[m["as_set"]]) | {m["asn"]}) if m["as_set"] else [m["asn"]]
        mine = [(p, o) for o in origins for p in ro.get(o, {}).get(fam, [])]
        if not mine:
            continue
        mine_set = {p for p, _ in mine}
        foreign = [(p, o) for p, o in rng.sample(all_objects[fam], min(400, len(all_objects[fam])))
                   if p not in mine_set]
        start = len(out)
        for _ in range(per_session * 4):
            if len(out) - start >= per_session:
                break
            p, o = rng.choice(mine)
            path = [s.member_asn] + ([o] if o != s.member_asn else [])
            r = rng.random()
            if r < 0.30:
                add("valid", s, p, path)
            elif r < 0.42:
                bad = rng.choice([a for a in range(400_000, 400_100)])  # nobody's ASN
                add("wrong origin", s, p, [s.member_asn, bad])
            elif r < 0.54 and foreign:
                fp, _fo = rng.choice(foreign)
                add("not registered", s, fp, path)
            elif r < 0.60:
                base = 60 << 24 if s.afi == 4 else 0x2c00 << 112  # unallocated in the scenario
                net = ip_network((base + rng.randrange(1 << 16) * (1 << (32 - top) if s.afi == 4 else 1 << 80),
                                  top))
                add("not registered", s, str(net), path)
            elif r < 0.72:
                # RPKI invalid: another origin of the AS-SET announces a prefix whose ROA names o
                others = [a for a in origins if a != o]
                net = ip_network(p)
                if vrp_of.get(p) and others:
                    add("rpki invalid (origin)", s, p, [s.member_asn, rng.choice(others)])
                elif vrp_of.get(p) and net.prefixlen < top and all(ml == net.prefixlen for _, ml in vrp_of[p]):
                    sub = next(net.subnets(new_prefix=net.prefixlen + 1))
                    add("rpki invalid (max length)", s, str(sub), path)
                else:
                    add("valid", s, p, path)
            elif r < 0.84:
                net = ip_network(p)
                sub = next(net.subnets(new_prefix=top + 1))
                add("too long", s, str(sub), path)
            else:
                kind = rng.choice(["next hop", "first as", "path length", "private asn", "transit free",
                                   "never via rs", "bogon", "graceful shutdown"])
                if kind == "next hop":
                    add(kind, s, p, path, nh="185.1.7.250" if s.afi == 4 else "2001:7f8:ff::ff:fa")
                elif kind == "first as":
                    add(kind, s, p, [64999 if s.member_asn != 64999 else 65001] + path[1:] + [o])
                elif kind == "path length":
                    add(kind, s, p, [s.member_asn] * 33 + path[1:])
                elif kind == "private asn":
                    add(kind, s, p, [s.member_asn, 64512, o])
                elif kind == "transit free":
                    add(kind, s, p, [s.member_asn, 3356, o])
                elif kind == "never via rs":
                    add(kind, s, p, [s.member_asn, rng.choice(never), o])
                elif kind == "bogon":
                    add(kind, s, "10.1.2.0/24" if s.afi == 4 else "fc00:1::/48", path)
                else:
                    add(kind, s, p, path, comms=[(65535, 0)])
    return out


# --- BIRD ----------------------------------------------------------------------------------------

def _route_block(route: Route) -> str:
    stmts = ["bgp_path = +empty+;"]
    for asn in reversed([a for _, asns in route.as_path for a in asns]):
        stmts.append(f"bgp_path.prepend({asn});")
    stmts.append(f"bgp_next_hop = {route.next_hop};")
    for a, b in sorted(route.communities):
        stmts.append(f"bgp_community.add(({a}, {b}));")
    return f"  route {route.prefix} blackhole {{ {' '.join(stmts)} }};"


def static_protocols(groups: dict[str, list[Route]], filter_of: dict[str, str], afi_of: dict[str, int]) -> str:
    parts = ["\n# ---- bench/agreement.py: sample routes through each session's import filter ----"]
    for index, (session, routes) in enumerate(sorted(groups.items())):
        body = "\n".join(_route_block(r) for r in routes)
        parts.append(f"protocol static hx{index} {{\n  ipv{afi_of[session]} {{ import keep filtered on; "
                     f"import filter {filter_of[session]}; }};\n{body}\n}}")
    return "\n".join(parts) + "\n"


_LINE = re.compile(r"^(\S+)\s+.*\[(\S+) ")
_CONT = re.compile(r"^\s+\S.*\[(\S+) ")


def parse_routes(text: str) -> dict[tuple[str, str], set]:
    out: dict[tuple[str, str], set] = {}
    current = None
    prefix = None
    for line in text.splitlines():
        if line.startswith("\t"):
            if current is not None and "BGP.large_community:" in line:
                out[current] |= {tuple(int(x) for x in t) for t in re.findall(r"\((\d+), (\d+), (\d+)\)", line)}
            continue
        m = _LINE.match(line)
        if m:
            prefix = m.group(1)
            current = (m.group(2), prefix)
            out.setdefault(current, set())
            continue
        m = _CONT.match(line)
        if m and prefix:
            current = (m.group(1), prefix)
            out.setdefault(current, set())
    return out


def run_bird(conf: Path, workdir: Path, roas: tuple[int, int], roa_tables: tuple[str, str]) -> dict:
    """Start BIRD on conf in its own network namespace, read every route back, stop it."""
    ctl = workdir / "bird.ctl"
    check = subprocess.run(["bird", "-p", "-c", str(conf)], capture_output=True, text=True, check=False)
    if check.returncode:
        raise SystemExit(f"bird -p {conf}: {check.stderr}")
    proc = subprocess.Popen(["unshare", "-n", "sh", "-c",
                             f'ip link set lo up && exec bird -f -c "{conf}" -s "{ctl}" -P "{workdir}/bird.pid"'],
                            stdout=subprocess.DEVNULL, stderr=(workdir / "bird.stderr").open("w"))

    def birdc(*args: str) -> str:
        return subprocess.run(["birdc", "-s", str(ctl), *args], capture_output=True, text=True, check=False,
                              timeout=600).stdout

    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if "Daemon is up" in birdc("show", "status"):
                counts = []
                for t in roa_tables:
                    m = re.search(r"(\d+) of \d+ routes", birdc("show", "route", "table", t, "count"))
                    counts.append(int(m.group(1)) if m else -1)
                if tuple(counts) == roas:
                    break
            time.sleep(0.2)
        else:
            raise SystemExit(f"BIRD on {conf} did not come up with its ROAs")
        birdc("reload", "in", "all")  # the ROA tables may have filled after the static routes
        time.sleep(1.0)
        found, filtered = {}, set()
        for table in ("master4", "master6"):
            found.update(parse_routes(birdc("show", "route", "table", table, "all")))
            flt = parse_routes(birdc("show", "route", "table", table, "filtered", "all"))
            filtered |= set(flt)
            found.update(flt)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"found": found, "filtered": filtered}


def reject_code(large: set) -> int | None:
    codes = [c for a, b, c in large if a == RS_ASN and b == 65520 and c != 0]
    return codes[0] if codes else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("base", type=Path)
    ap.add_argument("--routes", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    base = args.base
    work = base / "agreement"
    work.mkdir(exist_ok=True)
    sc = json.loads((base / "scenario.json").read_text())
    loaded = load_inventory(base / "ixpctl" / "inventory")
    lpolicy = load_policy(base / "ixpctl" / "policy.yml")
    facts = read_snapshot(base / "ixpctl" / "snapshot")
    intent = compile_route_server(loaded, lpolicy, facts, loaded.inventory.route_servers[0])
    sample = sample_routes(intent, sc, args.routes, args.seed)
    engine = PolicyEngine(intent)
    sessions = {s.name: s for s in intent.sessions}

    groups: dict[str, list[Route]] = defaultdict(list)
    for _kind, sname, route in sample:
        groups[sname].append(route)
    afi_of = {n: sessions[n].afi for n in groups}

    # ixpctl config + harness
    ix_conf = work / "ixpctl-harness.conf"
    ix_filter = {n: "{ " + render_import_call(intent, sessions[n]) + " }" for n in groups}
    ix_conf.write_text(render_route_server(intent, disable_sessions=True)
                       + static_protocols(groups, ix_filter, afi_of))
    # arouteserver config + harness: client id by neighbour address
    ars_text = (base / "ars" / "bird.conf").read_text()
    client_of = {ip: cid for cid, ip in re.findall(r"protocol bgp (\S+) \{.*?neighbor (\S+) as", ars_text, re.DOTALL)}
    ars_filter = {n: f"receive_from_{client_of[sessions[n].neighbor]}" for n in groups}
    patched, k = re.subn(r"if !\(source = RTS_BGP \) then", "if false then", ars_text)
    patched = re.sub(r"(protocol bgp \S+ \{\n)", r"\1\tdisabled;\n", patched)
    ars_conf = work / "ars-harness.conf"
    ars_conf.write_text(patched + static_protocols(groups, ars_filter, afi_of))

    roas = (len(intent.vrps4), len(intent.vrps6))
    t0 = time.monotonic()
    ix = run_bird(ix_conf, work, roas, ("rpki4", "rpki6"))
    ars = run_bird(ars_conf, work, roas, ("RPKI4", "RPKI6"))
    bird_seconds = time.monotonic() - t0

    index_of = {n: i for i, n in enumerate(sorted(groups))}
    rows = []
    for kind, sname, route in sample:
        py = engine.evaluate(route, sname)
        key_ix = (f"hx{index_of[sname]}", route.prefix)
        if key_ix not in ix["found"] or key_ix not in ars["found"]:
            raise SystemExit(f"route missing from BIRD output: {sname} {route.prefix}")
        ix_ok = key_ix not in ix["filtered"]
        ars_ok = key_ix not in ars["filtered"]
        rows.append({"kind": kind, "session": sname, "prefix": route.prefix,
                     "path": [a for _, s in route.as_path for a in s],
                     "py": py.accepted, "py_code": py.code,
                     "ixbird": ix_ok, "ixbird_code": None if ix_ok else reject_code(ix["found"][key_ix]),
                     "ars": ars_ok, "ars_code": None if ars_ok else reject_code(ars["found"][key_ix])})
    verdict_agree = sum(1 for r in rows if r["py"] == r["ixbird"] == r["ars"])
    code_py_ix = sum(1 for r in rows if r["py_code"] == r["ixbird_code"])
    code_ix_ars = sum(1 for r in rows if r["ixbird_code"] == r["ars_code"])
    diffs = Counter((r["ixbird_code"], r["ars_code"]) for r in rows if r["ixbird_code"] != r["ars_code"])
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        by_kind[r["kind"]]["routes"] += 1
        by_kind[r["kind"]]["accepted (all three)"] += r["py"] and r["ixbird"] and r["ars"]
        by_kind[r["kind"]]["verdicts agree"] += r["py"] == r["ixbird"] == r["ars"]
    summary = {
        "routes": len(rows), "sessions": len(groups), "ars_source_check_lines_disabled": k,
        "verdicts_agree_all_three": verdict_agree,
        "reason_python_eq_ixpctl_bird": code_py_ix,
        "reason_ixpctl_eq_arouteserver": code_ix_ars,
        "reason_differences": {f"ixpctl {a} / arouteserver {b}": {"routes": c, "why": REASON_ORDER_NOTES.get(
            (a, b), "UNEXPLAINED")} for (a, b), c in diffs.most_common()},
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "disagreements": [r for r in rows if not (r["py"] == r["ixbird"] == r["ars"])][:20],
        "bird_seconds": round(bird_seconds, 1),
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    if verdict_agree != len(rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
