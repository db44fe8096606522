"""SIGHUP reloads a running `ixpctl serve` (a real process, as `systemctl reload` signals it): a
changed inventory becomes visible without a restart (same PID); a broken one is refused, said in
the log and on /metrics, and the previous load goes on being served."""

from __future__ import annotations

import os
import shutil
import signal
import time

import httpx
import pytest

from tests.conftest import REPO
from tests.support.serve_proc import serve_process

pytestmark = pytest.mark.integration


def _names(base: str) -> set[str]:
    return {m["name"] for m in httpx.get(base + "/api/v1/ixp", timeout=10).json()["members"]}


def _until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def test_sighup_reloads_the_inventory_and_keeps_the_old_one_when_the_new_is_broken(tmp_path):
    inventory = tmp_path / "mlix.yml"
    shutil.copy(REPO / "inventory" / "mlix.yml", inventory)
    original = inventory.read_text()
    assert "name: Djoliba Transit\n" in original
    with serve_process(tmp_path, inventory=inventory) as (proc, base):
        assert "Djoliba Transit" in _names(base)
        inventory.write_text(original.replace("name: Djoliba Transit\n", "name: Djoliba Transit SA\n"))
        os.kill(proc.pid, signal.SIGHUP)
        _until(lambda: "Djoliba Transit SA" in _names(base), "the renamed member is served")
        assert "Djoliba Transit SA" in httpx.get(base + "/?lang=en", timeout=10).text
        assert proc.poll() is None  # the same process: reloaded, not restarted

        inventory.write_text(original.replace("members:\n", "members:\n  - asn: not-a-number\n", 1))
        os.kill(proc.pid, signal.SIGHUP)
        log = tmp_path / "serve.log"
        _until(lambda: "reload failed" in log.read_text(), "the failed reload is logged")
        assert "mlix.yml" in log.read_text()  # the error names the file
        assert "Djoliba Transit SA" in _names(base) and proc.poll() is None
        assert "ixpctl_serve_last_reload_success 0.0" in httpx.get(base + "/metrics", timeout=10).text
