"""Every way `ixpctl onboard` says no: exit non-zero, inventory byte-identical, nothing written.

PeeringDB comes from the MLIX facts snapshot (``--offline`` without a cache), IRR from the snapshot:
no daemon, no network. Each refusal happens before any config is built.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.sources import snapshot as snap
from ixpctl.sources.snapshot_write import write_snapshot

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def mlix(tmp_path, monkeypatch):
    """A copy of the MLIX inventory in tmp, run from tmp, with the bundled snapshot."""
    inv = tmp_path / "inventory"
    inv.mkdir()
    shutil.copyfile(REPO / "inventory" / "mlix.yml", inv / "mlix.yml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(root: Path, *args: str, snapshot: Path | None = None):
    argv = ["-i", str(root / "inventory"), "-p", str(REPO / "policies" / "default.yml"), "onboard", *args,
            "--offline", "--peeringdb-cache", str(root / "no-cache"),
            "--snapshot", str(snapshot or REPO / "snapshots" / "mlix"), "--welcome-dir", str(root / "welcome")]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def assert_refused(root: Path, result, *fragments: str, code: int = 1) -> None:
    out = result.output + (result.stderr if hasattr(result, "stderr") else "")
    assert result.exit_code == code, out
    for fragment in fragments:
        assert fragment in " ".join(out.split()), out
    original = (REPO / "inventory" / "mlix.yml").read_bytes()
    assert (root / "inventory" / "mlix.yml").read_bytes() == original
    assert not (root / "welcome").exists()
    assert [p.name for p in (root / "inventory").iterdir()] == ["mlix.yml"]  # no temp file left behind


def test_private_asn(mlix):
    assert_refused(mlix, run(mlix, "64512", "--yes"), "AS64512 is a private ASN", "nothing was written")


def test_reserved_asn(mlix):
    assert_refused(mlix, run(mlix, "AS65535", "--yes"), "reserved ASN")


def test_documentation_asn_without_the_demo_flag(mlix):
    path = mlix / "inventory" / "mlix.yml"
    text = path.read_text()
    start = text.index("  fictional_resources:")
    end = text.index("  lans:")
    path.write_text(text[:start] + text[end:])
    result = run(mlix, "64507", "--yes")
    assert result.exit_code == 1
    assert "documentation ASN (RFC 5398)" in result.output and "fictional_resources" in result.output
    assert path.read_text() == text[:start] + text[end:]
    assert not (mlix / "welcome").exists()


def test_not_in_peeringdb_offline_says_the_source_is_missing(mlix):
    # offline, no cache, not in the snapshot: a source problem (exit 3), never "not registered"
    assert_refused(mlix, run(mlix, "64508", "--yes"), "not in the facts snapshot", code=3)


def test_already_a_member_with_other_data(mlix):
    line = (REPO / "inventory" / "mlix.yml").read_text().splitlines().index("  - asn: 64496") + 1
    assert_refused(mlix, run(mlix, "64496", "--yes"), "AS64496 is already a member", f"mlix.yml:{line}",
                   "different data")


def test_address_taken(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--ipv4", "192.0.2.10"),
                   "192.0.2.10 is already taken by AS64496 Djoliba Transit")


def test_port_taken(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--switch", "sw1", "--port", "Ethernet1"),
                   "Ethernet1 on sw1 is already used by AS64496")


def test_uplink_port(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--switch", "sw1", "--port", "Ethernet48"), "uplink")


def test_invalid_mac(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--mac", "02:00:zz:64:07:01"), "not a MAC address")


def test_mac_of_another_member(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--mac", "02:00:00:64:96:01"), "already recorded for AS64496")


def test_force_needs_a_reason(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--force"), "--force needs --reason")


def empty_as_set_snapshot(tmp_path: Path) -> Path:
    """The bundled snapshot with AS64507's AS-SET expanding to nothing."""
    facts = snap.read_snapshot(REPO / "snapshots" / "mlix")
    expansion = facts.irr["AFRINIC::AS-TOMBOUCTOU"]
    expansion.asns, expansion.prefixes4, expansion.prefixes6 = [], [], []
    return write_snapshot(facts, tmp_path / "snap-empty")


def test_empty_as_set_fails_the_preflight(mlix, tmp_path):
    snapshot = empty_as_set_snapshot(tmp_path)
    result = run(mlix, "64507", "--yes", snapshot=snapshot)
    assert_refused(mlix, result, "pre-flight check(s) failed", "expands to nothing")


def test_empty_as_set_json_lists_the_verdicts(mlix, tmp_path):
    snapshot = empty_as_set_snapshot(tmp_path)
    result = run(mlix, "64507", "--yes", "--json", snapshot=snapshot)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    verdicts = {c["name"]: c["verdict"] for c in data["checks"]}
    assert data["ok"] is False and verdicts["AS-SET"] == "fail" and verdicts["route objects"] == "fail"


def test_as_set_not_in_the_snapshot_offline(mlix):
    assert_refused(mlix, run(mlix, "64507", "--yes", "--as-set", "AFRINIC::AS-ELSEWHERE"),
                   "--offline forbids a live bgpq4 query")


def test_json_needs_yes_or_dry_run(mlix):
    assert_refused(mlix, run(mlix, "64507", "--json"), "--json needs --yes", code=2)
