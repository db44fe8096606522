"""Smoke run of the benchmark's ixpctl side at N=20 (no arouteserver): the generator is deterministic,
its inventory + snapshot build with `ixpctl build` (real `bird -p`), and the self-check engine decides
the scenario's own routes. The full benchmark is `make bench` (bench/run.py), not part of the tests."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.inventory.loader import load_inventory
from ixpctl.policy.evaluate import PolicyEngine, Route
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.sources.snapshot import read_snapshot

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import generate
import scenario

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]


def test_scenario_is_deterministic_and_shaped():
    a, b = scenario.make_scenario(20, 1), scenario.make_scenario(20, 1)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert json.dumps(scenario.make_scenario(20, 2), sort_keys=True) != json.dumps(a, sort_keys=True)
    st = scenario.stats(a)
    assert st["tiers"] == {"small": 15, "medium": 3, "large": 1, "huge": 1}
    assert st["members_32bit"] > 0 and st["sessions_v6"] > 0
    objects = st["route_objects_v4"] + st["route_objects_v6"]
    assert 0.80 < (st["vrps_v4"] + st["vrps_v6"]) / objects < 0.90
    # overlap: a large/huge AS-SET contains other members' ASNs
    member_asns = {m["asn"] for m in a["members"]}
    big = [m for m in a["members"] if m["tier"] in ("large", "huge") and m["as_set"]]
    assert any(len(set(a["irr"]["as_sets"][m["as_set"]]) & (member_asns - {m["asn"]})) for m in big)


def test_bench_n20_builds_and_decides(tmp_path):
    base = generate.generate(20, 1, tmp_path, with_ars=False)
    ix = base / "ixpctl"
    result = CliRunner().invoke(main, ["-i", str(ix / "inventory"), "-p", str(ix / "policy.yml"), "build",
                                       "--snapshot", str(ix / "snapshot"), "-o", str(tmp_path / "build"), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output[-2000:]
    summary = json.loads(result.stdout)
    stats = json.loads((base / "stats.json").read_text())
    assert summary["configs"][0]["sessions"] == stats["sessions_v4"] + stats["sessions_v6"]
    assert summary["configs"][0]["demo_mode"] is False

    sc = json.loads((base / "scenario.json").read_text())
    loaded = load_inventory(ix / "inventory")
    intent = compile_route_server(loaded, load_policy(ix / "policy.yml"), read_snapshot(ix / "snapshot"),
                                  loaded.inventory.route_servers[0])
    engine = PolicyEngine(intent)
    vrp = {(v["prefix"], v["asn"]) for v in sc["rpki"]["vrps"]}
    m = next(m for m in sc["members"] if m["tier"] == "small")
    s = engine.session_for(m["asn"], 4)
    for p in sc["irr"]["route_objects"][str(m["asn"])]["ipv4"]:
        v = engine.evaluate(Route.make(p, [m["asn"]], s.neighbor), s)
        assert v.accepted and v.rpki == ("valid" if (p, m["asn"]) in vrp else "not-found")
        assert engine.evaluate(Route.make(p, [m["asn"], 400_001], s.neighbor), s).check == "irr_origin"
        assert engine.evaluate(Route.make("60.0.0.0/24", [m["asn"]], s.neighbor), s).check == "irr_prefix"
