"""Reach a remote route server's BIRD control socket over SSH.

OpenSSH forwards a unix socket (``-L local.sock:/run/bird/bird.ctl``), so the verify client talks to
the remote BIRD exactly as to a local one; keys and ~/.ssh/config apply, no password is ever asked
(BatchMode). The forward lives for one command and is torn down afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import InputError, IxpctlError
from ..inventory.models import check_ssh_host, check_ssh_user


def check_destination(destination: str) -> str:
    """``destination`` if it is ``[user@]host`` with a valid user name and host, else InputError.

    Checked here although the inventory checks deploy.host/user too: ``--ssh`` comes straight from
    the command line, and a value beginning with "-" must never reach ssh as an option."""
    user, _, host = destination.rpartition("@")
    try:
        check_ssh_host(host)
        if user or "@" in destination:
            check_ssh_user(user)
    except ValueError as exc:
        raise InputError(f"ssh destination {destination!r}: {exc}",
                         fix="give [USER@]HOST, e.g. root@rs1.example.net") from None
    return destination


def forward_command(destination: str, remote_socket: str, local_socket: str, *, port: int | None = None,
                    ssh: str = "ssh", connect_timeout: int = 10) -> list[str]:
    argv = [ssh, "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
            "-o", "StreamLocalBindUnlink=yes", "-o", f"ConnectTimeout={connect_timeout}"]
    if port:
        argv += ["-p", str(port)]
    # "--" ends ssh's options: the destination can never be read as one.
    return argv + ["-L", f"{local_socket}:{remote_socket}", "--", check_destination(destination)]


@contextmanager
def forwarded_socket(destination: str, remote_socket: str, *, port: int | None = None,
                     ssh: str | None = None, connect_timeout: int = 10) -> Iterator[str]:
    """Yield a local socket path connected to ``remote_socket`` on ``destination`` ([user@]host)."""
    ssh = ssh or os.environ.get("IXPCTL_SSH", "ssh")
    check_destination(destination)  # before anything runs
    if shutil.which(ssh) is None:
        raise IxpctlError(f"'{ssh}' not found: reaching {destination} needs the OpenSSH client",
                          fix="apt-get install openssh-client")
    tmp = tempfile.mkdtemp(prefix="ixpctl-ssh-")
    local = os.path.join(tmp, "bird.ctl")
    proc = subprocess.Popen(forward_command(destination, remote_socket, local, port=port, ssh=ssh,
                                            connect_timeout=connect_timeout),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + connect_timeout + 5
        while not os.path.exists(local):
            if proc.poll() is not None:
                raise IxpctlError(f"ssh to {destination} ended before forwarding {remote_socket}: "
                                  f"{(proc.stderr.read() if proc.stderr else '').strip() or proc.returncode}",
                                  fix="check the host, your SSH key, and that the socket path is right")
            if time.monotonic() > deadline:
                raise IxpctlError(f"ssh to {destination} did not forward {remote_socket} in time")
            time.sleep(0.05)
        yield local
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
