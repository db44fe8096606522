"""What the route server's BIRD really runs, read from the daemon rather than from the config file.

A file on disk says nothing about the daemon: a deploy killed between the swap and ``birdc
configure`` leaves the new file in place while BIRD runs the old one, and a BIRD started with
another ``-c`` never reads the file a deploy writes. So, on the target (locally or over the same
ssh channel as the deploy):

1. the process that owns the control socket: every ``bird*`` process (or ``ld-linux*``: a BIRD
   started through its private root's loader) whose listening unix socket
   (its own ``/proc/PID/net/unix``, so network namespaces do not hide it, matched against the
   socket inodes among its ``/proc/PID/fd``) resolves to ``deploy.control_socket``;
2. the file it reads on ``configure``: ``-c`` from ``/proc/PID/cmdline`` (relative to its cwd;
   default ``/etc/bird/bird.conf``, ``bird.conf`` in the cwd with ``-l``);
3. whether it loaded that file after the file was last written: BIRD's ``show status`` prints
   "Current server time" and "Last reconfiguration on"; their difference (same clock, same time
   zone) is compared with the file's age from ``date``, taken just before ``show status``, so the
   comparison can only err towards "not loaded" (which costs one harmless reload). When BIRD was
   slow to answer (a BIRD just started, a loaded machine) so that the answer cannot decide (``date``
   after ``show status`` would say "loaded"), it asks again, up to three times.
"""

from __future__ import annotations

import posixpath
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from ..errors import DeployError
from .target import Target

T = TypeVar("T")

DEFAULT_CONFIG = "/etc/bird/bird.conf"  # Debian's bird2: the compiled-in -c default
_ARG_OPTIONS = set("cDsPug")  # BIRD's options that take a value
_LOADER_ARG_OPTIONS = {"--library-path", "--preload", "--audit", "--argv0", "--inhibit-rpath", "--glibc-hwcaps-mask",
                       "--glibc-hwcaps-prepend"}  # ld.so's options that take a value

# Arguments: $1 the control socket. Prints, per process owning it: PID NUL CWD NUL argv... \001 NUL
_FIND_OWNER = r"""want=$(readlink -f -- "$1" 2>/dev/null) || want=$1
for d in /proc/[0-9]*; do
  read -r comm 2>/dev/null < "$d/comm" || continue
  case "$comm" in bird*|ld-linux*) ;; *) continue ;; esac  # ld-linux*: a BIRD started through its loader
  cwd=$(readlink -- "$d/cwd" 2>/dev/null) || continue
  inodes=" $(ls -l -- "$d/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')"
  awk -v inodes="$inodes" '$4 == "00010000" && index(inodes, " " $7 " ") {
      for (i = 1; i <= 7; i++) sub(/^[^ ]+ +/, ""); print }' "$d/net/unix" 2>/dev/null |
  while IFS= read -r s; do
    case "$s" in /*) ;; *) s="$cwd/$s" ;; esac
    r=$(readlink -f -- "$s" 2>/dev/null) || r=$s
    if [ "$r" = "$want" ]; then printf '%s\0%s\0' "${d#/proc/}" "$cwd"; cat -- "$d/cmdline"; printf '\001\0'; fi
  done
done"""

# Arguments: $1 birdc, $2 socket, $3 the inventory's config path, $4 the daemon's. Prints KEY NUL VALUE NUL.
_STATE = r"""canon() { readlink -f -- "$1" 2>/dev/null || printf '%s' "$1"; }
printf 'expected\0%s\0daemon\0%s\0' "$(canon "$3")" "$(canon "$4")"
printf 'before\0%s\0' "$(date +%s.%N)"
printf 'status\0%s\0' "$("$1" -s "$2" show status 2>&1)"
printf 'after\0%s\0' "$(date +%s.%N)"
printf 'mtime\0%s\0' "$(date -r "$3" +%s.%N 2>/dev/null)"
"""


@dataclass
class DaemonProcess:
    pid: int
    cwd: str
    argv: list[str]

    @property
    def bird_argv(self) -> list[str]:
        """BIRD's own command line. A BIRD started through a dynamic loader (``ld-linux-x86-64.so.2
        --library-path DIR .../bird -c FILE``: a BIRD of another Debian release in a private root,
        see scripts/bird-versions.sh) has the loader's options first."""
        if not posixpath.basename(self.argv[0] if self.argv else "").startswith("ld-linux"):
            return self.argv
        i = 1
        while i < len(self.argv) and self.argv[i].startswith("--"):
            i += 2 if self.argv[i] in _LOADER_ARG_OPTIONS else 1
        return self.argv[i:]

    @property
    def config_path(self) -> str:
        """The file this BIRD re-reads on ``birdc configure``."""
        config, local = None, False
        args = self.bird_argv[1:]
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                break
            if not arg.startswith("-") or arg.startswith("--") or arg == "-":
                continue
            for j, letter in enumerate(arg[1:], 1):
                if letter == "l":
                    local = True
                if letter in _ARG_OPTIONS:
                    value = arg[j + 1:] or (args[i] if i < len(args) else "")
                    i += 0 if arg[j + 1:] else 1
                    if letter == "c":
                        config = value
                    break
        config = config or (posixpath.basename(DEFAULT_CONFIG) if local else DEFAULT_CONFIG)
        return posixpath.normpath(posixpath.join(self.cwd, config))


@dataclass
class Daemon:
    """The running BIRD as seen from the target, and whether it runs the inventory's file."""

    process: DaemonProcess
    config: str  # the file BIRD reads (canonical path on the target)
    expected: str  # deploy.config_path, canonicalised the same way
    reconfigured: str | None  # BIRD's "Last reconfiguration on ..." text
    loaded: bool | None  # BIRD (re)loaded after the file was last written; None = cannot tell
    detail: str

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def runs_expected_file(self) -> bool:
        return self.config == self.expected

    def to_json(self) -> dict:
        return {"pid": self.pid, "config": self.config, "reconfigured": self.reconfigured,
                "loaded_current_file": self.loaded, "detail": self.detail}


