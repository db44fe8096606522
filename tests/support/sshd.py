"""A real OpenSSH server (Debian's openssh-server, ``sshd -D -f <own config>``) inside a network
namespace the test created, as the route-server host: its own host key, key authentication only,
the client's known_hosts pinning that key. Stopped by PID in the fixture's finalizer.

The ssh *client* runs inside the same namespace (``ip netns exec NS ssh -F CONFIG ...``: the
``ssh_command`` wrapper), because tests bind only to addresses inside namespaces they created; the
client, the server, the keys and the host-key check are all the real OpenSSH ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def sshd_binary() -> Path | None:
    """IXPCTL_SSHD, else the one scripts/openssh-server.sh unpacked, else the system's."""
    for candidate in (os.environ.get("IXPCTL_SSHD"), REPO / ".cache/openssh/root/usr/sbin/sshd", "/usr/sbin/sshd"):
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve()  # sshd re-executes itself: an absolute path
    return None


PORT = 2222
HOST = "rs1.lab"  # the name the inventory uses; ssh_config maps it to 127.0.0.1 in the namespace


class Sshd:
    def __init__(self, ns: str, tmp: Path):
        self.ns, self.dir = ns, tmp / "sshd"
        self.proc: subprocess.Popen | None = None
        self.mux_dir: Path | None = None
        self.made_run_dir = False

    def keygen(self, name: str) -> Path:
        key = self.dir / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        return key

    def start(self) -> None:
        self.dir.mkdir(parents=True)
        self.dir.chmod(0o700)
        self.mux_dir = Path(tempfile.mkdtemp(prefix="ixs-", dir="/tmp"))  # unix socket paths are short
        host_key, client_key = self.keygen("host_key"), self.keygen("client_key")
        (self.dir / "authorized_keys").write_text(Path(f"{client_key}.pub").read_text())
        (self.dir / "sshd_config").write_text(f"""Port {PORT}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {self.dir}/sshd.pid
AuthorizedKeysFile {self.dir}/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowStreamLocalForwarding yes
LogLevel VERBOSE
{self._helper_paths()}""")
        self.pin(Path(f"{host_key}.pub").read_text())
        (self.dir / "ssh_config").write_text(f"""Host {HOST}
  HostName 127.0.0.1
  HostKeyAlias {HOST}
  IdentityFile {client_key}
  IdentitiesOnly yes
  UserKnownHostsFile {self.dir}/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  # one connection reused by every command (as an operator's ~/.ssh/config would): ~0.6 s less per
  # command on this machine; the master is told to exit in stop()
  ControlMaster auto
  ControlPath {self.mux_dir}/%C
  ControlPersist 120
""")
        wrapper = self.dir / "ssh"
        wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {self.ns} ssh -F {self.dir}/ssh_config "$@"\n')
        wrapper.chmod(0o755)
        run_dir = Path("/run/sshd")  # sshd's privilege-separation directory (Debian's unit creates it)
        if not run_dir.exists():
            run_dir.mkdir(mode=0o755)
            self.made_run_dir = True
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, str(sshd_binary()), "-D", "-e", "-f",
                                      str(self.dir / "sshd_config")],
                                     stdout=subprocess.DEVNULL, stderr=(self.dir / "sshd.log").open("w"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(["ip", "netns", "exec", self.ns, "ss", "-Hltn", f"sport = :{PORT}"],
                                   capture_output=True, text=True, check=False)
            if str(PORT) in probe.stdout:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"sshd did not start: {(self.dir / 'sshd.log').read_text()}")

    @staticmethod
    def _helper_paths() -> str:
        """OpenSSH >= 9.8 (Debian 13's 10.0) runs each connection in sshd-session (and, from 10.0,
        authenticates in sshd-auth) at their compiled-in /usr/lib/openssh paths: point them at the
        unpacked package's copies (SshdSessionPath, SshdAuthPath) when it has them."""
        lib = sshd_binary().parent.parent / "lib" / "openssh"  # <root>/usr/sbin/sshd → <root>/usr/lib/openssh
        lines = [f"{key} {lib / name}" for key, name in (("SshdSessionPath", "sshd-session"),
                                                          ("SshdAuthPath", "sshd-auth")) if (lib / name).is_file()]
        return "".join(line + "\n" for line in lines)

    def pin(self, host_pub: str) -> None:
        """known_hosts: exactly this host key for HOST (what an operator pins once)."""
        kind, key = host_pub.split()[:2]
        (self.dir / "known_hosts").write_text(f"{HOST} {kind} {key}\n")

    @property
    def ssh_command(self) -> str:
        return str(self.dir / "ssh")

    def log(self) -> str:
        return (self.dir / "sshd.log").read_text(errors="replace")

    def _sshd_pids(self) -> list[int]:
        """sshd processes in the namespace (the listener and its per-connection children)."""
        out = subprocess.run(["ip", "netns", "pids", self.ns], capture_output=True, text=True, check=False).stdout
        pids = []
        for pid in out.split():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip().startswith("sshd"):
                    pids.append(int(pid))
            except OSError:
                continue
        return pids

    def stop(self) -> None:
        if (self.dir / "ssh_config").exists():  # the multiplexing master, if one runs
            subprocess.run(["ip", "netns", "exec", self.ns, "ssh", "-F", str(self.dir / "ssh_config"), "-O", "exit",
                            HOST], capture_output=True, timeout=15, check=False)
        for pid in self._sshd_pids():  # connection children outlive the listener's SIGTERM
            if self.proc is None or pid != self.proc.pid:
                try:
                    os.kill(pid, 15)
                except ProcessLookupError:
                    pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.mux_dir is not None:
            shutil.rmtree(self.mux_dir, ignore_errors=True)
        if self.made_run_dir:
            shutil.rmtree("/run/sshd", ignore_errors=True)


def have_openssh() -> bool:
    import pwd

    try:
        pwd.getpwnam("sshd")  # privilege separation (scripts/openssh-server.sh creates it)
    except KeyError:
        return False
    return sshd_binary() is not None and shutil.which("ssh") is not None and shutil.which("ssh-keygen") is not None


__all__ = ["HOST", "PORT", "Sshd", "have_openssh", "sshd_binary"]
