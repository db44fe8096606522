"""The facts snapshot: atomic writes, hash checks, status, staleness and last-good fallback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ixpctl.errors import SnapshotInvalid, SourceError
from ixpctl.inventory.sources_config import SourcesConfig
from ixpctl.sources import snapshot as snap
from ixpctl.sources import snapshot_write
from ixpctl.sources.facts import Facts, IrrExpansion, PdbNetIxLan, PdbNetwork, Provenance
from ixpctl.sources.last_good import merge_with_last_good
from ixpctl.sources.snapshot_write import copy_snapshot, write_snapshot

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
LIMITS = snap.max_ages(SourcesConfig())  # peeringdb 48 h, irr 24 h, rpki 6 h


def prov(source: str, hours_ago: float = 1, origin: str = "test") -> Provenance:
    return Provenance(source, origin, snap.iso_utc(NOW - timedelta(hours=hours_ago)), "0" * 64, {"n": 1})


def sample_facts(hours_ago: float = 1) -> Facts:
    return Facts(
        peeringdb={64496: PdbNetwork(64496, "Djoliba Transit", irr_as_set="RIPE::AS-DJOLIBA", info_prefixes4=400)},
        netixlan=[PdbNetIxLan(64496, 1, "192.0.2.10", "2001:db8:0:10::10", 10000, True)],
        irr={
            "RIPE::AS-DJOLIBA": IrrExpansion("RIPE::AS-DJOLIBA", [64496, 64510],
                                             [("198.18.0.0/16", 16, 24)], [("2001:db8:100::/40", 40, 48)]),
            "AS64502": IrrExpansion("AS64502", [64502], [("203.0.113.0/24", 24, 24)]),
        },
        vrps=[("198.18.0.0/16", 24, 64496), ("2001:db8:100::/40", 48, 64496)],
        provenance={s: prov(s, hours_ago) for s in snap.SOURCES},
        warnings=["PeeringDB: something worth knowing"],
    )


def test_write_read_round_trip(tmp_path):
    facts = sample_facts()
    target = write_snapshot(facts, tmp_path / "current", now=NOW)
    assert sorted(p.name for p in target.iterdir()) == ["irr.json", "manifest.json", "peeringdb.json", "rpki.json"]
    assert snap.read_snapshot(target) == facts


def test_manifest_records_version_hashes_counts_and_provenance(tmp_path):
    target = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["ixpctl_version"] and manifest["created_at"] == "2026-11-22T12:00:00Z"
    rpki = manifest["sources"]["rpki"]
    assert rpki["sha256"] == snap.file_sha256(target / "rpki.json")
    assert rpki["entries"] == {"vrps": 2, "ipv4": 1, "ipv6": 1}
    assert rpki["provenance"]["fetched_at"] == "2026-11-22T11:00:00Z"
    assert manifest["sources"]["irr"]["entries"] == {"queries": 2, "prefixes4": 2, "prefixes6": 1}


def test_data_files_hold_one_entry_per_line_for_reviewable_diffs(tmp_path):
    target = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    lines = (target / "rpki.json").read_text().splitlines()
    assert lines[2] == '"198.18.0.0/16-24 AS64496",'
    assert json.loads((target / "irr.json").read_text())["irr"]["RIPE::AS-DJOLIBA"]["prefixes4"] == ["198.18.0.0/16^16-24"]
    assert json.loads((target / "irr.json").read_text())["irr"]["AS64502"]["asns"] == [64502]


def _as_format_1(target: Path) -> None:
    """Rewrite a snapshot the way ixpctl <= 0.1 wrote it: prefix entries and VRPs as JSON arrays."""
    manifest = json.loads((target / "manifest.json").read_text())
    facts = snap.read_snapshot(target)
    texts = {name: snapshot_write._dumps_lines(part) for name, part in
             zip(("peeringdb.json", "irr.json", "rpki.json"), snap.facts_parts(facts).values(), strict=True)}
    for name, text in texts.items():
        (target / name).write_text(text)
        manifest["sources"][name[:-5]]["sha256"] = snap.file_sha256(target / name)
    manifest["format"] = 1
    (target / "manifest.json").write_text(json.dumps(manifest))


def test_format_1_snapshots_are_still_read(tmp_path):
    """Snapshots committed or pinned (`sources snapshot --to`) before format 2 must keep building."""
    facts = sample_facts()
    target = write_snapshot(facts, tmp_path / "current", now=NOW)
    _as_format_1(target)
    assert json.loads((target / "rpki.json").read_text())["vrps"][0] == ["198.18.0.0/16", 24, 64496]
    assert snap.read_snapshot(target) == facts


def _with_entry_replaced(tmp_path: Path, source: str, old: str, new: str) -> Path:
    """A snapshot whose ``source`` file has ``old`` replaced by ``new``, re-hashed (so only the
    decoding can object, not the hash check)."""
    target = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    path = target / f"{source}.json"
    path.write_text(path.read_text().replace(old, new))
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["sources"][source]["sha256"] = snap.file_sha256(path)
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.mark.parametrize("entry", ['["198.18.0.0/16", 24, 64496]', '"198.18.0.0/16-x AS64496"',
                                   '"198.18.0.0/16 64496"', '"198.18.0.0-24 AS64496"'])
def test_a_malformed_vrp_entry_names_the_file(tmp_path, entry):
    target = _with_entry_replaced(tmp_path, "rpki", '"198.18.0.0/16-24 AS64496"', entry)
    with pytest.raises(SnapshotInvalid, match=r"rpki\.json is invalid") as err:
        snap.read_snapshot(target)
    assert "refresh" in (err.value.fix or "")


@pytest.mark.parametrize("entry", ['"198.18.0.0"', '["203.0.113.0/24", 24, 24]', '"203.0.113.0/24^24"'])
def test_a_malformed_prefix_entry_names_the_file(tmp_path, entry):
    target = _with_entry_replaced(tmp_path, "irr", '"203.0.113.0/24"', entry)
    with pytest.raises(SnapshotInvalid, match=r"irr\.json is invalid") as err:
        snap.read_snapshot(target)
    (problem,) = err.value.problems
    assert problem.file.endswith("irr.json") and problem.line and "prefixes" in problem.field


def test_writing_is_deterministic(tmp_path):
    a = write_snapshot(sample_facts(), tmp_path / "a", now=NOW)
    b = write_snapshot(sample_facts(), tmp_path / "b", now=NOW)
    for name in ("manifest.json", "peeringdb.json", "irr.json", "rpki.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_rewrite_replaces_the_snapshot_and_leaves_no_temp_dirs(tmp_path):
    target = tmp_path / "current"
    write_snapshot(sample_facts(), target, now=NOW)
    facts = sample_facts()
    facts.vrps = [("203.0.113.0/24", 24, 64502)]
    write_snapshot(facts, target, now=NOW)
    assert snap.read_snapshot(target).vrps == [("203.0.113.0/24", 24, 64502)]
    assert [p.name for p in tmp_path.iterdir()] == ["current"]


def test_rewrite_without_renameat2_falls_back_to_two_renames(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_write, "_exchange", lambda a, b: False)
    target = tmp_path / "current"
    write_snapshot(sample_facts(), target, now=NOW)
    facts = sample_facts()
    facts.vrps = [("203.0.113.0/24", 24, 64502)]
    write_snapshot(facts, target, now=NOW)
    assert snap.read_snapshot(target).vrps == facts.vrps
    assert [p.name for p in tmp_path.iterdir()] == ["current"]


def test_failed_write_keeps_the_old_snapshot_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    target = tmp_path / "current"
    write_snapshot(sample_facts(), target, now=NOW)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    real_write = snapshot_write._write_file
    calls = []

    def failing_write(path: Path, text: str) -> None:
        calls.append(path.name)
        if len(calls) == 3:  # disk full in the middle of the snapshot
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(snapshot_write, "_write_file", failing_write)
    facts = sample_facts()
    facts.vrps = [("203.0.113.0/24", 24, 64502)]
    with pytest.raises(SourceError, match="No space left on device"):
        write_snapshot(facts, target, now=NOW)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["current"]  # the temp dir was removed


def test_refuses_to_replace_a_directory_that_is_not_a_snapshot(tmp_path):
    target = tmp_path / "current"
    target.mkdir()
    (target / "precious.txt").write_text("do not delete")
    with pytest.raises(SourceError, match="not an ixpctl snapshot"):
        write_snapshot(sample_facts(), target, now=NOW)
    assert (target / "precious.txt").exists()


def test_hash_mismatch_names_the_file_and_the_fix(tmp_path):
    target = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    path = target / "rpki.json"
    path.write_text(path.read_text().replace("64496", "64511"))
    with pytest.raises(SourceError) as exc:
        snap.read_snapshot(target)
    assert "rpki.json" in exc.value.message and "does not match its hash" in exc.value.message
    assert "ixpctl sources refresh --rpki" in exc.value.fix


def test_missing_file_and_missing_snapshot(tmp_path):
    target = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    (target / "irr.json").unlink()
    with pytest.raises(SourceError, match="irr.json is missing"):
        snap.read_snapshot(target)
    with pytest.raises(SourceError, match="does not exist") as exc:
        snap.read_snapshot(tmp_path / "nothing-here")
    assert "refresh --all" in exc.value.fix


def test_truncated_manifest_is_reported(tmp_path):
    target = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    (target / "manifest.json").write_text('{"format": 1, "sour')
    with pytest.raises(SourceError, match="cannot be read as JSON"):
        snap.read_snapshot(target)


def test_stale_sources_warn_loudly_but_still_load(tmp_path):
    facts = sample_facts()
    facts.provenance["rpki"] = prov("rpki", hours_ago=30)  # max age 6 h
    target = write_snapshot(facts, tmp_path / "current", now=NOW)
    loaded = snap.read_snapshot(target, max_ages=LIMITS, now=NOW)
    stale = [w for w in loaded.warnings if w.startswith("STALE")]
    assert len(stale) == 1 and "RPKI data is 30 h old" in stale[0] and "refresh --rpki" in stale[0]
    assert loaded.vrps == facts.vrps


def test_status_reports_ok_stale_missing_and_corrupt(tmp_path):
    facts = sample_facts()
    facts.provenance["irr"] = prov("irr", hours_ago=30)
    del facts.provenance["peeringdb"]
    facts.peeringdb, facts.netixlan = {}, []
    target = write_snapshot(facts, tmp_path / "current", now=NOW)
    rows = {r.source: r for r in snap.status(target, LIMITS, now=NOW)}
    assert rows["peeringdb"].health == "missing"
    assert rows["irr"].health == "stale" and rows["irr"].age_seconds == 30 * 3600
    assert rows["rpki"].health == "ok" and rows["rpki"].entries["vrps"] == 2
    assert rows["rpki"].sha256 == snap.file_sha256(target / "rpki.json")
    (target / "rpki.json").write_text("{}\n")
    assert {r.source: r.health for r in snap.status(target, LIMITS, now=NOW)}["rpki"] == "corrupt"


def test_status_without_a_snapshot(tmp_path):
    rows = snap.status(tmp_path / "none", LIMITS, now=NOW)
    assert [r.health for r in rows] == ["missing"] * 3 and "refresh" in rows[0].message


def test_copy_snapshot_verifies_and_copies_byte_for_byte(tmp_path):
    source = write_snapshot(sample_facts(), tmp_path / "current", now=NOW)
    target = copy_snapshot(source, tmp_path / "pinned" / "2026-11-22")
    for name in ("manifest.json", "peeringdb.json", "irr.json", "rpki.json"):
        assert (target / name).read_bytes() == (source / name).read_bytes()
    with pytest.raises(SourceError, match="already holds a snapshot"):
        copy_snapshot(source, target)
    copy_snapshot(source, target, overwrite=True)
    (source / "irr.json").write_text("{}")
    with pytest.raises(SourceError, match="irr.json"):
        copy_snapshot(source, tmp_path / "other")
    assert not (tmp_path / "other").exists()


# --- last-good fallback --------------------------------------------------------------------------


def test_failed_source_keeps_last_good_data_and_provenance_with_a_warning():
    last_good = sample_facts(hours_ago=10)
    new = sample_facts()
    new.vrps = []
    merged = merge_with_last_good(new, last_good, {"rpki": "HTTP 502"}, now=NOW)
    assert merged.vrps == last_good.vrps
    assert merged.provenance["rpki"] == last_good.provenance["rpki"]
    warning = next(w for w in merged.warnings if w.startswith("FAILED: RPKI"))
    assert "HTTP 502" in warning and "2026-11-22T02:00:00Z (10 h ago)" in warning
    assert merged.irr == new.irr  # untouched sources keep the new data


def test_failed_source_without_last_good_data_says_so():
    merged = merge_with_last_good(sample_facts(), Facts(), {"peeringdb"}, now=NOW)
    assert any("no last-good PeeringDB data" in w for w in merged.warnings)


def test_failed_irr_query_keeps_its_own_last_good_expansion_only():
    last_good = sample_facts(hours_ago=5)
    new = sample_facts()
    new.irr["AS64502"] = IrrExpansion("AS64502", [64502], [("203.0.113.0/24", 24, 25)])
    del new.irr["RIPE::AS-DJOLIBA"]
    merged = merge_with_last_good(new, last_good, {"irr:RIPE::AS-DJOLIBA": "timeout"}, now=NOW)
    assert merged.irr["RIPE::AS-DJOLIBA"] == last_good.irr["RIPE::AS-DJOLIBA"]
    assert merged.irr["AS64502"].prefixes4 == [("203.0.113.0/24", 24, 25)]  # the fresh one
    assert merged.provenance["irr"].detail["last_good_queries"] == ["RIPE::AS-DJOLIBA"]
    assert any("RIPE::AS-DJOLIBA" in w and "timeout" in w and "1 IPv4" in w for w in merged.warnings)


def test_an_irr_expansion_that_became_empty_never_replaces_a_prefix_list():
    last_good = sample_facts()
    new = sample_facts()
    new.irr["AS64502"] = IrrExpansion("AS64502")
    merged = merge_with_last_good(new, last_good, set(), now=NOW)
    assert merged.irr["AS64502"] == last_good.irr["AS64502"]
    assert any("AS64502" in w and "expands to nothing" in w for w in merged.warnings)
    accepted = merge_with_last_good(new, last_good, set(), keep_on_empty=False, now=NOW)
    assert accepted.irr["AS64502"].empty


def test_failed_query_without_last_good_is_loud():
    new = sample_facts()
    merged = merge_with_last_good(new, Facts(), {"irr:AS-NEW"}, now=NOW)
    assert "AS-NEW" not in merged.irr
    assert any("AS-NEW" in w and "no last-good expansion" in w for w in merged.warnings)


def test_merge_does_not_mutate_its_inputs():
    last_good, new = sample_facts(), sample_facts()
    new.vrps = []
    merge_with_last_good(new, last_good, {"rpki"}, now=NOW)
    assert new.vrps == [] and not any(w.startswith("FAILED") for w in new.warnings)
