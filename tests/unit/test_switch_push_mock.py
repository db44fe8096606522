"""Push pipeline error paths for the vendor drivers, against NAPALM's ``mock`` driver.

These are MOCKS: NAPALM's mock driver replays canned answers (``<method>.<n>`` files) and raises the
exceptions we put in them. It has no device model — no parsing, no real diff, rollback is a no-op —
so these tests prove ixpctl's orchestration only: every device error is surfaced with the switch
name, rollback is called when (and only when) it is the right thing, nothing is committed on an empty
diff, and the report says what happened. The real diff/commit/rollback cycle runs in
tests/lab/test_switch_linux_bridge.py against a Linux bridge.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from napalm.base.mock import MockDriver

from ixpctl.errors import DeployError
from ixpctl.inventory import load_inventory
from ixpctl.switch import push
from ixpctl.switch.build import render_switches
from tests.support.builders import write_inventory
from tests.support.switch_builders import platform_inventory


class RecordingMock(MockDriver):
    """The NAPALM mock, plus: a record of calls, and a connection that stays dead once lost."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.log: list[tuple[str, object]] = []

    def load_merge_candidate(self, filename=None, config=None):
        self.log.append(("load_merge_candidate", config))
        return super().load_merge_candidate(filename, config)

    def commit_config(self, message="", revert_in=None):
        self.log.append(("commit_config", revert_in))
        return super().commit_config(message, revert_in)

    def rollback(self):
        self.log.append(("rollback", None))
        self._raise_if_closed()
        return super().rollback()

    def discard_config(self):
        self.log.append(("discard_config", None))
        return super().discard_config()

    def confirm_commit(self):
        self.log.append(("confirm_commit", None))
        return super().confirm_commit()

    def __getattribute__(self, name):
        if name == "get_facts":
            fixture = Path(object.__getattribute__(self, "path")) / "get_facts.lost"
            if fixture.exists():  # simulate the management session dying right after the commit
                object.__setattr__(self, "opened", False)
        return super().__getattribute__(name)

    def called(self) -> list[str]:
        return [name for name, _ in self.log]


def fixtures(directory: Path, **files: object) -> Path:
    """``compare_config_1={"diff": ...}`` → file compare_config.1."""
    directory.mkdir(parents=True, exist_ok=True)
    # IOS / NX-OS read the running config back before each load (switch/prune.py): an empty one here.
    files = {"get_config_1": {"running": "", "startup": "", "candidate": ""},
             "get_config_2": {"running": "", "startup": "", "candidate": ""}, **files}
    for name, value in files.items():
        method, _, n = name.rpartition("_")
        (directory / f"{method}.{n}").write_text(json.dumps(value))
    return directory


def raises(exc: str, *args: str) -> dict:
    return {"exception": f"napalm.base.exceptions.{exc}", "args": list(args)}


DIFF = {"diff": "+interface Ethernet1\n+   description AS64501 Member 1"}
HAPPY = {"load_merge_candidate_1": {}, "compare_config_1": DIFF, "commit_config_1": {},
         "get_facts_1": {"hostname": "sw1"}, "confirm_commit_1": {}, "load_merge_candidate_2": {},
         "compare_config_2": {"diff": ""}, "discard_config_1": {}, "discard_config_2": {}}


def setup(tmp_path: Path, platform: str, **fixture_files: object):
    rendered = render_switches(load_inventory(write_inventory(tmp_path / "inv", platform_inventory(platform))))
    path = fixtures(tmp_path / "fx", **fixture_files)
    made: list[RecordingMock] = []

    def factory(sw, secrets, timeout):
        d = RecordingMock(sw.intent.mgmt_host, "u", "p", timeout=timeout,
                          optional_args={"path": str(path), "fail_on_open": (path / "open.fail").exists()})
        made.append(d)
        return d

    def go(mode="push", commit_confirm=None, confirm=None, limits=None):
        report = push.run(rendered, mode=mode, limits=limits, commit_confirm=commit_confirm, confirm=confirm,
                          driver_factory=factory)
        return report, report.results[0], made[-1]

    return go, path


def test_empty_diff_commits_nothing(tmp_path):
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1={"diff": ""}, discard_config_1={})
    report, r, d = go(commit_confirm=120)
    assert report.ok and r.status == "unchanged"
    assert "commit_config" not in d.called() and "discard_config" in d.called()
    assert r.steps == ["open", "load_merge_candidate", "compare_config", "discard_config", "close"]


def test_eos_commit_confirm_then_confirm_after_verification(tmp_path):
    go, _ = setup(tmp_path, "eos", **HAPPY)
    report, r, d = go(commit_confirm=90)
    assert report.ok and r.status == "changed" and r.diff == DIFF["diff"]
    assert ("commit_config", 90) in d.log
    assert d.called().index("confirm_commit") > d.called().index("commit_config")
    assert r.steps.index("verify: get_facts") < r.steps.index("confirm_commit")
    assert "rollback" not in d.called()
    assert d.config is None  # the verification candidate was discarded


def test_junos_revert_timer_is_rounded_up_to_minutes(tmp_path):
    go, _ = setup(tmp_path, "junos", **HAPPY)
    _, r, d = go(commit_confirm=90)
    assert ("commit_config", 120) in d.log and r.commit_confirm == 120


