"""`ixpctl deploy rs` against a real BIRD route server with a real BGP peer, in a network namespace
the test creates (only loopback addresses inside it), removed with both daemons even on failure."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ixpctl.deploy.rs import deploy_route_server
from ixpctl.deploy.target import LocalTarget
from ixpctl.errors import DeployError
from ixpctl.inventory.models import DeployTarget

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]

TIMERS = "hold time 6; keepalive time 2; connect delay time 1; connect retry time 1; error wait time 1, 2;"


def rs_config(peer_as: int = 64501, extra: str = "") -> str:
    return f"""router id 127.0.0.1;
protocol device {{ }}
protocol bgp member1 {{
  local 127.0.0.1 port 179 as 64500; neighbor 127.0.0.2 port 179 as {peer_as}; strict bind on; multihop 2;
  {TIMERS}
  ipv4 {{ import all; export none; }};
}}
{extra}
"""


MEMBER = f"""router id 127.0.0.2;
protocol device {{ }}
protocol bgp to_rs {{
  local 127.0.0.2 port 179 as 64501; neighbor 127.0.0.1 port 179 as 64500; strict bind on; multihop 2;
  {TIMERS}
  ipv4 {{ import all; export none; }};
}}
"""


class RsLab:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.ns = f"ixd-{secrets.token_hex(3)}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.config = tmp / "bird.conf"
        self.socket = tmp / "rs.ctl"

    def start(self) -> None:
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.exec(["ip", "link", "set", "lo", "up"], check=True)
        self.config.write_text(rs_config())
        (self.tmp / "member.conf").write_text(MEMBER)
        self.start_rs()
        self.procs["member"] = self.popen(["bird", "-f", "-c", str(self.tmp / "member.conf"),
                                           "-s", str(self.tmp / "member.ctl")])

    def start_rs(self) -> None:
        self.procs["rs"] = self.popen(["bird", "-f", "-c", str(self.config), "-s", str(self.socket)])

    def popen(self, argv: list[str]) -> subprocess.Popen:
        return subprocess.Popen(["ip", "netns", "exec", self.ns, *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def exec(self, argv: list[str], check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.ns, *argv], capture_output=True, text=True, check=check)

    def stop_rs(self) -> None:
        proc = self.procs.pop("rs", None)
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    def established(self) -> bool:
        out = self.exec(["birdc", "-s", str(self.socket), "show", "protocols", "member1"]).stdout
        return "Established" in out

    def wait_established(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.established():
                return
            time.sleep(0.2)
        raise AssertionError("the BGP session did not come up")

    def target(self) -> LocalTarget:
        settings = DeployTarget(host="localhost", config_path=str(self.config), control_socket=str(self.socket))
        return LocalTarget(settings, prefix=["ip", "netns", "exec", self.ns])

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.procs.clear()
        subprocess.run(["ip", "netns", "delete", self.ns], capture_output=True, check=False)


@pytest.fixture
def lab(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    lab = RsLab(tmp_path)
    try:
        lab.start()
        lab.wait_established()
        yield lab
    finally:
        lab.stop()


def test_successful_deploy_keeps_previous_and_sessions(lab):
    before = lab.config.read_bytes()
    new = rs_config(extra="protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, lab.target(), verify_wait=15)
    assert report.changed and not report.rolled_back
    assert lab.config.read_bytes() == new
    assert Path(str(lab.config) + ".prev").read_bytes() == before
    assert report.sessions_before == ["member1"] and "member1" in report.sessions_after
    assert "extra" in lab.exec(["birdc", "-s", str(lab.socket), "show", "protocols"]).stdout
    assert not Path(str(lab.config) + ".lock").exists() and not Path(str(lab.config) + ".new").exists()


def test_identical_config_changes_nothing(lab):
    report = deploy_route_server("rs1", lab.config.read_bytes(), lab.target())
    assert not report.changed and "identical" in report.steps[0]


def test_dry_run_shows_the_diff_only(lab):
    before = lab.config.read_bytes()
    report = deploy_route_server("rs1", rs_config(extra="# a comment").encode(), lab.target(), dry_run=True)
    assert report.changed and "+# a comment" in report.diff
    assert lab.config.read_bytes() == before


def test_config_rejected_by_bird_p_changes_nothing(lab):
    before = lab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", b"router id 127.0.0.1;\nprotocol bgp {\n", lab.target())
    assert "rejected the new config" in exc.value.message and "not touched" in exc.value.message
    assert lab.config.read_bytes() == before
    assert not Path(str(lab.config) + ".new").exists() and not Path(str(lab.config) + ".lock").exists()
    assert lab.established()


def test_daemon_refusal_restores_previous_config(lab):
    before = lab.config.read_bytes()
    lab.stop_rs()  # the daemon cannot take the new config: it is not there to answer
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", rs_config(extra="# new").encode(), lab.target(), verify_wait=3)
    assert "birdc configure failed" in exc.value.message and "previous config was restored" in exc.value.message
    assert lab.config.read_bytes() == before


def test_sessions_not_coming_back_roll_back(lab):
    before = lab.config.read_bytes()
    broken = rs_config(peer_as=64599).encode()  # valid syntax, wrong peer AS: the session stays down
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", broken, lab.target(), verify_wait=4)
    assert "did not come back: member1" in exc.value.message
    assert lab.config.read_bytes() == before
    lab.wait_established()  # and the restored config brings the member back


def test_configure_timeout_is_confirmed(lab):
    new = rs_config(extra="protocol static extra2 { ipv4; route 203.0.113.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, lab.target(), confirm_timeout=30, verify_wait=15)
    assert "birdc configure confirm" in report.steps
    assert lab.config.read_bytes() == new


def test_second_deploy_is_locked_out(lab):
    Path(str(lab.config) + ".lock").mkdir()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", rs_config(extra="# x").encode(), lab.target())
    assert "another deploy holds the lock" in exc.value.message
