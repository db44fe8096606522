"""RPKI data in a real BIRD 2: static ROA tables accepted by `bird -p`, and VRPs served by StayRTR over
RTR reaching a running BIRD (and changes to the VRP file arriving). Local only: 127.0.0.1, ephemeral
ports, every daemon stopped by PID in teardown."""

from __future__ import annotations

import ipaddress
import json
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ixpctl.sources.rpki import (
    RovTable,
    bird_static_roa_config,
    load_vrps,
    roa_table_entries,
    write_bird_static_roa_config,
)
from tests.support.rpki_daemons import bird_daemon, log_tail, require, stayrtr, wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MLIX_VRPS = REPO / "examples" / "mlix" / "vrps.json"


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temp dir removed after the test, pass or fail (daemon sockets, pidfiles, logs)."""
    path = Path(tempfile.mkdtemp(prefix="ixpctl-rpki-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def bird_parse(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bird", "-p", "-c", str(config)], check=False, capture_output=True, text=True,
                          timeout=60)


def test_static_roa_tables_for_the_mlix_vrps_are_accepted_by_bird(workdir):
    require("bird")
    load = load_vrps(MLIX_VRPS)
    config = write_bird_static_roa_config(load.vrps, workdir / "roa.conf")
    result = bird_parse(config)
    assert result.returncode == 0, result.stderr + config.read_text()


def test_static_roa_tables_with_many_vrps_and_an_empty_family(workdir):
    require("bird")
    vrps = [(f"10.{i // 256}.{i % 256}.0/24", 24 + i % 9, 64496 + i % 16) for i in range(5000)]
    config = write_bird_static_roa_config(vrps, workdir / "roa.conf")  # no IPv6 VRP at all
    result = bird_parse(config)
    assert result.returncode == 0, result.stderr


def test_bird_rejects_a_broken_roa_line_so_the_check_is_real(workdir):
    require("bird")
    v4, _ = roa_table_entries([("198.51.100.0/24", 24, 64496)])
    config = workdir / "bad.conf"
    config.write_text("roa4 table r4;\nprotocol static { roa4 { table r4; };\n"
                      + v4[0].replace("max 24", "max 40") + "\n}\n")
    assert bird_parse(config).returncode != 0


def _rtr_config(port: int) -> str:
    return f"""