def test_ios_has_no_commit_confirm_and_says_so(tmp_path):
    go, _ = setup(tmp_path, "ios", **{k: v for k, v in HAPPY.items() if k != "confirm_commit_1"})
    report, r, d = go(commit_confirm=120)
    assert report.ok and ("commit_config", None) in d.log and "confirm_commit" not in d.called()
    assert any("no commit-confirm" in w for w in r.warnings)


def test_diff_mode_never_commits(tmp_path):
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1=DIFF, discard_config_1={})
    report, r, d = go(mode="diff")
    assert report.ok and r.status == "would-change" and "commit_config" not in d.called()


def test_declined_by_the_operator(tmp_path):
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1=DIFF, discard_config_1={})
    _, r, d = go(confirm=lambda result: False)
    assert r.status == "declined" and "commit_config" not in d.called()


def test_merge_error_is_surfaced_and_nothing_committed(tmp_path):
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1=raises("MergeConfigException", "% Invalid input (at token 2)"),
                  discard_config_1={})
    report, r, d = go()
    assert not report.ok and r.status == "failed" and r.stage == "load"
    assert r.error == "sw1: load failed: MergeConfigException: % Invalid input (at token 2)"
    assert "commit_config" not in d.called() and "discard_config" in d.called()
    with pytest.raises(DeployError) as err:
        report.raise_for_failures()
    assert err.value.exit_code == 5 and "sw1 (load; nothing committed)" not in err.value.message
    assert "sw1 (load)" in err.value.message


def test_commit_refused_on_a_transactional_platform_discards_not_rollback(tmp_path):
    """EOS/Junos: a refused commit changed nothing; rollback() would undo the previous commit."""
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1=DIFF,
                  commit_config_1=raises("CommitError", "session commit failed"), discard_config_1={})
    _, r, d = go()
    assert r.status == "failed" and r.stage == "commit" and "sw1" in r.error and "session commit failed" in r.error
    assert "rollback" not in d.called() and "discard_config" in d.called()
    assert r.rollback.startswith("not needed")


def test_commit_error_on_a_line_by_line_platform_rolls_back(tmp_path):
    go, _ = setup(tmp_path, "ios", load_merge_candidate_1={}, compare_config_1=DIFF,
                  commit_config_1=raises("CommitError", "% Invalid input detected at line 12"))
    report, r, d = go()
    assert r.status == "failed" and r.stage == "commit"
    assert "rollback" in d.called() and r.rollback.startswith("done")
    assert report.to_json()["switches"][0]["rollback"].startswith("done")


def test_connection_lost_during_commit(tmp_path):
    go, _ = setup(tmp_path, "nxos", load_merge_candidate_1={}, compare_config_1=DIFF,
                  commit_config_1=raises("ConnectionClosedException", "Socket is closed"))
    _, r, d = go()
    assert r.status == "failed" and r.error == "sw1: commit failed: ConnectionClosedException: Socket is closed"
    assert "rollback" in d.called()


def test_connection_lost_after_commit_confirm_reverts_by_itself(tmp_path):
    go, path = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1=DIFF, commit_config_1={})
    (path / "get_facts.lost").write_text("")
    _, r, d = go(commit_confirm=60)
    assert r.status == "failed" and r.stage == "verify" and "ConnectionClosedException" in r.error
    assert "confirm_commit" not in d.called() and "rollback" in d.called()
    assert r.rollback.startswith("FAILED") and "reverts by itself within 60 s" in r.rollback


def test_open_failure_is_reported(tmp_path):
    go, path = setup(tmp_path, "eos")
    (path / "open.fail").write_text("")
    _, r, _d = go()
    assert r.status == "failed" and r.stage == "open" and r.error.startswith("sw1: open failed: ConnectionException")


def test_close_error_is_a_warning_not_a_lost_result(tmp_path):
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1={"diff": ""}, discard_config_1={})

    def bad_close(self):
        raise OSError("broken pipe")

    RecordingMock.close, saved = bad_close, RecordingMock.close
    try:
        report, r, _ = go()
    finally:
        RecordingMock.close = saved
    assert report.ok and r.status == "unchanged" and any("close failed" in w for w in r.warnings)


def test_limit_selects_switch_and_sections(tmp_path):
    go, _ = setup(tmp_path, "eos", load_merge_candidate_1={}, compare_config_1={"diff": ""}, discard_config_1={})
    _, r, d = go(limits={"sw1": {"Ethernet4"}})
    assert r.sections == ["Port-Channel10"]
    loaded = next(config for name, config in d.log if name == "load_merge_candidate")
    assert "interface Port-Channel10" in loaded and "interface Ethernet4" in loaded
    assert "interface Ethernet1\n" not in loaded and "vlan 10" in loaded


def test_missing_credentials_fail_that_switch_only(tmp_path, monkeypatch):
    for var in ("IXPCTL_SWITCH_USER", "IXPCTL_SWITCH_PASSWORD", "IXPCTL_SWITCH_SECRETS"):
        monkeypatch.delenv(var, raising=False)
    rendered = render_switches(load_inventory(write_inventory(tmp_path, platform_inventory("eos"))))
    report = push.run(rendered, mode="diff", limits=None)
    r = report.results[0]
    assert r.status == "failed" and r.stage == "connect" and "sw1: no switch user configured" in r.error
    assert "IXPCTL_SWITCH_SW1_USER" in r.error
