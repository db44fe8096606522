"""The remote code path of deploy (SshTarget: its `sh -c` scripts for writing, linking, probing
the daemon) against a real BIRD. No SSH server runs here, so `ssh` is a stand-in that does what
OpenSSH does with `ssh OPTIONS -- DEST COMMAND`: it runs COMMAND with `sh -c` on "the route server"
(here: inside the lab's namespace), stdin and exit status passed through."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ixpctl.deploy.rs import deploy_route_server
from ixpctl.deploy.target import SshTarget
from ixpctl.errors import DeployError
from tests.lab.test_deploy_failures import full_disk_lab, padded
from tests.support.rslab import RsLab, rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]

FAKE_SSH = """#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in --) shift; break ;; -o|-p) shift 2 ;; *) echo "fake ssh: unexpected $1" >&2; exit 255 ;; esac
done
shift  # the destination
exec ip netns exec {ns} sh -c "$1"
"""


def ssh_target(lab: RsLab) -> SshTarget:
    fake = lab.tmp / "ssh"
    fake.write_text(FAKE_SSH.format(ns=lab.ns))
    fake.chmod(0o755)
    return SshTarget(lab.settings(host="rs1.example", user="root"), ssh=str(fake))


def test_deploy_over_ssh_keeps_mode_and_reads_the_daemon(rslab):
    os.chown(rslab.config, 65534, 65534)
    os.chmod(rslab.config, 0o640)
    before = rslab.config.read_bytes()
    new = rs_config(extra="protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, ssh_target(rslab), verify_wait=15)
    assert report.target == "root@rs1.example" and report.daemon["loaded_current_file"] is True
    assert rslab.config.read_bytes() == new and Path(str(rslab.config) + ".prev").read_bytes() == before
    for path in (rslab.config, Path(str(rslab.config) + ".prev")):
        st = path.stat()
        assert (oct(st.st_mode & 0o7777), st.st_uid, st.st_gid) == ("0o640", 65534, 65534), path
    assert "extra" in rslab.birdc("show", "protocols") and rslab.leftovers() == []
    again = deploy_route_server("rs1", new, ssh_target(rslab))
    assert not again.changed and "identical" in again.steps[0]


def test_full_disk_over_ssh_leaves_nothing_behind(rslab_factory):
    lab = full_disk_lab(rslab_factory, 8)
    before = lab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", padded(100, "# new").encode(), ssh_target(lab), verify_wait=5)
    assert "No space left on device" in exc.value.message
    assert lab.config.read_bytes() == before and lab.leftovers() == [] and lab.established()
