"""`ixpctl validate` as the operator and CI see it: exit codes, JSON, no tracebacks."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.builders import base_inventory, write_inventory


def invoke(args, cwd=None):
    runner = CliRunner()
    return runner.invoke(main, args, catch_exceptions=False)


def test_mlix_example_validates(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    result = invoke(["validate"])
    assert result.exit_code == 0, result.output
    assert "MLIX" in result.output and "Djoliba Transit" in result.output
    assert "DEMO MODE" in result.output


def test_json_output(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    result = invoke(["validate", "--json"])
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["errors"] == 0 and data["members"]["active"] == 10


def test_errors_exit_1(tmp_path, default_policy_path):
    data = base_inventory()
    data["members"][1]["asn"] = data["members"][0]["asn"]
    inv = write_inventory(tmp_path, data)
    result = invoke(["-i", str(inv), "-p", str(default_policy_path), "validate", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"] >= 1


def test_strict_turns_warnings_into_failure(tmp_path, default_policy_path):
    inv = write_inventory(tmp_path, base_inventory())  # demo flag → warning
    assert invoke(["-i", str(inv), "-p", str(default_policy_path), "validate", "-q"]).exit_code == 0
    assert invoke(["-i", str(inv), "-p", str(default_policy_path), "validate", "-q", "--strict"]).exit_code == 1


def test_unreadable_input_exits_2_without_traceback(tmp_path, default_policy_path):
    path = tmp_path / "ixp.yml"
    path.write_text("ixp: {name: [\n")
    result = invoke(["-i", str(path), "-p", str(default_policy_path), "validate"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{path}:" in result.output and "fix:" in result.output
    result = invoke(["-i", str(path), "-p", str(default_policy_path), "validate", "--json"])
    assert result.exit_code == 2 and json.loads(result.stdout)["problems"][0]["line"] in (1, 2)
