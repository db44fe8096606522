"""A real BIRD route server and one BGP peer in a network namespace the test creates (loopback
addresses only inside it), for the deploy tests. Both daemons and the namespace are removed even when
a test fails; a tmpfs a test mounts is unmounted in the same finalizer. What it shares with the
OpenBGPD lab (``bgpdlab``) is ``nslab``."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ixpctl.inventory.models import DeployTarget
from tests.support.nslab import TIMERS, NamespaceLab, _password, member_config

__all__ = ["TIMERS", "RsLab", "member_config", "require_root_and_bird", "rs_config", "rslab", "rslab_factory"]


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


class RsLab(NamespaceLab):
    ns_prefix = "ixd-"

    def __init__(self, tmp: Path, config_dir: Path | None = None, rs_bird: str = "bird", rs_birdc: str = "birdc"):
        super().__init__(tmp)
        self.rs_bird, self.rs_birdc = rs_bird, rs_birdc  # the route server's daemon (the member runs `bird`)
        self.config = (config_dir or tmp) / "bird.conf"
        self.socket = tmp / "rs.ctl"
        self.mounts: list[Path] = []

    def default_rs_config(self) -> str:
        return rs_config()

    def start_rs(self, config: Path | None = None) -> None:
        self.procs["rs"] = self.popen([self.rs_bird, "-f", "-c", str(config or self.config), "-s", str(self.socket)])
        deadline = time.monotonic() + 10
        while not self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def birdc(self, *args: str) -> str:
        return self.exec([self.rs_birdc, "-s", str(self.socket), *args]).stdout

    def established(self) -> bool:
        return "Established" in self.birdc("show", "protocols", "member1")

    def wait_established(self, timeout: float = 20) -> None:
        self._wait_established(timeout, lambda: self.birdc("show", "protocols", "all", "member1"))

    def settings(self, **overrides) -> DeployTarget:
        return super().settings(**{"bird_binary": self.rs_bird, "birdc_binary": self.rs_birdc, **overrides})

    def mount_tmpfs(self, where: Path, size: str) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], check=True)
        self.mounts.append(where)
        return where

    def stop(self) -> None:
        super().stop()
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
