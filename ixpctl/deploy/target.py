"""Where a route server's config lives: this host, or another one reached with ssh/scp.

A Target runs commands and moves files; the deploy logic above it is the same for both. SSH uses
the system's OpenSSH client (keys, agent, ~/.ssh/config), never a password from the inventory.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeployError
from ..inventory.models import DeployTarget, check_ssh_host, check_ssh_user


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return (self.stdout + self.stderr).strip()


class Target:
    settings: DeployTarget

    def run(self, argv: list[str], timeout: float = 120) -> Result:
        raise NotImplementedError

    def read(self, path: str) -> bytes | None:
        raise NotImplementedError

    def write(self, path: str, data: bytes) -> None:
        raise NotImplementedError

    def rename(self, src: str, dst: str) -> None:
        raise NotImplementedError

    def remove(self, path: str) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class LocalTarget(Target):
    """This host. ``prefix`` wraps every command (e.g. ``ip netns exec NAME`` in tests)."""

    def __init__(self, settings: DeployTarget, prefix: list[str] | None = None):
        self.settings = settings
        self.prefix = list(prefix or [])

    def run(self, argv: list[str], timeout: float = 120) -> Result:
        try:
            proc = subprocess.run(self.prefix + argv, capture_output=True, text=True, timeout=timeout, check=False)
        except FileNotFoundError:
            raise DeployError(f"{argv[0]} not found on {self.describe()}",
                              fix="install bird2 there or set deploy.bird_binary / birdc_binary") from None
        except subprocess.TimeoutExpired:
            raise DeployError(f"`{' '.join(argv)}` did not answer within {timeout:.0f} s on {self.describe()}") from None
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def read(self, path: str) -> bytes | None:
        try:
            return Path(path).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, path: str, data: bytes) -> None:
        tmp = f"{path}.ixpctl-tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def rename(self, src: str, dst: str) -> None:
        os.replace(src, dst)  # atomic on the same filesystem

    def remove(self, path: str) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def describe(self) -> str:
        return "localhost"


class SshTarget(Target):
    """Another host over OpenSSH. Files go through `cat` on the remote side (no scp needed)."""

    def __init__(self, settings: DeployTarget, ssh: str = "ssh", connect_timeout: int = 10):
        self.settings = settings
        # Checked again here (the inventory model checks too): an object built without validation
        # must not be able to turn "-oProxyCommand=..." into an ssh option.
        try:
            check_ssh_host(settings.host)
            check_ssh_user(settings.user)
        except ValueError as exc:
            raise DeployError(f"deploy target: {exc}", fix="fix deploy.host / deploy.user in the inventory") from None
        # "--" ends ssh's options: the destination and the command after it are never options.
        self.base = [ssh, "-o", "BatchMode=yes", "-o", f"ConnectTimeout={connect_timeout}",
                     "-p", str(int(settings.port)), "--", f"{settings.user}@{settings.host}"]

    def _ssh(self, command: str, data: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(self.base + [command], input=data, capture_output=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise DeployError(f"ssh to {self.describe()} timed out after {timeout:.0f} s") from None

    def run(self, argv: list[str], timeout: float = 120) -> Result:
        proc = self._ssh(" ".join(shlex.quote(a) for a in argv), timeout=timeout)
        if proc.returncode == 255:
            raise DeployError(f"ssh to {self.describe()} failed: {proc.stderr.decode(errors='replace').strip()}",
                              fix="check deploy.host/user/port and that your SSH key is accepted")
        return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))

    def read(self, path: str) -> bytes | None:
        proc = self._ssh(f"cat {shlex.quote(path)} 2>/dev/null || echo __IXPCTL_MISSING__ >&2")
        if b"__IXPCTL_MISSING__" in proc.stderr:
            return None
        return proc.stdout

    def write(self, path: str, data: bytes) -> None:
        tmp = shlex.quote(f"{path}.ixpctl-tmp")
        proc = self._ssh(f"cat > {tmp} && sync {tmp} && mv -f {tmp} {shlex.quote(path)}", data=data)
        if proc.returncode != 0:
            raise DeployError(f"cannot write {path} on {self.describe()}: {proc.stderr.decode(errors='replace')}")

    def rename(self, src: str, dst: str) -> None:
        if self.run(["mv", "-f", src, dst]).returncode != 0:
            raise DeployError(f"cannot rename {src} to {dst} on {self.describe()}")

    def remove(self, path: str) -> None:
        self.run(["rm", "-f", path])

    def describe(self) -> str:
        return f"{self.settings.user}@{self.settings.host}"


def target_for(settings: DeployTarget) -> Target:
    return LocalTarget(settings) if settings.host in ("localhost", "127.0.0.1", "::1") else SshTarget(settings)
