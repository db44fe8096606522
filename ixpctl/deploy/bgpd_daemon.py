"""Which bgpd runs on the target and which file it re-reads on ``bgpctl reload``.

The OpenBGPD counterpart of ``daemon.py``. bgpd is four processes: the parent (started as
``bgpd [-d] [-f FILE]``, it parses the config on reload) and three children re-executed as
``bgpd -S`` (session engine), ``-R`` (route decision) and ``-T`` (RTR). The session engine owns
the control socket, so the daemon is found like BIRD: the process whose listening unix socket
(from its own ``/proc/PID/net/unix``, network namespaces do not hide it) resolves to
``deploy.control_socket``; its parent's command line says which file bgpd reloads (``-f``,
default ``/etc/bgpd.conf``, relative to the parent's cwd).

Unlike BIRD, bgpd shows no time of its last reload, so whether it runs the file on disk cannot be
read from the daemon: a deploy always ends with a reload (unchanged neighbours keep their
sessions on a bgpd reload), which makes the daemon match the file either way.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from ..errors import DeployError
from .daemon import socket_owner
from .target import Target

DEFAULT_CONFIG = "/etc/bgpd.conf"  # bgpd's compiled-in -f default (Debian too)
_ARG_OPTIONS = set("Df")  # bgpd's options that take a value: -D macro=value, -f file

# $1 the control socket. Prints, per bgpd owning it: PID NUL CWD NUL argv... \001 NUL of the bgpd
# parent (the owner's parent when that is a bgpd too, else the owner itself).
_FIND_OWNER = r"""want=$(readlink -f -- "$1" 2>/dev/null) || want=$1
for d in /proc/[0-9]*; do
  read -r comm 2>/dev/null < "$d/comm" || continue
  [ "$comm" = bgpd ] || continue
  cwd=$(readlink -- "$d/cwd" 2>/dev/null) || continue
  inodes=" $(ls -l -- "$d/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')"
  awk -v inodes="$inodes" '$4 == "00010000" && index(inodes, " " $7 " ") {
      for (i = 1; i <= 7; i++) sub(/^[^ ]+ +/, ""); print }' "$d/net/unix" 2>/dev/null |
  while IFS= read -r s; do
    case "$s" in /*) ;; *) s="$cwd/$s" ;; esac
    r=$(readlink -f -- "$s" 2>/dev/null) || r=$s
    [ "$r" = "$want" ] || continue
    p=${d#/proc/}
    pp=$(awk '/^PPid:/{print $2}' "$d/status" 2>/dev/null)
    if [ -n "$pp" ] && read -r pcomm 2>/dev/null < "/proc/$pp/comm" && [ "$pcomm" = bgpd ]; then p=$pp; fi
    pcwd=$(readlink -- "/proc/$p/cwd" 2>/dev/null) || pcwd=/
    printf '%s\0%s\0' "$p" "$pcwd"; cat -- "/proc/$p/cmdline"; printf '\001\0'
  done
done"""


@dataclass
class BgpdProcess:
    pid: int  # the parent bgpd (the one that re-reads the config)
    cwd: str
    argv: list[str]

    @property
    def config_path(self) -> str:
        config = None
        args = self.argv[1:]
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                break
            if not arg.startswith("-") or arg.startswith("--") or arg == "-":
                continue
            for j, letter in enumerate(arg[1:], 1):
                if letter in _ARG_OPTIONS:
                    value = arg[j + 1:] or (args[i] if i < len(args) else "")
                    i += 0 if arg[j + 1:] else 1
                    if letter == "f":
                        config = value
                    break
        return posixpath.normpath(posixpath.join(self.cwd, config or DEFAULT_CONFIG))

    def to_json(self) -> dict:
        return {"pid": self.pid, "config": self.config_path, "argv": self.argv}


def find_bgpd(target: Target) -> BgpdProcess | None:
    """The bgpd whose session engine listens on ``deploy.control_socket`` on ``target``, or None."""
    return socket_owner(target, _FIND_OWNER, "bgpd", BgpdProcess)


def canonical(target: Target, path: str) -> str:
    res = target.run(["readlink", "-f", "--", path])
    return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else path


def require_expected(process: BgpdProcess | None, target: Target) -> BgpdProcess:
    """``process`` when it reloads deploy.config_path; otherwise a DeployError (nothing changed yet)."""
    s = target.settings
    if process is None:
        raise DeployError(f"OpenBGPD is not running on {target.describe()}: no bgpd listens on "
                          f"{s.control_socket}; nothing was changed",
                          fix="start bgpd (e.g. systemctl start openbgpd), or set deploy.control_socket to the "
                              "socket its config names (socket \"...\")")
    running, expected = canonical(target, process.config_path), canonical(target, s.config_path)
    if running != expected:
        raise DeployError(f"bgpd on {target.describe()} (pid {process.pid}) was started with -f {running}, not "
                          f"{expected} (deploy.config_path): it would never read the deployed file; nothing was "
                          "changed", fix=f"set deploy.config_path to {running}, or restart bgpd with -f {expected}")
    return process


__all__ = ["DEFAULT_CONFIG", "BgpdProcess", "find_bgpd", "require_expected"]
