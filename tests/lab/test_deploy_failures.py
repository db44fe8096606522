"""Deploy failures on a real BIRD and real mounts: a full disk (a 64 KiB tmpfs holds the config),
and BIRD dying after the swap. Nothing partial is left, and the message says what really happened."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ixpctl.deploy.rs import deploy_route_server
from ixpctl.deploy.target import LocalTarget
from ixpctl.errors import DeployError
from tests.support.rslab import RsLab, rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]


def padded(kib: int, extra: str = "") -> str:
    """A valid config of about ``kib`` KiB (comment lines)."""
    text = rs_config(extra=extra)
    return text + ("# " + "x" * 77 + "\n") * max(0, (kib * 1024 - len(text)) // 80)


def full_disk_lab(factory, running_kib: int) -> RsLab:
    rslab = factory()
    rslab.config = rslab.mount_tmpfs(rslab.tmp / "disk", "64k") / "bird.conf"
    rslab.start(padded(running_kib))
    rslab.wait_established()
    return rslab


def test_full_disk_new_config_does_not_fit(rslab_factory):
    rslab = full_disk_lab(rslab_factory, 8)
    before = rslab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", padded(100, "# new").encode(), rslab.target(), verify_wait=5)
    assert "No space left on device" in exc.value.message
    assert rslab.config.read_bytes() == before
    assert rslab.leftovers() == [] and not Path(str(rslab.config) + ".prev").exists()
    assert rslab.established()


def test_full_disk_cannot_leave_a_partial_previous_copy(rslab_factory):
    # 24 KiB running + 30 KiB new fit in 64 KiB; a byte copy of the running one as .prev would not
    rslab = full_disk_lab(rslab_factory, 24)
    before = rslab.config.read_bytes()
    new = padded(30, "protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, rslab.target(), verify_wait=15)
    assert not report.rolled_back and rslab.config.read_bytes() == new
    assert Path(str(rslab.config) + ".prev").read_bytes() == before
    assert rslab.leftovers() == []


class StopsBirdAtConfigure(LocalTarget):
    """BIRD dies after the swap, just before `birdc configure` (a crash, an OOM kill)."""

    def __init__(self, rslab: RsLab):
        super().__init__(rslab.settings(), prefix=["ip", "netns", "exec", rslab.ns])
        self.rslab = rslab

    def run(self, argv, timeout=120):
        if "configure" in argv:
            self.rslab.stop_rs()
        return super().run(argv, timeout)


def test_rollback_says_bird_was_not_reloaded_when_it_is_not_running(rslab):
    before = rslab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", rs_config(extra="# new").encode(), StopsBirdAtConfigure(rslab), verify_wait=3)
    message = exc.value.message
    assert "birdc configure failed" in message
    assert "the previous config was put back" in message and "BIRD was NOT reloaded: BIRD is not running" in message
    assert "and reloaded" not in message
    assert rslab.config.read_bytes() == before and rslab.leftovers() == []
