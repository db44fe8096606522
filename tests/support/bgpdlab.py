"""A real OpenBGPD route server (bgpd in the foreground) and one BIRD peer in a network namespace
the test creates (loopback addresses only inside it), for the OpenBGPD deploy and verify tests.
Both daemons and the namespace are removed even when a test fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.nslab import NamespaceLab

# bgpd's privilege-separated children chroot to its user's home (Debian's _openbgpd: /run/openbgpd,
# made by systemd's RuntimeDirectory when the packaged service runs; not here).
CHROOT = Path("/run/openbgpd")


def bgpd_config(socket: Path, peer_as: int = 64501, extra: str = "", listen: str = "127.0.0.1",
                neighbor_extra: str = "", neighbor: str = "127.0.0.2") -> str:
    return f"""AS 64500
router-id 127.0.0.1
socket "{socket}"
listen on {listen}
neighbor {neighbor} {{
  remote-as {peer_as}
  descr "member1"
  local-address 127.0.0.1
  holdtime 6
  {neighbor_extra}
}}
{extra}
"""


class BgpdLab(NamespaceLab):
    ns_prefix = "ixo-"

    def __init__(self, tmp: Path, bgpd: str = "bgpd", bgpctl_binary: str = "bgpctl"):
        super().__init__(tmp)
        self.bgpd, self.bgpctl_binary = bgpd, bgpctl_binary
        self.config = tmp / "bgpd.conf"
        self.socket = tmp / "bgpd.sock"
        self.log = tmp / "bgpd.log"

    def default_rs_config(self) -> str:
        return bgpd_config(self.socket)

    def write(self, path: Path, text: str) -> None:
        path.write_text(text)
        path.chmod(0o600)  # bgpd refuses a config others may read

    def write_rs(self, text: str) -> None:
        self.write(self.config, text)

    def start_rs(self, config: Path | None = None) -> None:
        CHROOT.mkdir(mode=0o755, exist_ok=True)
        with open(self.log, "ab") as log:
            self.procs["rs"] = subprocess.Popen(["ip", "netns", "exec", self.ns, self.bgpd, "-d", "-f",
                                                 str(config or self.config)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.socket.exists() and self.bgpctl("show", "summary").returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"bgpd did not start: {self.log.read_text()}")

    def bgpctl(self, *args: str) -> subprocess.CompletedProcess:
        return self.exec([self.bgpctl_binary, "-s", str(self.socket), *args])

    def neighbors(self) -> list[dict]:
        res = self.bgpctl("-j", "show", "neighbor")
        return json.loads(res.stdout).get("neighbors", []) if res.returncode == 0 else []

    def established(self) -> bool:
        return any(n.get("state") == "Established" for n in self.neighbors())

    def wait_established(self, timeout: float = 30) -> None:
        self._wait_established(timeout, lambda: f"{self.neighbors()} {self.log.read_text()[-2000:]}")


def require_root_bgpd_bird() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    missing = [t for t in ("bgpd", "bgpctl", "bird") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")


@pytest.fixture
def bgpdlab(tmp_path):
    """A started OpenBGPD route server whose session with the BIRD member is Established."""
    require_root_bgpd_bird()
    lab = BgpdLab(tmp_path)
    try:
        lab.start()
        lab.wait_established()
        yield lab
    finally:
        lab.stop()
