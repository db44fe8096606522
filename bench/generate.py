"""Write one synthetic IXP (``bench/scenario.py``) as input for both tools.

    .venv/bin/python bench/generate.py -n 200 [--seed 1] [-o /tmp/ixbench] [--no-ars]

Output under ``OUT/n<N>/``:

- ``scenario.json``                 the scenario (schema ixp-bench-scenario/1) and ``stats.json``
- ``ixpctl/inventory/ixp.yml``      inventory: one LAN, rs1, N members (AS-SET or aut-num, 1-2 routers)
- ``ixpctl/policy.yml``             policies/default.yml with the knobs set to what arouteserver's
                                    recommended policy does (see POLICY_CHANGES), + ``bogons.yml``
- ``ixpctl/snapshot/``              facts snapshot (``write_snapshot``): IRR expansions, PeeringDB, VRPs
- ``ars/``                          arouteserver: ``arouteserver.yml``, ``general.yml`` (the output of
                                    ``arouteserver configure`` + the offline patches), ``clients.yml``,
                                    ``rpki/vrps.json`` (rpki-client format), ``local/logging.local``,
                                    ``cache.pristine/`` (IRR + PeeringDB cache, by ``ars_cache.py``)

The arouteserver part needs ``bench/.venv-ars`` (``make``-less: ``python3 -m venv bench/.venv-ars &&
bench/.venv-ars/bin/pip install arouteserver==1.27.0``); ``--no-ars`` skips it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from scenario import expansion_asns, make_scenario, stats, write_scenario

from ixpctl.sources.facts import Facts, IrrExpansion, PdbNetwork, Provenance
from ixpctl.sources.snapshot import data_sha256
from ixpctl.sources.snapshot_write import write_snapshot

ARS_VENV = REPO / "bench" / ".venv-ars"
ARS_TARGET = "2.0.11"  # newest arouteserver BIRD target not newer than Debian 12's BIRD 2.0.12

# ixpctl's default policy, changed where arouteserver's recommended policy differs, so that both
# tools take the same decisions on the same routes (documented in RESULTS.md):
POLICY_CHANGES = {
    ("irr", "allow_more_specifics"): True,           # ARS allow_longer_prefixes: true
    ("max_prefix", "headroom", "absolute"): 0,       # ARS max_prefix increment patched to 0/0
    ("max_prefix", "headroom", "relative"): 0,
    ("max_prefix", "action"): "disable",             # ARS action: shutdown (BIRD "action disable")
    ("as_path", "transit_free", "asns"): None,       # set to scenario.TRANSIT_FREE (ARS's list)
}


def yaml() -> YAML:
    y = YAML()
    y.default_flow_style = False
    y.width = 200
    return y


# --- ixpctl --------------------------------------------------------------------------------------

def ixpctl_inventory(sc: dict) -> dict:
    lan = sc["ixp"]["peering_lan"]
    rs = sc["route_servers"][0]
    members = []
    for m in sc["members"]:
        entry = {"asn": m["asn"], "name": m["name"],
                 "connections": [{k: v for k, v in r.items() if v} for r in m["routers"]]}
        if m["as_set"]:
            entry["as_set"] = m["as_set"]
        members.append(entry)
    return {
        "ixp": {"name": sc["ixp"]["name"], "rs_asn": sc["ixp"]["rs_asn"],
                "lans": [{"name": "lan", "vlan": 10, "ipv4": lan["ipv4"], "ipv6": lan["ipv6"]}]},
        "route_servers": [{"name": rs["name"], "router_id": rs["router_id"], "ipv4": rs["ipv4"],
                           "ipv6": rs["ipv6"]}],
        "members": members,
    }


def ixpctl_member_facts(facts: Facts, sc: dict, m: dict, ro: dict) -> None:
    asns = expansion_asns(m, sc["irr"]["as_sets"])
    p4 = [p for a in asns for p in ro.get(a, {}).get("ipv4", [])]
    p6 = [p for a in asns for p in ro.get(a, {}).get("ipv6", [])]
    query = m["as_set"] or f"AS{m['asn']}"
    facts.irr[query] = IrrExpansion(query, asns, [(p, int(p[p.index("/") + 1:]), int(p[p.index("/") + 1:]))
                                                  for p in p4],
                                    [(p, int(p[p.index("/") + 1:]), int(p[p.index("/") + 1:])) for p in p6])
    facts.peeringdb[m["asn"]] = PdbNetwork(m["asn"], m["name"], irr_as_set=m["as_set"] or "",
                                           info_prefixes4=m["max_prefix"]["ipv4"],
                                           info_prefixes6=m["max_prefix"]["ipv6"])


def ixpctl_facts(sc: dict) -> Facts:
    facts = Facts()
    ro = {int(k): v for k, v in sc["irr"]["route_objects"].items()}
    for m in sc["members"]:
        ixpctl_member_facts(facts, sc, m, ro)
    facts.never_via_rs = list(sc["never_via_route_servers"])
    for a in sc["never_via_route_servers"]:
        facts.peeringdb[a] = PdbNetwork(a, f"Never via RS {a}", never_via_route_servers=True)
    facts.vrps = [(v["prefix"], v["max_length"], v["asn"]) for v in sc["rpki"]["vrps"]]
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    for source, data in (("peeringdb", [1]), ("irr", [2]), ("rpki", [3])):
        facts.provenance[source] = Provenance(source, "bench/scenario.py", now, data_sha256([sc["seed"], data]),
                                              {"scenario_n": sc["n"]})
    return facts


def write_policy(sc: dict, directory: Path) -> Path:
    y = yaml()
    data = y.load((REPO / "policies" / "default.yml").read_text())
    for path, value in POLICY_CHANGES.items():
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = list(sc["transit_free"]) if value is None else value
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "policy.yml").open("w") as fh:
        fh.write("# Generated by bench/generate.py: policies/default.yml with the knobs arouteserver's\n"
                 "# recommended policy sets differently (see POLICY_CHANGES there).\n")
        y.dump(data, fh)
    shutil.copy(REPO / "policies" / "bogons.yml", directory / "bogons.yml")
    return directory / "policy.yml"


def write_ixpctl(sc: dict, out: Path) -> None:
    inv_dir = out / "inventory"
    inv_dir.mkdir(parents=True, exist_ok=True)
    with (inv_dir / "ixp.yml").open("w") as fh:
        yaml().dump(ixpctl_inventory(sc), fh)
    write_policy(sc, out)
    write_snapshot(ixpctl_facts(sc), out / "snapshot")


# --- arouteserver --------------------------------------------------------------------------------

def ars_bin(name: str = "arouteserver") -> str:
    return str(ARS_VENV / "bin" / name)


def ars_templates(root: Path) -> Path:
    """arouteserver's templates and distributed files, installed once by `arouteserver setup`."""
    setup = root / "ars-setup"
    if not (setup / "templates" / "bird" / "main.j2").exists():
        shutil.rmtree(setup, ignore_errors=True)
        subprocess.run(["unshare", "-n", ars_bin(), "setup", "--dest-dir", str(setup)], input="yes\n" * 20,
                       text=True, check=True, capture_output=True)
    return setup