def find_daemon(target: Target) -> DaemonProcess | None:
    """The BIRD process that owns ``deploy.control_socket`` on ``target``, or None."""
    return socket_owner(target, _FIND_OWNER, "bird", DaemonProcess)


def socket_owner(target: Target, script: str, daemon: str, make: Callable[[int, str, list[str]], T]) -> T | None:
    """Run a find-the-owner ``script`` (it prints PID NUL CWD NUL argv... \\001 NUL per process owning
    ``deploy.control_socket``) on ``target``: the one owner, None, or a DeployError when several own it.
    Shared by BIRD (``find_daemon``) and OpenBGPD (``bgpd_daemon.find_bgpd``); the scripts differ."""
    res = target.run(["sh", "-c", script, f"ixpctl-find-{daemon}", target.settings.control_socket], timeout=60)
    owners: list[T] = []
    pids: set[int] = set()
    fields = res.stdout.split("\0")
    while len(fields) >= 3 and fields[0].isdigit():
        end = fields.index("\x01", 2) if "\x01" in fields[2:] else len(fields)
        owners.append(make(int(fields[0]), fields[1], fields[2:end]))
        pids.add(int(fields[0]))
        fields = fields[end + 1:]
    if len(pids) > 1:
        raise DeployError(f"several {daemon} processes ({', '.join(map(str, sorted(pids)))}) on {target.describe()} "
                          f"listen on {target.settings.control_socket}", fix="stop the ones that should not run")
    return owners[0] if owners else None


_TIME = re.compile(r"^(Current server time is|Last reconfiguration on)\s+(.+?)\s*$", re.MULTILINE)


def _parse_time(text: str) -> tuple[datetime, float] | None:
    """BIRD's base time format (default "iso long ms"): the time and its resolution in seconds."""
    for fmt, resolution in (("%Y-%m-%d %H:%M:%S.%f", None), ("%Y-%m-%d %H:%M:%S", 1.0)):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed, resolution or 10.0 ** -len(text.rpartition(".")[2])
    return None


def daemon_state(target: Target, process: DaemonProcess, attempts: int = 3) -> Daemon:
    s = target.settings
    for _ in range(attempts):
        res = target.run(["sh", "-c", _STATE, "ixpctl-bird-state", s.birdc_binary, s.control_socket, s.config_path,
                          process.config_path], timeout=60)
        daemon, undecided = _state(target, process, res.stdout)
        if not undecided:
            break
        time.sleep(0.2)
    return daemon


def _state(target: Target, process: DaemonProcess, stdout: str) -> tuple[Daemon, bool]:
    """The daemon, and whether the answer came too slowly to say "loaded" although it may be."""
    s = target.settings
    undecided = False
    items = stdout.split("\0")
    got = dict(zip(items[0::2], items[1::2]))
    status = got.get("status", "")
    times = {m.group(1): m.group(2) for m in _TIME.finditer(status)}
    now, reconf = (_parse_time(times.get(k, "")) for k in ("Current server time is", "Last reconfiguration on"))
    loaded: bool | None = None
    try:
        before, mtime = float(got.get("before", "")), float(got.get("mtime", ""))
    except ValueError:
        detail = f"cannot tell when {s.config_path} was written (no such file, or no GNU date there)"
    else:
        if now is None or reconf is None:
            undecided = True  # not answering yet (just started?): ask again
            detail = ("cannot read BIRD's reconfiguration time from `show status` "
                      f"({status.strip().splitlines()[-1] if status.strip() else 'no answer'})")
        else:
            since_reconf = (now[0] - reconf[0]).total_seconds() + max(now[1], reconf[1])
            file_age = before - mtime
            loaded = since_reconf <= file_age
            try:  # BIRD answered at some time in [before, after]: with `after`, would it be loaded?
                undecided = not loaded and since_reconf - 2 * max(now[1], reconf[1]) <= float(got["after"]) - mtime
            except (KeyError, ValueError):
                pass
            detail = (f"BIRD last reconfigured {since_reconf:.3f} s ago, the file was written {file_age:.3f} s ago: "
                      + ("loaded after it was written" if loaded else "not loaded since it was written"))
    return Daemon(process, got.get("daemon", process.config_path), got.get("expected", s.config_path),
                  times.get("Last reconfiguration on"), loaded, detail), undecided


def probe(target: Target) -> Daemon | None:
    """The running BIRD and what it runs, or None when no bird process owns the control socket."""
    process = find_daemon(target)
    return daemon_state(target, process) if process is not None else None


def require_expected(daemon: Daemon | None, target: Target) -> Daemon:
    """``daemon`` when it runs deploy.config_path; otherwise a DeployError (nothing changed yet)."""
    s = target.settings
    if daemon is None:
        raise DeployError(f"BIRD is not running on {target.describe()}: no bird process listens on "
                          f"{s.control_socket}; nothing was changed",
                          fix="start BIRD (e.g. systemctl start bird), or set deploy.control_socket to the "
                              "socket it was started with (-s)")
    if not daemon.runs_expected_file:
        raise DeployError(f"BIRD on {target.describe()} (pid {daemon.pid}) was started with -c {daemon.config}, "
                          f"not {daemon.expected} (deploy.config_path): it would never read the deployed file; "
                          "nothing was changed",
                          fix=f"set deploy.config_path to {daemon.config}, or restart BIRD with -c {daemon.expected}")
    return daemon
