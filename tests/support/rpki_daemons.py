"""StayRTR and BIRD as local test daemons: 127.0.0.1 only, ephemeral ports, stopped by PID.

Each process is started by us with Popen (BIRD with ``-f`` so that the PID we hold is the daemon's
own, no fork to chase) and stopped by that PID in the context manager's exit, even when the test
body fails. Nothing here needs root or network namespaces.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def require(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install --no-install-recommends bird2 stayrtr)")


def free_port() -> int:
    """An ephemeral TCP port on 127.0.0.1 that was free a moment ago (the caller retries on a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str | Callable[[], str],
             interval: float = 0.2) -> None:
    """Poll ``condition``; on timeout fail with ``what`` (a callable is evaluated only then, so it
    can show the daemons' logs at the moment of failure)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    text = what() if callable(what) else what
    raise AssertionError(f"timed out after {timeout} s waiting for {text}")


def log_tail(*paths: Path, chars: int = 1500) -> str:
    """The end of each log, for failure messages (the temp dir is gone after the test)."""
    parts = []
    for path in paths:
        text = path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"
        parts.append(f"--- {path.name}:\n{text}")
    return "\n".join(parts)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(proc: subprocess.Popen, timeout: float = 5) -> None:
    """Terminate one process we started, by its PID; kill it if it does not go."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@dataclass
class StayRtr:
    port: int
    cache: Path
    proc: subprocess.Popen
    log: Path


@contextmanager
def stayrtr(cache: Path, workdir: Path, *, refresh: int = 1, attempts: int = 3) -> Iterator[StayRtr]:
    """StayRTR serving the VRP JSON ``cache`` offline on 127.0.0.1 (no metrics listener)."""
    log = workdir / "stayrtr.log"
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        cmd = ["stayrtr", "-cache", str(cache), "-checktime=false", "-bind", f"127.0.0.1:{port}",
               "-metrics.addr", "", "-refresh", str(refresh), "-log.verbose=false"]
        with log.open("ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda p=proc, n=port: _listening(n) or p.poll() is not None, 10, "StayRTR to listen")
            if proc.poll() is not None:
                last_error = log.read_text(errors="replace")[-500:]
                continue  # port taken between free_port() and bind: try another
            yield StayRtr(port, cache, proc, log)
            return
        finally:
            stop(proc)
    raise AssertionError(f"StayRTR did not start: {last_error}")


@dataclass
class Bird:
    socket: Path
    pidfile: Path
    proc: subprocess.Popen
    log: Path

    def cli(self, *command: str) -> str:
        result = subprocess.run(["birdc", "-s", str(self.socket), *command], check=False,
                                capture_output=True, text=True, timeout=10)
        return result.stdout + result.stderr

    def route_count(self, table: str) -> int:
        """Number of routes in ``table`` (``show route table T count``), -1 when BIRD does not answer."""
        match = re.search(r"(\d+) of \d+ routes", self.cli("show", "route", "table", table, "count"))
        return int(match.group(1)) if match else -1


@contextmanager
def bird_daemon(config_text: str, workdir: Path) -> Iterator[Bird]:
    """BIRD 2 running ``config_text`` with its own control socket and pidfile in ``workdir``."""
    config = workdir / "bird.conf"
    log = workdir / "bird.log"
    config.write_text(config_text)
    config_check = subprocess.run(["bird", "-p", "-c", str(config)], check=False, capture_output=True, text=True,
                                  timeout=30)
    assert config_check.returncode == 0, f"bird -p rejected the test config:\n{config_check.stderr}\n{config_text}"
    sock, pidfile = workdir / "bird.ctl", workdir / "bird.pid"
    with log.open("ab") as out:
        proc = subprocess.Popen(["bird", "-f", "-c", str(config), "-s", str(sock), "-P", str(pidfile)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        bird = Bird(sock, pidfile, proc, log)
        wait_for(lambda: proc.poll() is not None or "Daemon is up and running" in bird.cli("show", "status"), 10, "BIRD to start")
        assert proc.poll() is None, f"BIRD exited: {log.read_text(errors='replace')[-1000:]}"
        yield bird
    finally:
        stop(proc)