def write_ars(sc: dict, scenario_path: Path, out: Path, root: Path) -> None:
    setup = ars_templates(root)
    out.mkdir(parents=True, exist_ok=True)
    for d in ("local", "rpki", "run"):
        (out / d).mkdir(exist_ok=True)
    shutil.copy(setup / "bogons.yml", out / "bogons.yml")
    shutil.copy(setup / "log.ini", out / "log.ini")
    (out / "arouteserver.yml").write_text(
        f'cfg_dir: "{out}"\nlogging_config_file: "log.ini"\ncfg_general: "general.yml"\n'
        f'cfg_clients: "clients.yml"\ncfg_bogons: "bogons.yml"\ntemplates_dir: "{setup / "templates"}"\n'
        f'template_name: "main.j2"\ncache_dir: "{out / "cache"}"\nbgpq3_path: "bgpq4"\n'
        f'bgpq3_host: "127.0.0.1:4343"\nthreads: 4\ncheck_new_release: False\n')
    # general.yml: arouteserver's own recommended policy, from its configure wizard
    rs = sc["route_servers"][0]
    (out / "general.yml").unlink(missing_ok=True)  # configure asks before overwriting
    subprocess.run(["unshare", "-n", ars_bin(), "configure", "--cfg", str(out / "arouteserver.yml"),
                    "-o", str(out / "general.yml"), "--preset-answer", "daemon=bird", f"version={ARS_TARGET}",
                    f"asn={sc['ixp']['rs_asn']}", f"router_id={rs['router_id']}",
                    "black_list=198.18.255.0/24"], check=True, capture_output=True, text=True)
    y = yaml()
    y.preserve_quotes = True  # '64512:11' must stay quoted: PyYAML (YAML 1.1) would read a sexagesimal int
    general = y.load((out / "general.yml").read_text())
    cfg = general["cfg"]
    # offline patches (same as the baseline run): local VRP file, all trust anchors, no registro.br
    # dump, max-prefix = PeeringDB value exactly
    cfg["rpki_roas"] = {"source": "ripe-rpki-validator-cache",
                        "ripe_rpki_validator_url": [str(out / "rpki" / "vrps.json")],
                        "allowed_trust_anchors": ["APNIC RPKI Root", "AfriNIC RPKI Root", "LACNIC RPKI Root",
                                                  "RIPE NCC RPKI Root", "apnic", "afrinic", "lacnic", "ripe",
                                                  "arin", "ARIN RPKI Root"]}
    cfg["filtering"]["irrdb"]["use_registrobr_bulk_whois_data"]["enabled"] = False
    cfg["filtering"]["max_prefix"]["peering_db"]["increment"] = {"absolute": 0, "relative": 0}
    with (out / "general.yml").open("w") as fh:
        fh.write("# `arouteserver configure` output (recommended policy) + bench/generate.py offline patches\n")
        y.dump(general, fh)
    clients = []
    for m in sc["members"]:
        ips = [a for r in m["routers"] for a in (r["ipv4"], r["ipv6"]) if a]
        client = {"asn": m["asn"], "ip": ips, "description": m["name"]}
        if m["as_set"]:
            client["cfg"] = {"filtering": {"irrdb": {"as_sets": [m["as_set"]]}}}
        clients.append(client)
    with (out / "clients.yml").open("w") as fh:
        yaml().dump({"clients": clients}, fh)
    buildtime = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    vrps = {"metadata": {"buildtime": buildtime},
            "roas": [{"asn": v["asn"], "prefix": v["prefix"], "maxLength": v["max_length"], "ta": v["ta"]}
                     for v in sc["rpki"]["vrps"]], "aspas": []}
    (out / "rpki" / "vrps.json").write_text(json.dumps(vrps))
    # BIRD logging: arouteserver's default writes /var/log/bird.log + syslog with debug protocols;
    # replaced by an info-level file under the run directory (as in the baseline)
    (out / "local" / "logging.local").write_text(f'log "{out / "run" / "bird.log"}" {{ info, remote, warning, '
                                                 'error, auth, fatal, bug };\nlog syslog all;\n')
    shutil.rmtree(out / "cache.pristine", ignore_errors=True)
    subprocess.run([ars_bin("python"), str(REPO / "bench" / "ars_cache.py"), str(scenario_path),
                    str(out / "cache.pristine")], check=True)


