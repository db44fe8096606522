"""Where a route server's config lives: this host, or another one reached with ssh.

A Target runs commands and moves files; the deploy logic above it is the same for both. SSH uses
the system's OpenSSH client (keys, agent, ~/.ssh/config), never a password from the inventory.

File operations never leave a partial file: data goes to ``<path>.ixpctl-tmp`` first (mode 0600
while it is written, since route-server configs hold MD5 secrets), is synced, takes the owner,
group and mode of the file it replaces, and is renamed over the target; on any failure the
temporary file is removed and a DeployError says what the operating system said (e.g. "No space
left on device").
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeployError
from ..inventory.models import DeployTarget, check_ssh_host, check_ssh_user

NEW_FILE_MODE = 0o640  # a config with no predecessor to copy from: it may hold secrets


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

    def write(self, path: str, data: bytes, *, like: str | None = None) -> None:
        """Replace ``path`` with ``data``; owner, group and mode from ``like`` when that exists."""
        raise NotImplementedError

    def link(self, src: str, dst: str) -> None:
        """Make ``dst`` another name of ``src`` (replacing ``dst`` atomically): same bytes, owner,
        mode and mtime, no disk space needed, so a full disk cannot leave a half copy."""
        raise NotImplementedError

    def rename(self, src: str, dst: str) -> None:
        raise NotImplementedError

    def touch(self, path: str) -> None:
        """Set the mtime to now (a restored file is one BIRD has not loaded yet)."""
        raise NotImplementedError

    def remove(self, path: str) -> None:
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        return self.run(["test", "-e", path]).returncode == 0

    def describe(self) -> str:
        raise NotImplementedError


def _os_error(what: str, path: str, where: str, exc: OSError) -> DeployError:
    return DeployError(f"cannot {what} {path} on {where}: {exc.strerror or exc}",
                       fix="free disk space or fix the permissions there, then deploy again")


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
        except OSError as exc:
            raise _os_error("read", path, self.describe(), exc) from None

    def write(self, path: str, data: bytes, *, like: str | None = None) -> None:
        tmp = f"{path}.ixpctl-tmp"
        try:
            ref = os.stat(like) if like and os.path.exists(like) else None
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if ref is not None:
                    os.fchown(fd, ref.st_uid, ref.st_gid)
                os.fchmod(fd, (ref.st_mode & 0o7777) if ref is not None else NEW_FILE_MODE)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise _os_error("write", path, self.describe(), exc) from None

    def link(self, src: str, dst: str) -> None:
        tmp = f"{dst}.ixpctl-tmp"
        try:
            Path(tmp).unlink(missing_ok=True)
            os.link(src, tmp)
            os.replace(tmp, dst)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise _os_error("keep a copy of", src, self.describe(), exc) from None

    def rename(self, src: str, dst: str) -> None:
        try:
            os.replace(src, dst)  # atomic on the same filesystem
        except OSError as exc:
            raise _os_error("rename", f"{src} to", self.describe(), exc) from None

    def touch(self, path: str) -> None:
        try:
            os.utime(path)
        except OSError as exc:
            raise _os_error("touch", path, self.describe(), exc) from None

    def remove(self, path: str) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def exists(self, path: str) -> bool:
        return os.path.lexists(path)

    def describe(self) -> str:
        return "localhost"


# Remote file operations, one `sh -c` each with the paths as positional arguments (never spliced
# into the script). Every failure removes the temporary file.
_SH_WRITE = """umask 077; tmp="$1.ixpctl-tmp"; rm -f -- "$tmp"
if cat > "$tmp" && { if [ -e "$2" ]; then chown --reference="$2" -- "$tmp" && chmod --reference="$2" -- "$tmp";
   else chmod 640 -- "$tmp"; fi; } && sync -- "$tmp" && mv -f -- "$tmp" "$1"; then exit 0; fi
rm -f -- "$tmp"; exit 1"""
_SH_LINK = """tmp="$2.ixpctl-tmp"; rm -f -- "$tmp"
if ln -- "$1" "$tmp" && mv -f -- "$tmp" "$2"; then exit 0; fi
rm -f -- "$tmp"; exit 1"""


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
        proc = self._ssh(shlex.join(argv), timeout=timeout)
        if proc.returncode == 255:
            raise DeployError(f"ssh to {self.describe()} failed: {proc.stderr.decode(errors='replace').strip()}",
                              fix="check deploy.host/user/port and that your SSH key is accepted")
        return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))

    def read(self, path: str) -> bytes | None:
        proc = self._ssh(f"cat -- {shlex.quote(path)} 2>/dev/null || echo __IXPCTL_MISSING__ >&2")
        if b"__IXPCTL_MISSING__" in proc.stderr:
            return None
        return proc.stdout

    def _sh(self, what: str, path: str, script: str, args: list[str], data: bytes | None = None) -> None:
        proc = self._ssh(shlex.join(["sh", "-c", script, "ixpctl", *args]), data=data)
        if proc.returncode != 0:
            raise DeployError(f"cannot {what} {path} on {self.describe()}: "
                              f"{proc.stderr.decode(errors='replace').strip() or proc.returncode}",
                              fix="free disk space or fix the permissions there, then deploy again")

    def write(self, path: str, data: bytes, *, like: str | None = None) -> None:
        self._sh("write", path, _SH_WRITE, [path, like or ""], data=data)

    def link(self, src: str, dst: str) -> None:
        self._sh("keep a copy of", src, _SH_LINK, [src, dst])

    def rename(self, src: str, dst: str) -> None:
        res = self.run(["mv", "-f", "--", src, dst])
        if res.returncode != 0:
            raise DeployError(f"cannot rename {src} to {dst} on {self.describe()}: {res.text}")

    def touch(self, path: str) -> None:
        res = self.run(["touch", "--", path])
        if res.returncode != 0:
            raise DeployError(f"cannot touch {path} on {self.describe()}: {res.text}")

    def remove(self, path: str) -> None:
        self.run(["rm", "-f", "--", path])

    def describe(self) -> str:
        return f"{self.settings.user}@{self.settings.host}"


def target_for(settings: DeployTarget) -> Target:
    """Local for localhost, else SSH with ``IXPCTL_SSH`` (default ``ssh``; the same variable as
    ``verify.ssh``'s socket forward)."""
    if settings.host in ("localhost", "127.0.0.1", "::1"):
        return LocalTarget(settings)
    return SshTarget(settings, ssh=os.environ.get("IXPCTL_SSH", "ssh"))
