"""The semantic diff names exactly the routes whose verdict a change moves, and nothing else.

A real git repository with two states of an inventory; the diff runs through the CLI (git archive of
the base, same facts on both sides). No BIRD needed: the diff evaluates with the Python engine.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.builders import make_member
from tests.support.diff_repo import M1, M2, M3, M4, DiffRepo, baseline_inventory

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run(repo: DiffRepo, *args: str):
    return CliRunner().invoke(main, [*repo.cli_args(), *args], catch_exceptions=False)


def changed_inventory() -> dict:
    data = copy.deepcopy(baseline_inventory())
    m1, m2, m3 = data["members"]
    m1["policy"] = {"prefixes": {"length": {"ipv4": {"min": 8, "max": 23}}}}  # max length lowered
    m2["as_set"] = "RIPE::AS-MEMBER2B"  # AS-SET changed: one more route object
    m2["max_prefix"] = {"ipv4": 50}
    m3["policy"] = {"irr": {"enforce_prefix": True}}  # enforce_prefix changed
    return data


def routes_file(repo: DiffRepo) -> Path:
    path = repo.root / "routes-m3.txt"
    path.write_text("# what AS64503 announces today\n203.0.113.0/24\n198.18.60.0/24\n")
    return path


def test_unchanged_tree_has_no_routing_change(repo):
    result = run(repo, "diff", "HEAD", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["routing_changed"] is False and data["routes"] == [] and data["members"] == []
    assert all(t["added"] == 0 and t["removed"] == 0 for t in data["texts"])


def test_diff_names_exactly_the_prefixes_whose_verdict_changed(repo):
    routes = routes_file(repo)
    repo.commit("routes file")
    repo.write_inventory(changed_inventory())
    repo.add_bogon("45.10.0.0/16")
    result = run(repo, "diff", "HEAD", "--json", "--routes", f"{M3}:{routes}")
    assert result.exit_code == 1, result.output  # something accepted today is rejected after the change
    data = json.loads(result.stdout)
    got = {(r["member_asn"], r["prefix"], r["kind"], r["before"]["check"], r["after"]["check"])
           for r in data["routes"]}
    assert got == {
        (M1, "198.18.4.0/24", "newly_rejected", None, "prefix_length"),
        (M2, "198.18.51.0/24", "newly_accepted", "irr_prefix", None),
        (M3, "45.10.0.0/24", "newly_rejected", None, "bogon"),
        (M3, "203.0.113.0/24", "newly_rejected", None, "irr_prefix"),  # from the routes file
    }
    # identical verdicts on both route servers are merged, not repeated
    assert all(r["route_servers"] == ["rs1", "rs2"] for r in data["routes"])
    assert data["counts"]["newly_rejected"] == 3 and data["counts"]["newly_accepted"] == 1

    members = {m["asn"]: {c["field"]: (c["before"], c["after"]) for c in m["changes"]} for m in data["members"]}
    assert members[M1]["length4"] == ([8, 24], [8, 23])
    assert members[M2]["as_set"] == (["RIPE::AS-MEMBER2"], ["RIPE::AS-MEMBER2B"])
    assert members[M2]["max_prefix4"] == (100, 50)
    assert members[M3]["policy.irr.enforce_prefix"] == (False, True)
    sessions = {(s["route_server"], s["session"]): s for s in data["sessions"]}
    assert set(sessions) == {("rs1", "AS64502_1_v4"), ("rs2", "AS64502_1_v4")}
    assert sessions[("rs1", "AS64502_1_v4")]["changes"] == [{"field": "import_limit", "before": 100, "after": 50}]
    assert {g["field"] for g in data["global_changes"]} == {"bogons4 added"}
    rs1 = next(t for t in data["texts"] if t["name"] == "rs1")
    assert rs1["added"] > 0 and any("45.10.0.0/16" in l for l in rs1["lines"] if l.startswith("+"))


def test_members_added_removed_and_disabled(repo):
    data = copy.deepcopy(baseline_inventory())
    data["members"][1]["status"] = "disabled"  # M2: its accepted route is lost
    data["members"] = [m for m in data["members"] if m["asn"] != M3]  # M3 removed
    data["members"].append(make_member(4))  # M4 added
    repo.write_inventory(data)
    result = run(repo, "diff", "HEAD", "--json")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    kinds = {m["asn"]: m["kind"] for m in out["members"]}
    assert kinds == {M2: "changed", M3: "removed", M4: "added"}
    routes = {(r["member_asn"], r["prefix"], r["kind"]) for r in out["routes"]}
    assert routes == {(M2, "198.18.50.0/24", "newly_rejected"), (M3, "198.18.60.0/24", "newly_rejected"),
                      (M3, "45.10.0.0/24", "newly_rejected"), (M4, "198.18.70.0/24", "newly_accepted")}
    removed = {s["session"] for s in out["sessions"] if s["kind"] == "removed"}
    added = {s["session"] for s in out["sessions"] if s["kind"] == "added"}
    assert removed == {"AS64502_1_v4", "AS64502_1_v6", "AS64503_1_v4", "AS64503_1_v6"}
    assert added == {"AS64504_1_v4", "AS64504_1_v6"}


def test_markdown_report_for_a_pull_request(repo, tmp_path):
    repo.write_inventory(changed_inventory())
    md = tmp_path / "diff.md"
    result = run(repo, "diff", "HEAD", "--markdown", str(md), "--max-lines", "20")
    assert result.exit_code == 1
    text = md.read_text()
    assert text.startswith("## ixpctl diff: `HEAD (")
    assert "> [!WARNING]" in text and "**1 route(s) members announce today would be rejected" in text
    assert "| AS64501 Member 1 | `198.18.4.0/24` | 64501 *(origin assumed)* | accepted | ❌ rejected (prefix_length) |" \
        in text
    assert "✅ accepted" in text  # 198.18.51.0/24 of AS64502
    assert "### Sessions" in text and "import_limit: 100 → 50" in text
    assert "- **AS64502 Member 2** changed" in text and "  - `as_set`: [RIPE::AS-MEMBER2] → [RIPE::AS-MEMBER2B]" in text
    assert "<details><summary>route-server <code>rs1</code>" in text and "```diff" in text
    assert "more diff line(s) left out" in text  # trimmed to --max-lines
    assert "password" not in text.lower().replace("md5 password not rendered", "")


def test_member_names_cannot_break_the_markdown(repo, tmp_path):
    data = changed_inventory()
    data["members"][0]["name"] = "Evil | <script>x</script> `co`"
    repo.write_inventory(data)
    md = tmp_path / "diff.md"
    run(repo, "diff", "HEAD", "--markdown", str(md))
    text = md.read_text()
    import re
    prose = re.sub(r"(`{3,})diff\n.*?\n\1\n", "", text, flags=re.DOTALL)  # code blocks render as text anyway
    assert "<script>" not in prose and "Evil \\| &lt;script&gt;" in prose


def test_unknown_ref_is_a_readable_error(repo):
    result = run(repo, "diff", "origin/nope")
    assert result.exit_code == 2
    assert "git ref 'origin/nope' not found" in result.output and "git fetch" in result.output


def test_no_temp_dirs_or_worktrees_left_behind(repo, tmp_path, monkeypatch):
    import tempfile
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    repo.write_inventory(changed_inventory())
    run(repo, "diff", "HEAD", "--json")
    data = copy.deepcopy(baseline_inventory())
    data["members"][0]["asn"] = data["members"][1]["asn"]  # invalid head: diff refuses
    repo.write_inventory(data)
    invalid = run(repo, "diff", "HEAD")
    assert invalid.exit_code == 2 and "error(s): no diff" in invalid.output
    assert list(scratch.iterdir()) == []
    assert repo.git("worktree", "list").count("\n") == 1
    assert repo.git("status", "--porcelain", "--untracked-files=no").strip() == "M inventory/ixp.yml"


def test_base_side_renders_with_the_refs_templates(tmp_path):
    """The swap `ixpctl diff` uses when ixpctl's templates/ live in the repository being diffed."""
    from ixpctl.base.paths import templates_dir
    from ixpctl.cli.diff import templates_from
    from ixpctl.render import bird

    ref_templates = tmp_path / "templates"
    shutil.copytree(templates_dir(), ref_templates)
    rs_conf = ref_templates / "bird" / "rs.conf.j2"
    rs_conf.write_text("# base-ref template marker\n" + rs_conf.read_text())
    with templates_from(ref_templates):
        env = bird.environment()
        assert "base-ref template marker" in env.loader.get_source(env, "rs.conf.j2")[0]
        assert bird.templates_dir() == ref_templates
    assert bird.templates_dir() == templates_dir()  # restored


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_run_ixpctl_ci_on_debian(name):
    from ruamel.yaml import YAML

    path = Path(__file__).resolve().parents[2] / "examples" / "ci" / name
    text = path.read_text()
    YAML(typ="safe").load(text)  # well-formed
    assert "debian:12" in text and "bird2 bgpq4" in text and "python3 -m venv .venv" in text
    assert "ixpctl ci --base" in text and "--markdown build/ixpctl-ci.md" in text
