"""`ixpctl sources import`: facts from files give the same snapshot and the same configs, byte for
byte, as the live sources on the same data — bgpq4 against the IRRd fixture versus the RPSL dump
that IRRd was loaded with, the official PeeringDB client versus a dump of the same API objects."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.inventory.sources_config import IrrSource
from ixpctl.sources import irr
from ixpctl.sources.file_import import FileIrr, read_bgpq4_json
from ixpctl.sources.rpsl import load_rpsl
from ixpctl.sources.snapshot import read_snapshot

pytestmark = [pytest.mark.integration]
REPO = Path(__file__).resolve().parents[2]
MLIX_RPSL = REPO / "examples" / "mlix" / "irr.rpsl"
FIXTURE_RPSL = REPO / "tests" / "fixtures" / "irr" / "fixture.rpsl"
BUNDLED = REPO / "snapshots" / "mlix"  # made by bgpq4 against IRRd (tests check it stays current)
needs_bird = pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")


def run(*args: str, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def _repo(tmp_path: Path, irr_host: str | None = None) -> Path:
    """A copy of the MLIX repository whose snapshot is snapshots/work (a copy of the bundled one)."""
    root = tmp_path / "mlix"
    for part in ("inventory", "policies", "examples"):
        shutil.copytree(REPO / part, root / part)
    inv = root / "inventory" / "mlix.yml"
    text = inv.read_text().replace("snapshot_dir: snapshots/mlix", "snapshot_dir: snapshots/work")
    if irr_host:
        text = text.replace('hosts: ["127.0.0.1:8043"]', f'hosts: ["{irr_host}"]')
    inv.write_text(text)
    shutil.copytree(BUNDLED, root / "snapshots" / "work")
    return root


def _irr_time(snapshot: Path) -> str:
    return json.loads((snapshot / "manifest.json").read_text())["sources"]["irr"]["provenance"]["fetched_at"]


@needs_bird
def test_rpsl_import_builds_byte_for_byte_what_bgpq4_and_irrd_built(tmp_path):
    root = _repo(tmp_path)
    result = run("sources", "import", "--irr", str(MLIX_RPSL), "--fetched-at", _irr_time(BUNDLED), "--json",
                 cwd=root)
    assert result.exit_code == 0, result.output
    offline = read_snapshot(root / "snapshots" / "work")
    assert offline.irr == read_snapshot(BUNDLED).irr
    assert offline.provenance["irr"].origin == f"file:{MLIX_RPSL}"
    for name, snap in (("offline", root / "snapshots" / "work"), ("live", BUNDLED)):
        built = run("build", "-o", name, "--snapshot", str(snap), cwd=root)
        assert built.exit_code == 0, built.output
    for rs in ("rs1.conf", "rs2.conf"):
        assert (root / "offline" / rs).read_bytes() == (root / "live" / rs).read_bytes()


@needs_bird
def test_against_the_live_irrd_fixture(irrd_host, tmp_path):
    """The same, with both sides made now: `sources refresh --irr` (bgpq4 → IRRd) and `sources
    import --irr` of the RPSL the IRRd holds; and every set of the IRR fixture (loops, mbrs-by-ref,
    hierarchical names, missing and empty sets, SOURCE:: names) expands the same."""
    root = _repo(tmp_path, irrd_host)
    live = run("sources", "refresh", "--irr", "--json", cwd=root)
    assert live.exit_code == 0, live.output
    shutil.copytree(root / "snapshots" / "work", root / "snapshots" / "live")
    offline = run("sources", "import", "--irr", str(MLIX_RPSL), "--fetched-at",
                  _irr_time(root / "snapshots" / "live"), cwd=root)
    assert offline.exit_code == 0, offline.output
    assert read_snapshot(root / "snapshots" / "work").irr == read_snapshot(root / "snapshots" / "live").irr
    for name in ("work", "live"):
        assert run("build", "-o", f"b-{name}", "--snapshot", str(root / "snapshots" / name), cwd=root).exit_code == 0
    assert (root / "b-work" / "rs1.conf").read_bytes() == (root / "b-live" / "rs1.conf").read_bytes()

    queries = ["AS-TOP", "AS-MID", "AS-LEAF", "AS-EMPTY", "AS-SELFLOOP", "AS-GHOST", "AS-ROUTELESS",
               "AS-DOCONLY", "ALT::AS-TOP", "TEST::AS-TOP", "AS100601:AS-CUSTOMERS", "AS100602", "AS100607"]
    for sources in (["TEST"], ["TEST", "ALT"], ["ALT", "TEST"]):
        settings = IrrSource(hosts=[irrd_host], sources=sources, timeout=20)
        files = FileIrr(load_rpsl([FIXTURE_RPSL]), {}, "dump")
        for kw in ({}, {"allow_special_asns": True}, {"max_length4": 25}):
            got = files.expand_all(queries, settings, **kw)
            want = irr.expand_all(queries, settings, **kw)
            for q in queries:
                name = irr.canonical_query(q)
                assert (got[name].asns, got[name].prefixes4, got[name].prefixes6) == \
                    (want[name].asns, want[name].prefixes4, want[name].prefixes6), (sources, kw, q)


def test_bgpq4_json_files(tmp_path):
    (tmp_path / "RIPE::AS-DJOLIBA.asns.json").write_text('{"NN": [64496, 65540]}')
    (tmp_path / "RIPE::AS-DJOLIBA.v4.json").write_text(
        '{"NN": [{"prefix": "198.18.0.0/22", "exact": true}, '
        '{"prefix": "198.18.8.0/21", "exact": false, "greater-equal": 22, "less-equal": 24}]}')
    (tmp_path / "djoliba6.json").write_text('{"RIPE::AS-DJOLIBA": []}')
    with pytest.raises(Exception, match="which list is it"):
        read_bgpq4_json(tmp_path / "djoliba6.json")
    (tmp_path / "djoliba6.json").unlink()
    (tmp_path / "AS-DJOLIBA@RIPE.v6.json").write_text('{"NN": [{"prefix": "2001:db8:1000::/36", "exact": true}]}')
    lists: dict = {}
    for path in sorted(tmp_path.glob("*.json")):
        query, kind, parsed = read_bgpq4_json(path)
        lists.setdefault(query, {})[kind] = parsed
    got = FileIrr(None, lists, "files").expand_all(["RIPE::AS-DJOLIBA"], IrrSource(sources=["RIPE"]))
    exp = got["RIPE::AS-DJOLIBA"]
    assert exp.asns == [64496, 65540] and exp.prefixes4 == [("198.18.0.0/22", 22, 22), ("198.18.8.0/21", 22, 24)]
    assert exp.prefixes6 == [("2001:db8:1000::/36", 36, 36)]
    with pytest.raises(irr.IrrPartialFailure) as err:
        FileIrr(None, lists, "files").expand_all(["RIPE::AS-DJOLIBA", "AS-OTHER"], IrrSource(sources=["RIPE"]))
    assert set(err.value.failures) == {"AS-OTHER"} and "not in the imported files" in err.value.failures["AS-OTHER"].message


def test_peeringdb_dump_and_vrps_give_the_live_facts(tmp_path):
    """A dump of the API objects the client syncs (here: the fixture the local PeeringDB server
    serves) gives the networks and netixlan rows the official client gave for the bundled snapshot."""
    root = _repo(tmp_path)
    pdb_dir = REPO / "examples" / "mlix" / "peeringdb"
    dump = {tag: json.loads((pdb_dir / f"{tag}.json").read_text()) for tag in ("net", "netixlan", "poc", "ixlan")}
    (tmp_path / "pdb.json").write_text(json.dumps(dump))
    result = run("sources", "import", "--peeringdb", str(tmp_path / "pdb.json"), "--rpki",
                 str(REPO / "examples" / "mlix" / "vrps.json"), "--json", cwd=root)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["refreshed"] == ["peeringdb", "rpki"]
    got, want = read_snapshot(root / "snapshots" / "work"), read_snapshot(BUNDLED)
    assert got.peeringdb == want.peeringdb and got.netixlan == want.netixlan
    assert got.never_via_rs == want.never_via_rs and got.vrps == want.vrps
    assert got.provenance["peeringdb"].sha256 == want.provenance["peeringdb"].sha256


def test_a_bad_file_is_a_clear_error_and_keeps_the_snapshot(tmp_path):
    root = _repo(tmp_path)
    before = (root / "snapshots" / "work" / "irr.json").read_bytes()
    bad = tmp_path / "bad.rpsl"
    bad.write_text("route: 198.51.100.0/24\norigin: AS64496\n")  # no source:
    result = run("sources", "import", "--irr", str(bad), cwd=root)
    assert result.exit_code == 3 and "bad.rpsl:1" in result.output and "no source" in result.output
    assert (root / "snapshots" / "work" / "irr.json").read_bytes() == before  # last good data kept
