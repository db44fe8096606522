"""`ixpctl apply` through the CLI where no route server is needed: a stale source stops the run
before anything is built or deployed (exit 3, the operator alerted on a real webhook on
127.0.0.1, the run recorded), `--approve` of an unknown run id, and an empty `--history`."""

from __future__ import annotations

import json

import pytest

from tests.support.builders import base_inventory
from tests.support.ixp_repo import make_repo
from tests.support.mailbox import webhook_server  # noqa: F401

pytestmark = pytest.mark.integration


def _repo(tmp_path, hook_url: str | None = None):
    data = base_inventory(members=2)
    repo = make_repo(tmp_path, data)  # its facts were fetched on 2026-11-22: stale by now
    data = dict(data)
    data["apply"] = {"state_dir": str(tmp_path / "state"), "build_dir": str(tmp_path / "build"),
                     **({"alerts": {"webhook": hook_url}} if hook_url else {})}
    repo.write_inventory(data)
    return repo


def test_stale_source_alerts_and_deploys_nothing(tmp_path, webhook_server):  # noqa: F811
    repo = _repo(tmp_path, webhook_server.url)
    result = repo.cli("apply", "--no-refresh", "--allow-demo")
    assert result.exit_code == 3, result.output
    assert "nothing was deployed" in result.output and "stale" in result.output
    assert not (tmp_path / "build").exists()  # not even built
    as_json = repo.cli("apply", "--no-refresh", "--allow-demo", "--json")
    assert as_json.exit_code == 3 and json.loads(as_json.stdout)["outcome"] == "stale"
    post = webhook_server.posts[0][1]
    assert post["kind"] == "stale source" and "IRR" in post["text"] and "the limit is 24 h" in post["text"]
    history = json.loads(repo.cli("apply", "--history", "--json").output)
    assert [r["outcome"] for r in history] == ["stale", "stale"] and history[0]["alerts"][0]["sent"] == ["webhook"]
    table = repo.cli("apply", "--history")
    assert history[0]["run_id"] in table.output and "stale" in table.output


def test_approve_unknown_run_is_bad_input(tmp_path):
    repo = _repo(tmp_path)
    result = repo.cli("apply", "--approve", "20261204T000000Z-abcdef")
    assert result.exit_code == 2 and "no apply run 20261204T000000Z-abcdef" in result.output
    result = repo.cli("apply", "--approve", "../../etc/passwd")
    assert result.exit_code == 2 and "is not a run id" in result.output


def test_empty_history(tmp_path):
    repo = _repo(tmp_path)
    result = repo.cli("apply", "--history", "--json")
    assert result.exit_code == 0 and json.loads(result.output) == []


def test_one_apply_at_a_time(tmp_path):
    import fcntl

    repo = _repo(tmp_path)
    (tmp_path / "state").mkdir()
    with open(tmp_path / "state" / "apply.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running apply holds it
        result = repo.cli("apply", "--no-refresh", "--allow-demo")
    assert result.exit_code == 5 and "another `ixpctl apply` is running" in result.output
    assert not (tmp_path / "state" / "runs").exists()
