"""Helpers every benchmark shares: logging, timing under ``/usr/bin/time``, medians and
percentiles, memory (BIRD's ``show memory``, a process's RSS), the machine description, and one
BIRD started in its own network namespace and stopped by its PID.

``bench/run.py``, ``bench/versions.py`` and ``bench/serve_bench.py`` use these; ``bench/run.py``
re-exports the names it used to define (``log``, ``timed``, ``med``, ``_mem_mb``, ``_rss_mb``,
``machine``) for the stages that import them from there.
"""

from __future__ import annotations

import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parents[1]
IXPCTL = str(REPO / ".venv" / "bin" / "ixpctl")
PY = str(REPO / ".venv" / "bin" / "python")
TIME = "/usr/bin/time"


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(cmd: list[str], *, cwd: Path | None = None, stdout=None, env=None) -> dict:
    """Run under /usr/bin/time -v: wall, user+sys, max RSS (MB)."""
    tfile = Path(f"/tmp/ixbench-time-{os.getpid()}.txt")
    started = time.monotonic()
    proc = subprocess.run([TIME, "-v", "-o", str(tfile), *cmd], cwd=cwd, stdout=stdout or subprocess.DEVNULL, check=False,
                          stderr=subprocess.PIPE, text=True, env=env)
    wall = time.monotonic() - started
    text = tfile.read_text()
    tfile.unlink()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    return {"wall": round(wall, 3), "cpu": round(user + sys_, 2), "rss_mb": round(rss, 1), "stderr": proc.stderr}


def repeat(fn, runs: int, slow: float) -> list[dict]:
    """``runs`` results of ``fn()``, or only the first when it took more than ``slow`` seconds."""
    out = [fn()]
    if out[0].get("wall", 0) > slow:
        return out
    for _ in range(runs - 1):
        out.append(fn())
    return out


def med(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def med_of(runs: list[dict], key: str) -> float | None:
    """The median of ``key`` over the runs that measured it (None when none did)."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return med(values) if values else None


def percentiles(values: list[float]) -> dict[str, float]:
    """Latencies in seconds → count, p50, p99 and mean in milliseconds (nearest-rank percentiles)."""
    if not values:
        return {"n": 0}
    values = sorted(values)

    def pick(q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    return {"n": len(values), "p50_ms": round(pick(0.50) * 1000, 1), "p99_ms": round(pick(0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1)}


def bird_memory_mb(text: str) -> float | None:
    """The ``Total:`` of ``birdc show memory``, in MB."""
    m = re.search(r"Total:\s+([\d.]+)\s*([kMG]?B)", text)
    if not m:
        return None
    return round(float(m.group(1)) * {"B": 1 / 2**20, "kB": 1 / 1024, "MB": 1, "GB": 1024}[m.group(2)], 1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return -1.0


def proc_memory(pid: int) -> dict[str, int]:
    """A process's current (VmRSS) and peak (VmHWM) resident memory, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def machine() -> dict:
    from generate import ars_bin  # bench/ is on sys.path for every benchmark

    def sh(cmd: str) -> str:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False).stdout.strip()

    return {
        "cpu": sh("lscpu | grep -E 'Model name|^CPU\\(s\\)|Hypervisor' | sed 's/  */ /g'"),
        "memory": sh("free -h | sed -n 2p"),
        "kernel": platform.release(), "os": sh(". /etc/os-release; echo $PRETTY_NAME"),
        "bird": sh("bird --version 2>&1"), "python": sh(f"{PY} --version"),
        "ixpctl": sh(f"{IXPCTL} --version"),
        "arouteserver": sh(f"{ars_bin('python')} -c 'from pierky.arouteserver.version import __version__ as v; "
                           "print(v)'") if Path(ars_bin()).exists() else "missing",
        "load_at_start": sh("cat /proc/loadavg"),
    }


# --- one BIRD in its own network namespace ------------------------------------------------------

class NetnsBird:
    """BIRD on ``conf`` under ``unshare -n`` (only ``lo``, up), with a private control socket and
    pid file in ``rundir``: no session can come up (the neighbours are not on-link). The Popen's
    PID is the daemon's own (unshare and sh exec it); ``stop`` sends it SIGTERM (SIGKILL after
    120 s). Use as a context manager so it is stopped also when a step fails."""

    def __init__(self, conf: Path, rundir: Path, bird: str = "bird", birdc: str = "birdc"):
        rundir.mkdir(parents=True, exist_ok=True)
        self.rundir, self.birdc_binary = rundir, birdc
        self.ctl, self.pidf = rundir / "bird.ctl", rundir / "bird.pid"
        for f in (self.ctl, self.pidf):
            f.unlink(missing_ok=True)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["unshare", "-n", "sh", "-c",
             f'ip link set lo up && exec "{bird}" -f -c "{conf}" -s "{self.ctl}" -P "{self.pidf}"'],
            stdout=subprocess.DEVNULL, stderr=(rundir / "bird.stderr").open("w"))

    def birdc(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        return subprocess.run([self.birdc_binary, "-s", str(self.ctl), *args], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def ask(self, *args: str) -> str:
        return self.birdc(*args).stdout

    def wait_up(self) -> float:
        """Seconds from exec until ``show status`` answers "Daemon is up". While BIRD parses, a
        connected birdc simply waits: its answer marks the end of start-up."""
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"BIRD exited ({self.proc.returncode}): "
                                   f"{(self.rundir / 'bird.stderr').read_text()[-500:]}")
            if self.ctl.exists() and "Daemon is up" in self.ask("show", "status"):
                return round(time.monotonic() - self.started, 3)
            time.sleep(0.01)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
