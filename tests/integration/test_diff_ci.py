"""`ixpctl ci` end to end (real `bird -p`): passes on the MLIX example, fails on broken changes with
a readable reason, and carries the semantic diff against a base commit."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.diff_repo import baseline_inventory

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("bird") is None, reason="bird2 is not installed (apt-get install bird2)"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def ci(*args: str, obj_args: tuple[str, ...] = ()):
    return CliRunner().invoke(main, [*obj_args, "ci", *args], catch_exceptions=False)


def steps(result) -> dict[str, dict]:
    return {s["name"]: s for s in json.loads(result.stdout)["steps"]}


def test_ci_passes_on_the_mlix_example(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    md = tmp_path / "ci.md"
    result = ci("--json", "-o", str(tmp_path / "build"), "--base", "HEAD", "--markdown", str(md))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["verdict"].startswith("PASS")
    got = steps(result)
    assert [s for s in got] == ["validate", "facts", "build + bird -p", "switch render", "lab", "semantic diff"]
    assert got["validate"]["status"] == "pass" and got["build + bird -p"]["status"] == "pass"
    assert "bird -p" in got["build + bird -p"]["detail"]
    assert got["switch render"]["status"] in ("pass", "skip")
    assert got["lab"]["status"] == "skip"
    assert got["semantic diff"]["status"] in ("pass", "warn")
    assert (tmp_path / "build" / "rs1.conf").is_file() and (tmp_path / "build" / "rs2.conf").is_file()
    assert md.read_text().startswith("## ixpctl ci: PASS") and "## ixpctl diff:" in md.read_text()


def test_ci_fails_on_a_broken_change_with_a_readable_reason(repo):
    data = copy.deepcopy(baseline_inventory())
    data["members"][1]["connections"][0]["ipv4"] = data["members"][0]["connections"][0]["ipv4"]  # same IP twice
    repo.write_inventory(data)
    result = ci("--base", "main", obj_args=tuple(repo.cli_args()))
    assert result.exit_code == 1
    assert "FAIL at validate" in result.output and "192.0.2.11" in result.output
    assert "fix: run `ixpctl validate`" in result.output
    result = ci("--json", "--base", "main", obj_args=tuple(repo.cli_args()))
    got = steps(result)
    assert got["validate"]["status"] == "fail"
    assert got["build + bird -p"]["status"] == "skip" and "earlier step failed" in got["build + bird -p"]["detail"]
    assert not (repo.root / "build" / "rs1.conf").exists()


def test_ci_fails_when_the_snapshot_is_missing(repo):
    shutil.rmtree(repo.root / "snapshot")
    result = ci("--json", obj_args=tuple(repo.cli_args()))
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["verdict"].startswith("FAIL at facts") and "snapshot" in data["verdict"]


def test_ci_reports_routes_a_change_rejects(repo):
    data = copy.deepcopy(baseline_inventory())
    data["members"][0]["policy"] = {"prefixes": {"length": {"ipv4": {"min": 8, "max": 23}}}}
    repo.write_inventory(data)
    result = ci("--json", "--base", "main", obj_args=tuple(repo.cli_args()))
    assert result.exit_code == 0, result.output  # a warning for the reviewer by default
    got = steps(result)
    assert got["semantic diff"]["status"] == "warn"
    assert got["semantic diff"]["detail"].startswith("1 route(s) accepted today rejected")
    diff = json.loads(result.stdout)["diff"]
    assert [(r["prefix"], r["after"]["check"]) for r in diff["routes"]] == [("198.18.4.0/24", "prefix_length")]

    strict = ci("--json", "--base", "main", "--fail-on-reject", obj_args=tuple(repo.cli_args()))
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["verdict"].startswith("FAIL at semantic diff")


def test_ci_without_the_base_ref_says_so(repo):
    result = ci("--json", "--base", "origin/main", obj_args=tuple(repo.cli_args()))
    assert result.exit_code == 0
    diff_step = steps(result)["semantic diff"]
    assert diff_step["status"] == "skip" and "not found" in diff_step["detail"] and "fetch" in diff_step["fix"]
