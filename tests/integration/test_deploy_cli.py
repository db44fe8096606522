"""`ixpctl deploy rs` refusals and dry run, with a local target (no daemon needed)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.integration.test_build import POLICY, make_repo, run_build
from tests.support.builders import base_inventory

pytestmark = [pytest.mark.integration, pytest.mark.skipif(shutil.which("bird") is None, reason="no bird")]


def setup(tmp_path, fictional=True, md5=False):
    data = base_inventory(fictional=fictional)
    if not fictional:  # public-looking numbers for a production-style inventory
        for i, m in enumerate(data["members"]):
            m["asn"] = 200000 + i
    for rs in data["route_servers"]:
        rs["deploy"] = {"host": "localhost", "config_path": str(tmp_path / f"{rs['name']}.running.conf"),
                        "control_socket": str(tmp_path / "none.ctl")}
    if md5:
        data["members"][0]["md5"] = {"env": "IXPCTL_TEST_UNSET_MD5"}
    inv, snap = make_repo(tmp_path, data)
    assert run_build(inv, snap, tmp_path / "build").exit_code == 0
    return inv


def deploy(inv, tmp_path, *args):
    return CliRunner().invoke(main, ["-i", str(inv), "-p", POLICY, "deploy", "rs", "--build-dir",
                                     str(tmp_path / "build"), *args], catch_exceptions=False)


def test_demo_mode_configs_are_refused(tmp_path):
    inv = setup(tmp_path)
    result = deploy(inv, tmp_path, "--rs", "rs1")
    assert result.exit_code == 5 and "DEMO MODE" in result.output
    assert not (tmp_path / "rs1.running.conf").exists()


def test_missing_md5_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("IXPCTL_TEST_UNSET_MD5", raising=False)
    inv = setup(tmp_path, md5=True)
    result = deploy(inv, tmp_path, "--rs", "rs1", "--allow-demo")
    assert result.exit_code == 5 and "MD5" in result.output


def test_dry_run_shows_diff_and_changes_nothing(tmp_path):
    inv = setup(tmp_path)
    (tmp_path / "rs1.running.conf").write_text("router id 192.0.2.1;\n")
    result = deploy(inv, tmp_path, "--rs", "rs1", "--dry-run", "--allow-demo", "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["changed"] and report["dry_run"] and "+define RS_ASN = 64500;" in report["diff"]
    assert (tmp_path / "rs1.running.conf").read_text() == "router id 192.0.2.1;\n"
