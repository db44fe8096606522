"""/metrics with what other commands left on disk: the deploy time and result of each route server
from `ixpctl apply`'s run history (records written by apply's own History class, read back by serve
as files), and the switch audit's Prometheus text file (`ixpctl switch audit --metrics`, its own
writer) served again; damaged files are left out, never passed on."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from ixpctl.apply.history import History, RunRecord
from ixpctl.apply.rollout import RsOutcome
from ixpctl.serve.service import Service
from ixpctl.switch.audit import AuditReport, Finding, SwitchAudit
from ixpctl.switch.audit_metrics import write_metrics
from tests.support.serve import client, mlix_config, offline_sources


def _run(history: History, when: str, outcome: str, statuses: dict[str, str], dry_run: bool = False) -> None:
    moment = datetime.fromisoformat(when)
    record = RunRecord(moment.strftime("%Y%m%dT%H%M%SZ") + "-abcdef", when, outcome, finished_at=when, dry_run=dry_run,
                       route_servers=[RsOutcome(rs, status).to_json() for rs, status in statuses.items()])
    history.save(record)


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def test_deploy_metrics_from_the_apply_history_and_the_switch_audit_file(tmp_path):
    state = tmp_path / "apply"
    history = History(state)
    _run(history, "2026-12-01T10:00:00+00:00", "deployed", {"rs1": "deployed", "rs2": "deployed"})
    _run(history, "2026-12-02T10:00:00+00:00", "failed", {"rs1": "deployed", "rs2": "rolled back"})
    _run(history, "2026-12-03T10:00:00+00:00", "unchanged", {"rs1": "unchanged", "rs2": "unchanged"})
    _run(history, "2026-12-04T10:00:00+00:00", "dry-run", {"rs1": "deployed"}, dry_run=True)  # not a deploy
    (history.dir / "zzzz-damaged.json").write_text("{not json")
    audit = tmp_path / "audit.prom"
    write_metrics(audit, AuditReport([SwitchAudit("sw1", "huawei_vrp", [Finding("unknown-mac", "sw1", "Gi0/0/1", "x")]),
                                      SwitchAudit("sw2", "linux_bridge", error="ssh: connection refused")]))
    bad = tmp_path / "bad.prom"
    bad.write_text("this is { not prometheus\n")
    hijack = tmp_path / "hijack.prom"  # a file may not replace what the service measures itself
    hijack.write_text('ixpctl_bird_reachable{rs="rs1"} 1\nother_metric 3\n')
    svc = Service.start(mlix_config(offline_sources(tmp_path), apply_state_dir=state,
                                    metrics_files=(audit, bad, hijack, tmp_path / "missing.prom")))
    try:
        text = client(svc).get("/metrics").text
    finally:
        svc.close()
    got = _samples(text)
    at = {d: datetime(2026, 12, d, 10, tzinfo=UTC).timestamp() for d in (1, 2, 3)}
    assert got[("ixpctl_apply_last_run_timestamp_seconds", ())] == at[3]
    assert got[("ixpctl_apply_last_run_success", ())] == 1
    assert got[("ixpctl_apply_last_run_outcome", (("outcome", "unchanged"),))] == 1
    rs1, rs2 = (("rs", "rs1"),), (("rs", "rs2"),)
    assert got[("ixpctl_deploy_last_attempt_timestamp_seconds", rs1)] == at[2]
    assert got[("ixpctl_deploy_last_success", rs1)] == 1
    assert got[("ixpctl_deploy_last_attempt_timestamp_seconds", rs2)] == at[2]
    assert got[("ixpctl_deploy_last_success", rs2)] == 0  # rolled back
    assert got[("ixpctl_deploy_last_deployed_timestamp_seconds", rs2)] == at[1]
    assert got[("ixpctl_deploy_last_result", (("result", "unchanged"), ("rs", "rs1")))] == 1
    # the switch audit's numbers, as its writer put them
    assert got[("ixpctl_switch_audit_findings", (("kind", "unknown-mac"), ("switch", "sw1")))] == 1
    assert got[("ixpctl_switch_audit_readable", (("switch", "sw2"),))] == 0
    assert ("ixpctl_switch_audit_timestamp_seconds", ()) in got
    for name, ok in (("audit.prom", 1), ("bad.prom", 0), ("hijack.prom", 1), ("missing.prom", 0)):
        assert got[("ixpctl_metrics_file_readable", (("file", name),))] == ok, name
    assert got[("ixpctl_bird_reachable", rs1)] == 0  # the service's own value (rs1 is offline), not the file's
    assert not any(name == "other_metric" for name, _ in got)


def test_no_apply_history_no_deploy_samples(tmp_path):
    svc = Service.start(mlix_config(offline_sources(tmp_path), apply_state_dir=tmp_path / "none"))
    try:
        text = client(svc).get("/metrics").text
    finally:
        svc.close()
    assert "# TYPE ixpctl_deploy_last_success gauge" in text
    assert not any(name.startswith(("ixpctl_deploy_", "ixpctl_apply_")) for name, _ in _samples(text))
