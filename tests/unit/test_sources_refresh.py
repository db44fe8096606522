"""Refresh orchestration and the `ixpctl sources` commands, with fakes of the PeeringDB and IRR
fetchers (those have their own integration tests against a local PeeringDB server and IRRd)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.errors import SourceError
from ixpctl.inventory import load_inventory
from ixpctl.sources import refresh as refresh_mod
from ixpctl.sources import snapshot as snap
from ixpctl.sources.facts import IrrExpansion, PdbNetIxLan, PdbNetwork, Provenance
from tests.support.builders import base_inventory, write_yaml

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


class IrrPartial(SourceError):
    """Shaped like ixpctl.sources.irr.IrrPartialFailure."""

    def __init__(self, results, failures):
        super().__init__("some queries failed")
        self.results, self.failures = results, failures


class FakePdb:
    def __init__(self, fail: bool = False):
        self.fail = fail
        self.calls: list[str] = []

    def sync(self, settings, *, db_dir, progress=None):
        self.calls.append("sync")
        if progress:
            progress("net 1/1")
        if self.fail:
            raise SourceError("PeeringDB answered HTTP 503", fix="try again later")

    def lookup(self, db_dir, *, ix_id, asns):
        return ({a: PdbNetwork(a, f"Net {a}", irr_as_set=f"RIPE::AS-PDB{a}") for a in asns},
                [PdbNetIxLan(asns[0], 7, "192.0.2.11")])

    def never_via_rs_asns(self, db_dir):
        return {64511}

    def provenance(self, db_dir, networks, netixlan, *, ix_id=None):
        return Provenance("peeringdb", "https://pdb.example/api", "2026-11-22T11:59:00Z", "ab" * 32,
                          {"ix_id": ix_id, "networks": len(networks)})


class FakeIrr:
    def __init__(self, fail_all: bool = False, fail: set[str] = frozenset(), empty: set[str] = frozenset()):
        self.fail_all, self.fail, self.empty = fail_all, fail, empty
        self.queries: list[str] = []

    def member_queries(self, member, pdb_network, *, notes=None):
        return list(member.as_sets) if isinstance(member.as_sets, list) and member.as_sets else [f"AS{member.asn}"]

    def expand_all(self, queries, settings, *, progress=None, **options):
        self.queries = list(queries)
        if self.fail_all:
            raise SourceError("bgpq4: connection refused on every host")
        results = {}
        for i, q in enumerate(queries):
            if progress:
                progress(q)
            if q in self.fail:
                continue
            results[q] = IrrExpansion(q) if q in self.empty else \
                IrrExpansion(q, [64496 + i], [(f"198.18.{i}.0/24", 24, 24)])
        failures = {q: SourceError(f"{q}: timeout") for q in queries if q in self.fail}
        if failures:
            raise IrrPartial(results, failures)
        return results


@pytest.fixture
def setup(tmp_path):
    vrp_file = tmp_path / "vrps.json"
    vrp_file.write_text(json.dumps({"roas": [
        {"prefix": "198.18.0.0/24", "maxLength": 24, "asn": "AS64501"},
        {"prefix": "2001:db8:100::/48", "maxLength": 48, "asn": 64502}]}))
    data = base_inventory(members=3)
    data["sources"] = {"rpki": {"vrp_file": "vrps.json"}, "snapshot_dir": "snap/current"}
    inv_path = write_yaml(tmp_path / "inventory" / "ixp.yml", data)
    inventory = load_inventory(inv_path).inventory
    return SimpleNamespace(root=tmp_path, inventory=inventory, inv_path=inv_path, vrp_file=vrp_file,
                           snapshot_dir=tmp_path / "snap" / "current")


def run(setup, which, pdb=None, irr=None, **kw):
    return refresh_mod.refresh(setup.inventory, which, snapshot_dir=setup.snapshot_dir, repo_root=setup.root,
                               peeringdb_module=pdb or FakePdb(), irr_module=irr or FakeIrr(), now=NOW, **kw)


def test_refresh_all_writes_a_complete_snapshot(setup):
    outcome = run(setup, ["rpki", "irr", "peeringdb"])
    assert outcome.ok and outcome.refreshed == ["peeringdb", "irr", "rpki"] and not outcome.failed
    facts = snap.read_snapshot(setup.snapshot_dir)
    assert facts.vrps == [("198.18.0.0/24", 24, 64501), ("2001:db8:100::/48", 48, 64502)]
    assert sorted(facts.irr) == ["RIPE::AS-MEMBER1", "RIPE::AS-MEMBER2", "RIPE::AS-MEMBER3"]
    assert set(facts.peeringdb) == {64501, 64502, 64503}
    assert facts.never_via_rs == [64511]
    assert facts.provenance["rpki"].origin == "vrps.json"
    assert facts.provenance["rpki"].sha256 == snap.data_sha256({"vrps": [list(v) for v in facts.vrps]})
    assert facts.provenance["irr"].detail["member_queries"]["64501"] == ["RIPE::AS-MEMBER1"]


def test_unrequested_sources_keep_their_snapshot_data(setup):
    run(setup, ["irr", "rpki"])
    setup.vrp_file.write_text(json.dumps({"roas": [{"prefix": "203.0.113.0/24", "maxLength": 24, "asn": 1}]}))
    outcome = run(setup, ["rpki"], irr=FakeIrr(fail_all=True))
    facts = snap.read_snapshot(setup.snapshot_dir)
    assert outcome.refreshed == ["rpki"] and facts.vrps == [("203.0.113.0/24", 24, 1)]
    assert len(facts.irr) == 3


def test_failed_source_falls_back_to_last_good_loudly(setup):
    run(setup, ["peeringdb", "irr", "rpki"])
    before = snap.read_snapshot(setup.snapshot_dir)
    setup.vrp_file.write_text("<html>502 Bad Gateway</html>")
    outcome = run(setup, ["peeringdb", "rpki"], pdb=FakePdb(fail=True))
    assert outcome.ok  # every failure had last-good data
    assert set(outcome.failed) == {"peeringdb", "rpki"} and "HTTP 503" in outcome.failed["peeringdb"]
    after = snap.read_snapshot(setup.snapshot_dir)
    assert after.vrps == before.vrps and after.peeringdb == before.peeringdb
    assert after.provenance["rpki"] == before.provenance["rpki"]
    assert sum(w.startswith("FAILED:") for w in after.warnings) == 2


def test_failure_without_last_good_is_not_ok(setup):
    setup.vrp_file.unlink()
    outcome = run(setup, ["rpki"])
    assert not outcome.ok and outcome.without_fallback == ["rpki"]
    assert "cannot read the VRP file" in outcome.failed["rpki"]
    assert snap.status(setup.snapshot_dir, snap.max_ages(setup.inventory.sources), now=NOW)[2].health == "missing"


def test_single_failed_irr_query_keeps_its_last_good_expansion(setup):
    run(setup, ["irr"])
    before = snap.read_snapshot(setup.snapshot_dir).irr["RIPE::AS-MEMBER2"]
    outcome = run(setup, ["irr"], irr=FakeIrr(fail={"RIPE::AS-MEMBER2"}))
    assert outcome.ok and outcome.refreshed == ["irr"] and list(outcome.failed) == ["irr:RIPE::AS-MEMBER2"]
    after = snap.read_snapshot(setup.snapshot_dir)
    assert after.irr["RIPE::AS-MEMBER2"] == before
    assert after.provenance["irr"].detail["last_good_queries"] == ["RIPE::AS-MEMBER2"]


def test_failed_irr_query_without_last_good_is_not_ok(setup):
    outcome = run(setup, ["irr"], irr=FakeIrr(fail={"RIPE::AS-MEMBER2"}))
    assert not outcome.ok and outcome.without_fallback == ["irr:RIPE::AS-MEMBER2"]


def test_empty_expansion_keeps_last_good_unless_accepted(setup):
    run(setup, ["irr"])
    run(setup, ["irr"], irr=FakeIrr(empty={"RIPE::AS-MEMBER1"}))
    assert not snap.read_snapshot(setup.snapshot_dir).irr["RIPE::AS-MEMBER1"].empty
    run(setup, ["irr"], irr=FakeIrr(empty={"RIPE::AS-MEMBER1"}), accept_empty=True)
    assert snap.read_snapshot(setup.snapshot_dir).irr["RIPE::AS-MEMBER1"].empty


def test_old_failure_warnings_go_once_the_source_refreshes(setup):
    run(setup, ["rpki"])
    good = setup.vrp_file.read_text()
    setup.vrp_file.write_text("garbage")
    run(setup, ["rpki"])
    assert any(w.startswith("FAILED: RPKI") for w in snap.read_snapshot(setup.snapshot_dir).warnings)
    run(setup, ["irr"])  # another source: the RPKI warning stays
    assert any(w.startswith("FAILED: RPKI") for w in snap.read_snapshot(setup.snapshot_dir).warnings)
    setup.vrp_file.write_text(good)
    run(setup, ["rpki"])
    assert not any(w.startswith("FAILED") for w in snap.read_snapshot(setup.snapshot_dir).warnings)


def test_corrupt_current_snapshot_is_noted_and_refresh_repairs_it(setup):
    run(setup, ["rpki"])
    (setup.snapshot_dir / "rpki.json").write_text("{}")
    outcome = run(setup, ["rpki"])
    assert any("cannot be used as last-good" in n for n in outcome.notes)
    assert snap.read_snapshot(setup.snapshot_dir).vrps


def test_progress_hooks_receive_fetcher_updates(setup):
    seen: list[tuple[str, str, int | None, str]] = []

    class Hooks:
        def task(self, source, description, total=None):
            return lambda text="": seen.append((source, description, total, text))

    run(setup, ["peeringdb", "irr", "rpki"], progress=Hooks())
    assert ("peeringdb", "PeeringDB sync", None, "net 1/1") in seen
    assert [s for s in seen if s[0] == "irr"] == [("irr", "IRR expansion", 3, f"RIPE::AS-MEMBER{i}") for i in (1, 2, 3)]
    assert ("rpki", "Loading VRPs", None, "2 VRPs") in seen


def test_vrp_url_and_missing_configuration(setup, tmp_path):
    settings = setup.inventory.sources.rpki.model_copy(update={"vrp_file": None, "vrp_url": setup.vrp_file.as_uri()})
    load, origin = refresh_mod.fetch_vrps(settings, tmp_path)
    assert origin.startswith("file://") and len(load.vrps) == 2
    with pytest.raises(SourceError, match="no VRP source is configured"):
        refresh_mod.fetch_vrps(settings.model_copy(update={"vrp_url": None}), tmp_path)


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def cli(setup, monkeypatch):
    monkeypatch.chdir(setup.root)
    fakes = {"peeringdb": FakePdb(), "irr": FakeIrr()}
    monkeypatch.setattr(refresh_mod, "_import", lambda name: fakes[name])
    runner = CliRunner()

    def invoke(*args: str):
        policy = str(Path(__file__).resolve().parents[2] / "policies" / "default.yml")
        return runner.invoke(main, ["-i", str(setup.inv_path), "-p", policy, "sources", *args],
                             catch_exceptions=False)
    return invoke


def test_cli_refresh_status_and_snapshot(cli, setup):
    result = cli("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert "refreshed RPKI: 2 vrps" in result.output
    status = cli("status", "--json")
    assert status.exit_code == 0
    rows = {r["source"]: r for r in json.loads(status.output)["sources"]}
    assert rows["rpki"]["health"] == "ok" and rows["rpki"]["entries"]["vrps"] == 2
    human = cli("status")
    assert "RPKI" in human.output and "ok" in human.output and rows["rpki"]["sha256"][:12] in human.output
    pinned = cli("snapshot", "--to", "pinned/build-1", "--json")
    assert pinned.exit_code == 0
    assert snap.read_snapshot(setup.root / "pinned" / "build-1") == snap.read_snapshot(setup.snapshot_dir)


def test_cli_refresh_needs_a_choice(cli):
    result = cli("refresh")
    assert result.exit_code == 2 and "--all" in result.output


def test_cli_refresh_failure_without_fallback_exits_3(cli, setup):
    setup.vrp_file.unlink()
    result = cli("refresh", "--rpki", "--json")
    assert result.exit_code == 3
    assert json.loads(result.output)["without_fallback"] == ["rpki"]


def test_cli_status_flags_corruption_with_exit_3(cli, setup):
    cli("refresh", "--rpki")
    (setup.snapshot_dir / "rpki.json").write_text("{}")
    result = cli("status")
    assert result.exit_code == 3 and "corrupt" in result.output


def test_cli_status_shows_stale_sources(cli, setup):
    cli("refresh", "--rpki")
    manifest_path = setup.snapshot_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    old = snap.iso_utc(datetime.now(UTC) - timedelta(hours=7))
    manifest["sources"]["rpki"]["provenance"]["fetched_at"] = old
    manifest_path.write_text(json.dumps(manifest))
    rows = {r["source"]: r for r in json.loads(cli("status", "--json").output)["sources"]}
    assert rows["rpki"]["health"] == "stale"


def test_cli_snapshot_without_a_snapshot_is_a_source_error(cli, setup):
    result = cli("snapshot", "--to", str(Path(setup.root) / "pinned"))
    assert result.exit_code == 3


def test_failure_warnings_stay_one_line_while_the_outcome_keeps_the_detail(setup):
    class NoisyIrr(FakeIrr):
        def expand_all(self, queries, settings, *, progress=None, **options):
            raise SourceError("IRR expansion failed for 3 of 3 queries:\n  A: x\n  B: y\n  C: z")

    outcome = run(setup, ["irr"], irr=NoisyIrr())
    assert "C: z" in outcome.failed["irr"]
    warning = next(w for w in outcome.facts.warnings if w.startswith("FAILED: IRR"))
    assert "\n" not in warning and "(+3 more lines)" in warning


def test_empty_as_set_also_expands_the_members_aut_num(setup):
    """irr.empty_as_set: fallback_aut_num needs AS<n>'s route objects in the snapshot: refresh asks
    for them when (and only when) a member's AS-SETs all resolve to nothing."""
    irr = FakeIrr()
    irr.empty = {"RIPE::AS-MEMBER2"}
    outcome = run(setup, ["irr"], irr=irr)
    assert outcome.ok
    facts = snap.read_snapshot(setup.snapshot_dir)
    assert "AS64502" in facts.irr and facts.irr["AS64502"].prefixes4
    assert "AS64501" not in facts.irr and "AS64503" not in facts.irr  # their AS-SETs were not empty
    assert irr.queries == ["AS64502"]  # the second, bounded round: only the member that needs it
    assert facts.provenance["irr"].detail["fallback_queries"] == ["AS64502"]
    assert any("AS64502" in note and "fallback_aut_num" in note for note in outcome.notes)
