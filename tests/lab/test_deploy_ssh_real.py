"""Deploy, verify and roll back over a REAL OpenSSH server: Debian's sshd runs in the test's network
namespace as the route-server host, next to a real BIRD route server with a real BGP peer; the
client authenticates with a key and checks the pinned host key (tests/support/sshd.py). Every
process and the namespace are stopped by PID and name in the finalizers, even on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ixpctl.apply.live import read_live
from ixpctl.deploy.rs import deploy_route_server
from ixpctl.deploy.target import SshTarget
from ixpctl.errors import DeployError
from ixpctl.verify.client import RouteServerClient
from ixpctl.verify.ssh import forwarded_socket
from tests.support.rslab import rs_config
from tests.support.sshd import HOST, PORT, Sshd, have_openssh

pytestmark = [pytest.mark.lab,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed"),
              pytest.mark.skipif(not have_openssh(), reason="needs openssh-server and openssh-client")]


@pytest.fixture
def ssh_rs(rslab, tmp_path):
    sshd = Sshd(rslab.ns, tmp_path)
    try:
        sshd.start()
        yield rslab, sshd
    finally:
        sshd.stop()


def _target(lab, sshd: Sshd) -> SshTarget:
    return SshTarget(lab.settings(host=HOST, user="root", port=PORT), ssh=sshd.ssh_command)


def test_deploy_and_verify_through_real_sshd(ssh_rs):
    lab, sshd = ssh_rs
    before = lab.config.read_bytes()
    new = rs_config(extra="protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, _target(lab, sshd), verify_wait=15)
    assert report.target == f"root@{HOST}" and report.changed and not report.rolled_back
    assert report.daemon["loaded_current_file"] is True and report.sessions_after == ["member1"]
    assert lab.config.read_bytes() == new and Path(f"{lab.config}.prev").read_bytes() == before
    assert "extra" in lab.birdc("show", "protocols") and lab.leftovers() == []
    assert "Accepted publickey for root" in sshd.log()  # key authentication, through this very sshd
    # verify over the same server: the route server's state through ssh (apply's reader) ...
    live = read_live("rs1", _target(lab, sshd))
    assert live.established() == {"member1"}
    # ... and BIRD's control socket forwarded by ssh -L (`ixpctl sessions --ssh`)
    with forwarded_socket(f"root@{HOST}", str(lab.socket), port=PORT, ssh=sshd.ssh_command) as local:
        sessions = RouteServerClient(local).sessions()
    assert [(s.name, s.established) for s in sessions] == [("member1", True)]


def test_rollback_through_real_sshd(ssh_rs):
    lab, sshd = ssh_rs
    before = lab.config.read_bytes()
    broken = rs_config(peer_as=64599).encode()  # parses, but the peer's session stays down
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", broken, _target(lab, sshd), verify_wait=4)
    assert "did not come back: member1" in exc.value.message
    assert "previous config was put back" in exc.value.message and "BIRD reloaded it" in exc.value.message
    assert lab.config.read_bytes() == before and lab.leftovers() == []
    lab.wait_established()


def test_another_host_key_is_refused_and_nothing_changes(ssh_rs, tmp_path):
    lab, sshd = ssh_rs
    other = sshd.keygen("impostor_key")
    sshd.pin(Path(f"{other}.pub").read_text())  # known_hosts now pins another key than the server's
    before = lab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", rs_config(extra="# new").encode(), _target(lab, sshd), verify_wait=3)
    assert "ssh to root@rs1.lab failed" in exc.value.message
    assert "HOST IDENTIFICATION HAS CHANGED" in exc.value.message or "Host key verification failed" in exc.value.message
    assert lab.config.read_bytes() == before and lab.leftovers() == []
