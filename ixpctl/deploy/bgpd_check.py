"""``bgpd -n -f FILE`` for generated OpenBGPD configs: the OpenBGPD counterpart of ``bird -p``.

Runs in the background like build's BirdCheck (same ``wait`` / ``cancel``), so a build checks
every config and publishes all or none. bgpd prints ``FILE:LINE: message``; the error quotes the
offending line (secrets masked).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from ..errors import BuildError
from ..render.secrets import mask_secrets


def bgpd_binary(explicit: str | None = None) -> str:
    binary = explicit or os.environ.get("IXPCTL_BGPD", "bgpd")
    if shutil.which(binary) is None:
        raise BuildError(f"'{binary}' not found: every generated OpenBGPD config is checked with `bgpd -n`",
                         fix="apt-get install openbgpd (or set IXPCTL_BGPD to the bgpd binary)")
    return binary


def bgpd_version(binary: str) -> str:
    out = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=10, check=False)
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", out.stdout + out.stderr)
    return match.group(1) if match else "0"


class BgpdCheck:
    def __init__(self, path: Path, binary: str, *, shown_as: str | None = None):
        self.path, self.shown_as = path, shown_as or str(path)
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary, "-n", "-f", str(path)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def wait(self) -> float:
        try:
            out, err = self.proc.communicate(timeout=1800)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise BuildError(f"bgpd -n did not finish on {self.shown_as} within 30 minutes") from None
        elapsed = time.monotonic() - self.started
        if self.proc.returncode != 0:
            message = (err or out).strip()
            lines = self.path.read_text(errors="replace").splitlines()
            details = []
            for m in re.finditer(r"^.*?:(\d+): (.*)$", message, re.MULTILINE):
                n = int(m.group(1))
                context = lines[n - 1].strip() if 0 < n <= len(lines) else ""
                details.append(f"line {n}: {m.group(2)}\n    > {mask_secrets(context)}")
            detail = "\n  ".join(details[:5]) or message
            raise BuildError(f"OpenBGPD rejected the generated config {self.shown_as}: {detail}",
                             fix="if the inventory is valid this is an ixpctl bug: report it with the line above")
        return elapsed

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def check_bgpd_config(path: Path, binary: str, *, shown_as: str | None = None) -> float:
    return BgpdCheck(path, binary, shown_as=shown_as).wait()


__all__ = ["BgpdCheck", "bgpd_binary", "bgpd_version", "check_bgpd_config"]
