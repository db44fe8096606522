"""`ixpctl build` end to end: real rendering, real `bird -p`, atomic all-or-nothing output."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.deploy.bird_binaries import BirdBinaries
from ixpctl.sources.facts import Provenance
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.builders import base_inventory, write_inventory
from tests.support.ixp_repo import output_tree
from tests.support.policy_cases import policy_facts
from tests.support.synthetic import synthetic_ixp

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]
REPO = Path(__file__).resolve().parents[2]
POLICY = str(REPO / "policies" / "default.yml")


def make_repo(tmp_path: Path, inventory: dict, facts=None) -> tuple[Path, Path]:
    inv = write_inventory(tmp_path / "inventory", inventory)
    facts = facts or policy_facts()
    for source in ("peeringdb", "irr", "rpki"):
        facts.provenance[source] = Provenance(source, "test", "2026-11-22T00:00:00Z", "0" * 64)
    snap = tmp_path / "snapshot"
    write_snapshot(facts, snap)
    return inv, snap


def run_build(inv: Path, snap: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["-i", str(inv), "-p", POLICY, "build", "--snapshot", str(snap),
                                     "-o", str(out), *extra], catch_exceptions=False)


def test_build_writes_checked_configs_for_every_route_server(tmp_path):
    inv, snap = make_repo(tmp_path, base_inventory())
    result = run_build(inv, snap, tmp_path / "build", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [c["route_server"] for c in summary["configs"]] == ["rs1", "rs2"]
    rs1 = (tmp_path / "build" / "rs1.conf").read_text()
    rs2 = (tmp_path / "build" / "rs2.conf").read_text()
    assert "router id 192.0.2.1;" in rs1 and "router id 192.0.2.2;" in rs2
    # identical policy on both route servers: only identity lines differ
    diff = {l for l in rs1.splitlines() if l not in rs2.splitlines()}
    assert all(("192.0.2.1" in l or "2001:db8:0:10::1" in l or "rs1" in l) for l in diff), diff
    assert summary["configs"][0]["demo_mode"] is True
    assert "DEMO MODE" in rs1
    assert "ASPA path verification (needs BIRD >= 2.16)" in summary["configs"][0]["left_out"]
    members = {m["asn"]: m for m in summary["members"]}
    assert members[64501]["prefixes4"] == 4 and members[64501]["sessions"] == 2
    assert members[64501]["prefixes6"] > 0 and members[64501]["origins"] > 0
    raw = (tmp_path / "build" / "rs1.conf").read_bytes()
    assert summary["configs"][0]["bytes"] == len(raw) and summary["configs"][0]["lines"] == raw.count(b"\n")


def test_invalid_inventory_builds_nothing(tmp_path):
    data = base_inventory()
    data["members"][1]["asn"] = data["members"][0]["asn"]
    inv, snap = make_repo(tmp_path, data)
    result = run_build(inv, snap, tmp_path / "build")
    assert result.exit_code == 1 and "nothing was built" in result.output
    assert not (tmp_path / "build" / "rs1.conf").exists()


def test_bird_rejection_keeps_previous_configs_untouched(tmp_path):
    inv, snap = make_repo(tmp_path, base_inventory())
    out = tmp_path / "build"
    assert run_build(inv, snap, out).exit_code == 0
    before = output_tree(out)
    # A real BIRD that sees one broken line at the end of the file: it must reject, and nothing changes.
    wrapper = tmp_path / "bird-broken"
    real = BirdBinaries().for_series("2.0").path  # base_inventory targets 2.0 (`bird` is 2.17 on Debian 13)
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = "-p" ] || exec {real} "$@"\n'
                       'f="$3.broken"; cp "$3" "$f"; echo "garbage here;" >> "$f"\n'
                       f'exec {real} -p -c "$f"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    result = run_build(inv, snap, out, "--bird", str(wrapper))
    assert result.exit_code == 4
    assert "BIRD rejected the generated config" in result.output and "syntax error" in result.output
    assert output_tree(out) == before  # the broken copy was in the staging directory, removed with it
    assert not [p for p in out.iterdir() if p.name.startswith(".ixpctl-build")]


def test_missing_snapshot_is_a_source_error(tmp_path):
    inv, _ = make_repo(tmp_path, base_inventory())
    result = run_build(inv, tmp_path / "nosnap", tmp_path / "build")
    assert result.exit_code == 3


HOSTILE = [
    'Evil"; } protocol bgp injected { neighbor 192.0.2.99 as 1; } #',
    "Line\nbreak } ; protocol static x { }",
    "Back\\slash \\\" quote",
    "Ünïcödé — café ☕ {{ jinja }} {% raw %}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_member_strings_are_inert(tmp_path, text):
    data = base_inventory()
    data["members"][0]["name"] = text
    data["members"][0]["description"] = text[:200]
    data["ixp"]["name"] = text[:64]
    inv, snap = make_repo(tmp_path, data)
    result = run_build(inv, snap, tmp_path / "build", "--json")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "build" / "rs1.conf").read_text()
    sessions = json.loads(result.stdout)["configs"][0]["sessions"]
    assert config.count("\nprotocol bgp ") == sessions  # nothing injected
    for line in config.splitlines():
        if "injected" in line or "protocol static x" in line:
            assert line.lstrip().startswith("#") or line.lstrip().startswith("description"), line


def test_hostile_as_set_names_are_refused(tmp_path):
    data = base_inventory()
    data["members"][0]["as_set"] = 'AS-FOO"; reject; #'
    inv, snap = make_repo(tmp_path, data)
    result = run_build(inv, snap, tmp_path / "build")
    text = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 2 and "not a valid AS-SET name" in text and "AS-SET names look like" in text


def test_md5_secret_from_environment(tmp_path, monkeypatch):
    data = base_inventory()
    data["members"][0]["md5"] = {"env": "TESTIX_MD5_M1"}
    inv, snap = make_repo(tmp_path, data)
    monkeypatch.setenv("TESTIX_MD5_M1", "s3cr3t-pw")
    assert run_build(inv, snap, tmp_path / "build").exit_code == 0
    config = (tmp_path / "build" / "rs1.conf").read_text()
    assert config.count('password "s3cr3t-pw";') == 2  # v4 and v6 sessions of member 1
    assert "s3cr3t-pw" not in (tmp_path / "build" / "rs1.intent.json").read_text()
    monkeypatch.setenv("TESTIX_MD5_M1", 'bad"pw')
    result = run_build(inv, snap, tmp_path / "build")
    assert result.exit_code == 2 and "MD5 secret" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("n", [200, 1000])
def test_synthetic_ixps_pass_bird(tmp_path, n):
    inventory, facts = synthetic_ixp(n, scale=0.3 if n == 1000 else 1.0)
    inv, snap = make_repo(tmp_path, inventory, facts)
    result = run_build(inv, snap, tmp_path / "build", "--json")
    assert result.exit_code == 0, result.output[-2000:]
    summary = json.loads(result.stdout)
    assert summary["configs"][0]["sessions"] == 2 * n


def test_golden_small_config(tmp_path):
    """The rendered text of a small case, pinned. UPDATE_GOLDEN=1 rewrites the expected file."""
    inv, snap = make_repo(tmp_path, base_inventory())
    assert run_build(inv, snap, tmp_path / "build", "--rs", "rs1").exit_code == 0
    text = (tmp_path / "build" / "rs1.conf").read_text()
    text = text.replace(str(tmp_path), "<tmp>")
    golden = REPO / "tests" / "golden" / "bird" / "small-rs1.conf"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text(), "rendered config changed: review, then UPDATE_GOLDEN=1 to accept"


def test_rtr_sources_render_rpki_protocols(tmp_path):
    """With rtr_servers the route servers get their VRPs over RTR (several caches, by preference)."""
    data = base_inventory()
    data["sources"] = {"rpki": {"rtr_servers": [{"host": "127.0.0.1", "port": 3323, "preference": 1},
                                                {"host": "127.0.0.2", "port": 8282, "preference": 2}]}}
    inv, snap = make_repo(tmp_path, data)
    assert run_build(inv, snap, tmp_path / "build").exit_code == 0
    config = (tmp_path / "build" / "rs1.conf").read_text()
    assert config.count("protocol rpki ") == 2 and "cache preference 2" in config
    assert "protocol static rpki4_static" not in config


def test_rfc8950_extended_next_hop_adds_an_ipv4_channel_to_ipv6_sessions(tmp_path):
    data = base_inventory()
    data["members"][0]["policy"] = {"session": {"extended_next_hop": True}}
    inv, snap = make_repo(tmp_path, data)
    result = run_build(inv, snap, tmp_path / "build", "--json")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "build" / "rs1.conf").read_text()
    v6 = config.split("protocol bgp AS64501_1_v6", 1)[1].split("\n}\n", 1)[0]
    assert "extended next hop on;" in v6 and "rs_import_v4(64501, bgp_next_hop = 2001:db8:0:10::b" in v6
    assert "extended next hop on;" not in config.split("protocol bgp AS64502_1_v6", 1)[1].split("\n}\n", 1)[0]
