"""A real BIRD route server and one BGP peer in a network namespace the test creates (loopback
addresses only inside it), for the deploy tests. Both daemons and the namespace are removed even when
a test fails; a tmpfs a test mounts is unmounted in the same finalizer."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ixpctl.deploy.target import LocalTarget
from ixpctl.inventory.models import DeployTarget

TIMERS = "hold time 6; keepalive time 2; connect delay time 1; connect retry time 1; error wait time 1, 2;"


def _password(password: str | None) -> str:
    return f'password "{password}";' if password else ""


def rs_config(peer_as: int = 64501, extra: str = "", password: str | None = None) -> str:
    return f"""router id 127.0.0.1;
protocol device {{ }}
protocol bgp member1 {{
  local 127.0.0.1 port 179 as 64500; neighbor 127.0.0.2 port 179 as {peer_as}; strict bind on; multihop 2;
  {TIMERS} {_password(password)}
  ipv4 {{ import all; export none; }};
}}
{extra}
"""


def member_config(password: str | None = None) -> str:
    return f"""router id 127.0.0.2;
protocol device {{ }}
protocol bgp to_rs {{
  local 127.0.0.2 port 179 as 64501; neighbor 127.0.0.1 port 179 as 64500; strict bind on; multihop 2;
  {TIMERS} {_password(password)}
  ipv4 {{ import all; export none; }};
}}
"""


class RsLab:
    def __init__(self, tmp: Path, config_dir: Path | None = None, rs_bird: str = "bird", rs_birdc: str = "birdc"):
        self.tmp = tmp
        self.rs_bird, self.rs_birdc = rs_bird, rs_birdc  # the route server's daemon (the member runs `bird`)
        self.ns = f"ixd-{secrets.token_hex(3)}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.config = (config_dir or tmp) / "bird.conf"
        self.socket = tmp / "rs.ctl"
        self.mounts: list[Path] = []

    def start(self, rs_text: str | None = None, member_text: str | None = None) -> None:
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.exec(["ip", "link", "set", "lo", "up"], check=True)
        self.config.write_text(rs_text or rs_config())
        (self.tmp / "member.conf").write_text(member_text or member_config())
        self.start_rs()
        self.procs["member"] = self.popen(["bird", "-f", "-c", str(self.tmp / "member.conf"),
                                           "-s", str(self.tmp / "member.ctl")])

    def start_rs(self, config: Path | None = None) -> None:
        self.procs["rs"] = self.popen([self.rs_bird, "-f", "-c", str(config or self.config), "-s", str(self.socket)])
        deadline = time.monotonic() + 10
        while not self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def popen(self, argv: list[str]) -> subprocess.Popen:
        return subprocess.Popen(["ip", "netns", "exec", self.ns, *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def exec(self, argv: list[str], check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.ns, *argv], capture_output=True, text=True, check=check)

    def birdc(self, *args: str) -> str:
        return self.exec([self.rs_birdc, "-s", str(self.socket), *args]).stdout

    def stop_rs(self) -> None:
        proc = self.procs.pop("rs", None)
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    def established(self) -> bool:
        return "Established" in self.birdc("show", "protocols", "member1")

    def wait_established(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.established():
                return
            time.sleep(0.2)
        raise AssertionError(f"the BGP session did not come up: {self.birdc('show', 'protocols', 'all', 'member1')}")

    def settings(self, **overrides) -> DeployTarget:
        return DeployTarget(**{"host": "localhost", "config_path": str(self.config),
                               "control_socket": str(self.socket), "bird_binary": self.rs_bird,
                               "birdc_binary": self.rs_birdc, **overrides})

    def target(self, **overrides) -> LocalTarget:
        return LocalTarget(self.settings(**overrides), prefix=["ip", "netns", "exec", self.ns])

    def mount_tmpfs(self, where: Path, size: str) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], check=True)
        self.mounts.append(where)
        return where

    def leftovers(self) -> list[str]:
        """Files next to the config other than the config and its .prev (a clean deploy leaves none)."""
        keep = {self.config.name, self.config.name + ".prev"}
        return sorted(p.name for p in self.config.parent.iterdir() if p.name.startswith(self.config.name)
                      and p.name not in keep)

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
        for where in reversed(self.mounts):
            if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode != 0:
                subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)
        self.mounts.clear()


def require_root_and_bird() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    if shutil.which("bird") is None:
        pytest.skip("bird not installed")


@pytest.fixture
def rslab(tmp_path):
    """A started lab whose session is Established."""
    require_root_and_bird()
    lab = RsLab(tmp_path)
    try:
        lab.start()
        lab.wait_established()
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def rslab_factory(tmp_path):
    """A lab the test configures and starts itself (tmpfs config dir, passwords...); stopped after."""
    require_root_and_bird()
    labs: list[RsLab] = []

    def make(config_dir: Path | None = None) -> RsLab:
        lab = RsLab(tmp_path, config_dir)
        labs.append(lab)
        return lab

    try:
        yield make
    finally:
        for lab in labs:
            lab.stop()