router id 192.0.2.254;
roa4 table r4;
roa6 table r6;
protocol device {{}}
protocol rpki rtr1 {{
  roa4 {{ table r4; }};
  roa6 {{ table r6; }};
  remote 127.0.0.1 port {port};
  retry keep 1; refresh keep 30; expire keep 600;
}}
"""


def test_stayrtr_serves_vrps_to_bird_and_file_changes_arrive(workdir):
    require("bird", "birdc", "stayrtr")
    load = load_vrps(MLIX_VRPS)
    v4 = sum(1 for p, _, _ in load.vrps if ":" not in p)
    v6 = len(load.vrps) - v4
    cache = workdir / "vrps.json"
    cache.write_text(MLIX_VRPS.read_text())
    with stayrtr(cache, workdir, refresh=1) as rtr, bird_daemon(_rtr_config(rtr.port), workdir) as bird:
        wait_for(lambda: bird.route_count("r4") == v4 and bird.route_count("r6") == v6, 20,
                 lambda: f"BIRD to hold {v4} IPv4 and {v6} IPv6 ROAs\n{log_tail(rtr.log, bird.log)}")
        assert "198.18.9.0/24-24 AS65551" in bird.cli("show", "route", "table", "r4")
        assert "2001:db8:1200::/48-48 AS65542" in bird.cli("show", "route", "table", "r6")

        # The validator publishes a new run: one ROA gone, one added (written atomically, as validators do).
        data = json.loads(cache.read_text())
        data["roas"] = [r for r in data["roas"] if r["prefix"] != "198.18.9.0/24"]
        data["roas"].append({"asn": "AS64511", "prefix": "203.0.113.0/25", "maxLength": 25})
        staging = workdir / "vrps.json.new"
        staging.write_text(json.dumps(data))
        staging.replace(cache)

        wait_for(lambda: "203.0.113.0/25-25 AS64511" in bird.cli("show", "route", "table", "r4"), 20,
                 lambda: f"the new ROA to reach BIRD\n{log_tail(rtr.log, bird.log)}")
        wait_for(lambda: "198.18.9.0/24-24 AS65551" not in bird.cli("show", "route", "table", "r4"), 10,
                 "the removed ROA to leave BIRD")
        assert bird.route_count("r4") == v4
    assert rtr.proc.poll() is not None and bird.proc.poll() is not None  # both stopped by PID



# --- differential: RovTable and BIRD's roa_check() agree ------------------------------------------

DIFF_ORIGINS = [0, 64496, 64497, 64498, 65536]
STATE_BY_PREFERENCE = {200: "not-found", 201: "valid", 202: "invalid"}


def _random_case(seed: int) -> tuple[list[tuple[str, int, int]], dict[int, list[str]]]:
    """Overlapping VRPs in a small space, and routes (some inside VRPs) per origin ASN."""
    rnd = random.Random(seed)
    vrps = set()
    for _ in range(150):
        length = rnd.randint(14, 24)
        net = ipaddress.IPv4Network((0xC6120000 | rnd.getrandbits(16), length), strict=False)
        vrps.add((str(net), rnd.randint(length, min(32, length + 4)), rnd.choice(DIFF_ORIGINS)))
        length6 = rnd.randint(32, 48)
        net6 = ipaddress.IPv6Network(((0x20010DB8 << 96) | (rnd.getrandbits(24) << 72), length6), strict=False)
        vrps.add((str(net6), rnd.randint(length6, length6 + 8), rnd.choice(DIFF_ORIGINS)))
    ordered = sorted(vrps)
    routes: dict[int, set[str]] = {asn: set() for asn in DIFF_ORIGINS[1:]}
    for prefix, _, _ in ordered * 3:
        net = ipaddress.ip_network(prefix)
        extra = rnd.randint(0, 6)
        offset = rnd.getrandbits(extra) << (net.max_prefixlen - net.prefixlen - extra) if extra else 0
        sub = ipaddress.ip_network((int(net.network_address) | offset, net.prefixlen + extra))
        routes[rnd.choice(DIFF_ORIGINS[1:])].add(str(sub))
    for _ in range(200):  # and some that nothing covers, or only less specifics do
        net = ipaddress.IPv4Network((0xC6120000 | rnd.getrandbits(17), rnd.randint(12, 28)), strict=False)
        routes[rnd.choice(DIFF_ORIGINS[1:])].add(str(net))
    for _ in range(20):  # IPv6 less specifics than any VRP: not-found
        less_specific = ipaddress.IPv6Network(f"2001:db8::/{rnd.randint(28, 31)}", strict=False)
        routes[rnd.choice(DIFF_ORIGINS[1:])].add(str(less_specific))
    return ordered, {asn: sorted(r) for asn, r in routes.items()}


def _diff_config(vrps, routes: dict[int, list[str]]) -> str:
    parts = [bird_static_roa_config(vrps), "ipv4 table t4;", "ipv6 table t6;", ""]
    for asn, prefixes in routes.items():
        for family, table, roa, mine in (("ipv4", "t4", "r4", [p for p in prefixes if ":" not in p]),
                                         ("ipv6", "t6", "r6", [p for p in prefixes if ":" in p])):
            if not mine:
                continue
            parts += [f"protocol static o{asn}_{family} {{", "  disabled;",
                      f"  {family} {{ table {table}; import filter {{",
                      f"    if roa_check({roa}, net, {asn}) = ROA_VALID then preference = 201;",
                      f"    else if roa_check({roa}, net, {asn}) = ROA_INVALID then preference = 202;",
                      "    else preference = 200;", "    accept; }; };"]
            parts += [f"  route {p} blackhole;" for p in mine] + ["}", ""]
    return "\n".join(parts)


def _bird_states(bird, table: str) -> dict[tuple[str, int], str]:
    states = {}
    prefix = None
    for line in bird.cli("show", "route", "table", table).splitlines():
        m = re.match(r"^(\S+/\d+)?\s+blackhole \[o(\d+)_ipv[46] [^\]]*\]\s+\*?\s*\((\d+)\)", line)
        if not m:
            continue
        prefix = m.group(1) or prefix
        states[(prefix, int(m.group(2)))] = STATE_BY_PREFERENCE[int(m.group(3))]
    return states


@pytest.mark.parametrize("seed", [1, 2])
def test_rov_table_agrees_with_bird_roa_check(workdir, seed):
    """Rule 1 of the design for RPKI: Python's verdict is BIRD's verdict, route by route."""
    require("bird", "birdc")
    vrps, routes = _random_case(seed)
    with bird_daemon(_diff_config(vrps, routes), workdir) as bird:
        v4 = sum(1 for p, _, _ in vrps if ":" not in p)
        wait_for(lambda: bird.route_count("r4") == v4 and bird.route_count("r6") == len(vrps) - v4, 10,
                 lambda: f"the static ROA tables to load\n{log_tail(bird.log)}")
        for asn, prefixes in routes.items():  # only now: every route is checked against full ROA tables
            for family in ("ipv4", "ipv6"):
                if any((":" in p) == (family == "ipv6") for p in prefixes):
                    bird.cli("enable", f"o{asn}_{family}")
        expected_total = sum(len(p) for p in routes.values())
        wait_for(lambda: bird.route_count("t4") + bird.route_count("t6") == expected_total, 10,
                 lambda: f"{expected_total} routes in t4/t6\n{log_tail(bird.log)}")
        seen = {**_bird_states(bird, "t4"), **_bird_states(bird, "t6")}
    table = RovTable(vrps)
    assert len(seen) == expected_total
    mismatches = [(p, asn, state, table.validate(p, asn)) for (p, asn), state in sorted(seen.items())
                  if table.validate(p, asn) != state]
    assert not mismatches, mismatches[:10]
    assert {"valid", "invalid", "not-found"} <= set(seen.values())
