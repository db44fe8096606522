"""Trends from what git keeps (inventory, snapshot, committed impact.json) and from the run
history of `ixpctl apply` (JSON records), in a real git repository the test creates."""

from __future__ import annotations

import json
import subprocess

from ixpctl.base.ranges import merge, span
from ixpctl.report.trends import apply_runs, history

SPACE = merge([span("10.0.0.0/22")[1]])  # the country: 1024 addresses


def _commit(repo, when: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(repo)}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", when], check=True, env=env)


def _irr(*prefixes: str) -> str:
    return json.dumps({"irr": {"AS-X": {"query": "AS-X", "prefixes4": list(prefixes)}}})


def test_points_from_git_history(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _commit(tmp_path, "2026-01-01T00:00:00Z", {
        "inventory/ixp.yml": "members:\n  - {asn: 1}\n",
        "snap/irr.json": _irr("10.0.0.0/24")})
    _commit(tmp_path, "2026-02-01T00:00:00Z", {
        "inventory/ixp.yml": "members:\n  - {asn: 1}\n  - {asn: 2}\n  - {asn: 3, status: planned}\n",
        "snap/irr.json": _irr("10.0.0.0/23^23-24", "10.0.1.0/24", "192.0.2.0/24"),
        "report/impact.json": json.dumps({"shares": {"space4": 0.25, "filtered": 0.1}})})
    points = history(tmp_path, inventory_paths=["inventory"], snapshot="snap", space4=SPACE,
                     report_json="report/impact.json")
    assert [(p.date[:10], p.members, p.registered_share4, p.reachable_share4, p.filtered_share) for p in points] == [
        ("2026-01-01", 1, 0.25, None, None), ("2026-02-01", 2, 0.5, 0.25, 0.1)]


def test_no_git_no_points(tmp_path):
    assert history(tmp_path, inventory_paths=["inventory"], snapshot="snap", space4=SPACE) == []


def test_points_from_apply_runs(tmp_path):
    (tmp_path / "20261201T050000Z-aaaaaa.json").write_text(json.dumps({
        "run_id": "a", "started_at": "2026-12-01T05:00:00Z", "impacts": [
            {"route_server": "rs1", "accepted_now": 120}, {"route_server": "rs2", "accepted_now": 118}]}))
    (tmp_path / "20261202T050000Z-bbbbbb.json").write_text(json.dumps({"run_id": "b", "started_at": "x"}))
    (tmp_path / "20261203T050000Z-cccccc.json").write_text("{not json")
    points = apply_runs(tmp_path)
    assert [(p.date, p.accepted_routes) for p in points] == [("2026-12-01T05:00:00Z", 120)]


def test_notices_sent_by_apply_count_for_manrs_action_2(tmp_path):
    from ixpctl.policy.model import Policy
    from ixpctl.report.assemble import assemble
    from ixpctl.report.trends import apply_notices
    from ixpctl.sources.rir import parse
    from tests.unit.test_report_impact import RIR, _facts, _inventory, _state

    (tmp_path / "20261201T050000Z-aaaaaa.json").write_text(json.dumps({
        "started_at": "2026-12-01T05:00:00Z", "impacts": [{"route_server": "rs1", "accepted_now": 6}],
        "notifications": [{"asn": 64502, "status": "sent", "filtered": ["10.2.2.0/24"]},
                          {"asn": 64503, "status": "skipped: the member opted out", "filtered": ["10.3.0.0/21"]}]}))
    assert apply_notices(tmp_path) == {64502: ["2026-12-01T05:00:00Z"]}
    report = assemble(_inventory(), Policy(), _facts(), (parse(RIR, "ML"), None), _state(), runs_dir=tmp_path)
    action = report.actions[1]
    assert action.level == "partly"  # AS64503 was not told
    assert {m["asn"]: m["notified"] for m in action.members} == {64503: [], 64502: ["2026-12-01T05:00:00Z"]}
    assert "1 of them were e-mailed" in action.evidence[1].en
    assert [p.accepted_routes for p in report.trends] == [6, 5]  # the apply run, then today (rs1: 5 paths)
