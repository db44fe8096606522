"""`ixpctl import peeringdb --ix ID` through the local PeeringDB cache: the real `peeringdb` client
syncs from the local PeeringDB server on the MLIX fixture, the import builds an inventory skeleton,
and `ixpctl build` on it gives configs `bird -p` accepts."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.pdb_fixtures import MLIX_IX_ID, REPO

pytestmark = [pytest.mark.integration]


def run(*args: str, cwd: Path | None = None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_import_from_the_local_peeringdb_server_builds(pdb_server, fresh_db_dir, tmp_path):
    cache = fresh_db_dir()
    out = tmp_path / "repo"
    result = run("import", "peeringdb", "--ix", str(MLIX_IX_ID), "--cache", str(cache), "--url", pdb_server.api_url,
                 "--cache-url", pdb_server.base_url, "--fictional", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["route_servers"] == 2 and report["members"] >= 10
    state = json.loads((out / ".ixpctl-import" / "peeringdb.json").read_text())
    assert state["ixp"]["rs_asn"] == 64500 and state["ixp"]["peeringdb_ix_id"] == MLIX_IX_ID
    assert state["ixp"]["lans"][0]["ipv4"] == "192.0.2.0/24"
    assert [rs["ipv4"] for rs in state["route_servers"]] == ["192.0.2.1", "192.0.2.2"]
    by_asn = {m["asn"]: m for m in state["members"]}
    assert by_asn[64496]["name"] == "Djoliba Transit"
    assert by_asn[64501]["name"] == "Université Numérique du Mandé"  # UTF-8 kept
    assert by_asn[64496]["as_set"] and "max_prefix" not in by_asn[64496]  # PeeringDB's values at build time
    notes = [n["message"] for n in report["notes"]]
    assert any("VLAN tag" in m for m in notes)

    # offline: the same import again from the cache alone changes nothing
    again = run("import", "peeringdb", "--ix", str(MLIX_IX_ID), "--cache", str(cache), "--no-sync",
                "--fictional", "-o", str(out), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["diff"] == ""

    if shutil.which("bird") is None:
        pytest.skip("bird (Debian bird2) not installed")
    shutil.copytree(REPO / "snapshots" / "mlix", out / "snapshots" / "current")  # the MLIX facts
    built = run("-i", "inventory", "-p", "policies/default.yml", "build", "--json", cwd=out)
    assert built.exit_code == 0, built.output
    summary = json.loads(built.stdout)
    assert all(c["checked_by"] for c in summary["configs"])
    assert {m["asn"] for m in summary["members"]} >= {64496, 64497, 64501}


def test_an_unknown_exchange_is_a_clear_error(pdb_server, fresh_db_dir, tmp_path):
    cache = fresh_db_dir()
    result = run("import", "peeringdb", "--ix", "999", "--cache", str(cache), "--url", pdb_server.api_url,
                 "--cache-url", pdb_server.base_url, "-o", str(tmp_path / "repo"))
    assert result.exit_code == 3, result.output
    assert "no exchange with id 999" in result.output
    assert not (tmp_path / "repo").exists()


def test_unnamed_ixf_members_are_named_from_the_peeringdb_cache(mlix_pdb_cache, tmp_path):
    """An IX-F export without member names (some exporters omit them): --names-from fills them."""
    exported = run("export", "ixf", "-o", str(tmp_path / "mlix.json"), cwd=REPO)
    assert exported.exit_code == 0, exported.output
    doc = json.loads((tmp_path / "mlix.json").read_text())
    for entry in doc["member_list"]:
        entry.pop("name", None)
    (tmp_path / "unnamed.json").write_text(json.dumps(doc))
    out = tmp_path / "repo"
    result = run("import", "ixf", str(tmp_path / "unnamed.json"), "--fictional", "--names-from", str(mlix_pdb_cache),
                 "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    members = {m["asn"]: m for m in json.loads((out / ".ixpctl-import" / "ixf.json").read_text())["members"]}
    assert members[64496]["name"] == "Djoliba Transit"
    assert any("name(s) taken from PeeringDB" in n["message"] for n in json.loads(result.stdout)["notes"])
    # an inventory without switches: `switch build` says so instead of printing nothing
    built = run("-i", "inventory", "-p", "policies/default.yml", "switch", "build", "-o", "b", cwd=out)
    assert built.exit_code == 0 and "no switches in the inventory" in built.output
