"""Network namespaces for lab tests, removed by their recorded names even when a test fails.

Every namespace a test creates goes through ``Netns.add`` first, so the finalizer knows it; processes
started inside are recorded by PID. Cleanup kills recorded PIDs, then any PID still inside a recorded
namespace (``ip netns pids``), then deletes the namespaces — never anything it did not create.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field

import pytest


def sh(*argv: str, check: bool = True, timeout: float = 10, input: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, input=input, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


@dataclass
class Netns:
    names: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)

    def add(self, name: str) -> str:
        self.names.append(name)  # record before creating: a half-created namespace is still ours
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def run(self, ns: str, *argv: str, check: bool = True, timeout: float = 10) -> subprocess.CompletedProcess:
        return sh("ip", "netns", "exec", ns, *argv, check=check, timeout=timeout)

    def popen(self, ns: str, *argv: str) -> subprocess.Popen:
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.pids.append(proc.pid)
        return proc

    def cleanup(self) -> None:
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for name in self.names:
            listed = sh("ip", "netns", "pids", name, check=False)
            for pid in listed.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", name, check=False)


@pytest.fixture
def netns():
    spaces = Netns()
    try:
        yield spaces
    finally:
        spaces.cleanup()
