"""What the BIRD (``rslab``) and OpenBGPD (``bgpdlab``) deploy labs share: a network namespace the
test creates (loopback addresses only inside it), a route server daemon and one BIRD member in it,
and a stop that removes both daemons and the namespace even when a test fails. Each lab adds only
what its daemon does differently: its config, how it starts, how to ask it for its sessions."""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ixpctl.deploy.target import LocalTarget
from ixpctl.inventory.models import DeployTarget

TIMERS = "hold time 6; keepalive time 2; connect delay time 1; connect retry time 1; error wait time 1, 2;"


def _password(password: str | None) -> str:
    return f'password "{password}";' if password else ""


def member_config(password: str | None = None) -> str:
    """The BIRD member (AS64501 on 127.0.0.2) peering with the route server on 127.0.0.1."""
    return f"""router id 127.0.0.2;
protocol device {{ }}
protocol bgp to_rs {{
  local 127.0.0.2 port 179 as 64501; neighbor 127.0.0.1 port 179 as 64500; strict bind on; multihop 2;
  {TIMERS} {_password(password)}
  ipv4 {{ import all; export none; }};
}}
"""


class NamespaceLab:
    """Subclasses set ``config`` and ``socket`` and define ``write_rs``, ``start_rs`` and
    ``established``."""

    ns_prefix = "ixl-"
    config: Path
    socket: Path

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.ns = f"{self.ns_prefix}{secrets.token_hex(3)}"
        self.procs: dict[str, subprocess.Popen] = {}

    def default_rs_config(self) -> str:
        raise NotImplementedError

    def write_rs(self, text: str) -> None:
        self.config.write_text(text)

    def start_rs(self, config: Path | None = None) -> None:
        raise NotImplementedError

    def established(self) -> bool:
        raise NotImplementedError

    def start(self, rs_text: str | None = None, member_text: str | None = None) -> None:
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.exec(["ip", "link", "set", "lo", "up"], check=True)
        self.write_rs(rs_text or self.default_rs_config())
        (self.tmp / "member.conf").write_text(member_text or member_config())
        self.start_rs()
        self.procs["member"] = self.popen(["bird", "-f", "-c", str(self.tmp / "member.conf"),
                                           "-s", str(self.tmp / "member.ctl")])

    def popen(self, argv: list[str]) -> subprocess.Popen:
        return subprocess.Popen(["ip", "netns", "exec", self.ns, *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def exec(self, argv: list[str], check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.ns, *argv], capture_output=True, text=True, check=check)

    def _wait_established(self, timeout: float, diagnostic: Callable[[], str]) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.established():
                return
            time.sleep(0.2)
        raise AssertionError(f"the BGP session did not come up: {diagnostic()}")

    def stop_rs(self) -> None:
        proc = self.procs.pop("rs", None)
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)

    def settings(self, **overrides) -> DeployTarget:
        return DeployTarget(**{"host": "localhost", "config_path": str(self.config),
                               "control_socket": str(self.socket), **overrides})

    def target(self, **overrides) -> LocalTarget:
        return LocalTarget(self.settings(**overrides), prefix=["ip", "netns", "exec", self.ns])

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
