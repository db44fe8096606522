"""Deploy decides from the daemon, not from the file: a killed deploy, a stale lock, a BIRD started
with another -c file, and the owner/group/mode of the route server's config (real BIRD, real files)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ixpctl.deploy.rs import deploy_route_server
from ixpctl.errors import DeployError
from tests.conftest import REPO
from tests.support.rslab import RsLab, rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]

NEW = rs_config(extra="protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }").encode()

# A deploy that is SIGKILLed the moment it runs a given birdc command (`configure`: after the swap,
# before BIRD reloads; `confirm`: after `configure timeout`, before confirming) — what a crash, an
# OOM kill or a lost terminal does. Nothing of ixpctl's cleanup runs.
_KILLED_AT = """
import os, signal, sys
from ixpctl.deploy.rs import deploy_route_server
from ixpctl.deploy.target import LocalTarget
from ixpctl.inventory.models import DeployTarget

config, socket, new, ns, at, timeout = sys.argv[1:7]

class Dies(LocalTarget):
    def run(self, argv, timeout=120):
        if argv[-1] == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().run(argv, timeout)

settings = DeployTarget(host="localhost", config_path=config, control_socket=socket)
deploy_route_server("rs1", open(new, "rb").read(), Dies(settings, prefix=["ip", "netns", "exec", ns]),
                    confirm_timeout=int(timeout) or None, verify_wait=15)
"""


def killed_deploy(rslab: RsLab, config: bytes, at: str = "configure", confirm_timeout: int = 0) -> None:
    new = rslab.tmp / "new.conf"
    new.write_bytes(config)
    proc = subprocess.run([sys.executable, "-c", _KILLED_AT, str(rslab.config), str(rslab.socket), str(new),
                           rslab.ns, at, str(confirm_timeout)], cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == -9, proc.stderr
    if at == "confirm":  # BIRD loaded it, then reverts by itself when the timeout passes unconfirmed
        deadline = time.monotonic() + confirm_timeout + 10
        while "extra" in rslab.birdc("show", "protocols") and time.monotonic() < deadline:
            time.sleep(0.2)
    assert rslab.config.read_bytes() == config  # swapped in...
    assert "extra" not in rslab.birdc("show", "protocols")  # ...but never loaded


def test_stale_lock_of_a_killed_deploy_is_checked_first(rslab):
    killed_deploy(rslab, NEW)
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", NEW, rslab.target())  # the file already equals the new config
    assert "another deploy holds the lock" in exc.value.message and "nothing was changed" in exc.value.message


def test_killed_deploy_is_reloaded_not_reported_identical(rslab):
    killed_deploy(rslab, NEW)
    Path(str(rslab.config) + ".lock").rmdir()  # the operator checked that no deploy runs
    report = deploy_route_server("rs1", NEW, rslab.target(), verify_wait=15)
    assert report.changed and not any("identical" in s for s in report.steps), report.steps
    assert any("has not loaded it" in s for s in report.steps), report.steps
    assert "extra" in rslab.birdc("show", "protocols")  # BIRD runs the new config now
    assert report.daemon["loaded_current_file"] is True
    again = deploy_route_server("rs1", NEW, rslab.target())
    assert not again.changed and "identical" in again.steps[0]
    assert rslab.leftovers() == []


def test_configure_timeout_reverted_by_bird_is_not_reported_identical(rslab):
    killed_deploy(rslab, NEW, at="confirm", confirm_timeout=2)
    Path(str(rslab.config) + ".lock").rmdir()
    report = deploy_route_server("rs1", NEW, rslab.target(), verify_wait=15)
    assert report.changed and any("has not loaded it" in s for s in report.steps), report.steps
    assert "extra" in rslab.birdc("show", "protocols")


def test_bird_started_with_another_config_file_is_refused(rslab):
    other = rslab.tmp / "other.conf"
    shutil.copyfile(rslab.config, other)
    rslab.stop_rs()
    rslab.start_rs(other)  # BIRD reads other.conf; the inventory says bird.conf
    rslab.wait_established()
    before = rslab.config.read_bytes()
    for dry_run in (True, False):
        with pytest.raises(DeployError) as exc:
            deploy_route_server("rs1", NEW, rslab.target(), dry_run=dry_run, verify_wait=15)
        assert f"was started with -c {other}" in exc.value.message and "nothing was changed" in exc.value.message
        assert exc.value.exit_code == 5
    assert rslab.config.read_bytes() == before and rslab.leftovers() == []
    assert not Path(str(rslab.config) + ".prev").exists()
    assert "extra" not in rslab.birdc("show", "protocols")


def test_deploy_keeps_owner_group_and_mode_of_the_config(rslab):
    os.chown(rslab.config, 65534, 65534)  # e.g. bird:bird on a route server; BIRD here runs as root
    os.chmod(rslab.config, 0o640)
    deploy_route_server("rs1", NEW, rslab.target(), verify_wait=15)
    for path in (rslab.config, Path(str(rslab.config) + ".prev")):
        st = path.stat()
        assert (oct(st.st_mode & 0o7777), st.st_uid, st.st_gid) == ("0o640", 65534, 65534), path
    assert rslab.config.read_bytes() == NEW