def ars_build_command(ars_dir: Path, conf: Path) -> list[str]:
    return [ars_bin(), "bird", "--cfg", str(ars_dir / "arouteserver.yml"), "--target-version", ARS_TARGET,
            "--use-local-files", "logging", "--local-files-dir", str(ars_dir / "local"), "-o", str(conf)]


def generate(n: int, seed: int, root: Path, with_ars: bool = True) -> Path:
    base = root / f"n{n}"
    base.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    sc = make_scenario(n, seed)
    digest = write_scenario(sc, base / "scenario.json")
    st = stats(sc)
    st["sha256"] = digest
    (base / "stats.json").write_text(json.dumps(st, indent=1))
    write_ixpctl(sc, base / "ixpctl")
    if with_ars:
        write_ars(sc, base / "scenario.json", base / "ars", root)
    print(f"n={n} seed={seed}: {base} ({time.monotonic() - started:.1f} s) sha256 {digest[:16]}", file=sys.stderr)
    return base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, action="append", required=True, help="members (repeatable)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--out", type=Path, default=Path("/tmp/ixbench"))
    ap.add_argument("--no-ars", action="store_true", help="ixpctl input only")
    args = ap.parse_args()
    for n in args.n:
        generate(n, args.seed, args.out, with_ars=not args.no_ars)


if __name__ == "__main__":
    main()
