"""Start a modelled switch in its own process for one test; stop it by PID, even when the test fails."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .model import Config

REPO = Path(__file__).resolve().parents[3]
USER, PASSWORD = "ixpctl", "fake-pw"


@dataclass
class FakeSwitch:
    dialect: str
    port: int
    device_file: Path
    live_file: Path
    pid: int

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def state(self) -> dict[str, Any]:
        return json.loads(self.device_file.read_text())

    def running(self) -> Config:
        s = self.state()
        return Config.parse(self.dialect, s["hostname"], s["running"])

    def plant(self, **live: Any) -> None:
        """Set live state (macs=[...], lldp=[...], interfaces={...}); read by the next command."""
        data = json.loads(self.live_file.read_text())
        data.update(live)
        tmp = self.live_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.live_file)

    def netmiko_args(self) -> dict[str, Any]:
        device_type = {"ios": "cisco_ios", "nxos": "cisco_nxos", "huawei": "huawei"}[self.dialect]
        return {"device_type": device_type, "host": self.host, "port": self.port, "username": USER,
                "password": PASSWORD, "timeout": 20, "fast_cli": True, "global_delay_factor": 0.1}

    def optional_args(self) -> dict[str, Any]:
        # fast_cli / a small delay factor: netmiko's fixed waits are sized for slow real devices; the
        # model answers at once. Every exchange still waits for the device's prompt.
        args = {"port": self.port, "fast_cli": True, "global_delay_factor": 0.1}
        if self.dialect == "ios":
            args["dest_file_system"] = "flash:"  # skip netmiko's file-system probe
        return args


class FakeSwitches:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []

    def start(self, dialect: str, hostname: str = "sw1", running: str = "", live: dict | None = None,
              refuse: list[str] | None = None, two_stage: bool = False,
              refuse_commit: list[str] | None = None) -> FakeSwitch:
        """``two_stage``: a Huawei VRPv8 (CloudEngine) whose system-view edits a candidate that
        ``commit`` applies all or nothing; ``refuse_commit``: regexes of lines that make it fail."""
        n = len(self.procs)
        device_file = self.tmp / f"device{n}.json"
        live_file = self.tmp / f"live{n}.json"
        port_file = self.tmp / f"port{n}"
        device_file.write_text(json.dumps({"dialect": dialect, "hostname": hostname, "user": USER,
                                           "password": PASSWORD, "running": running, "files": {},
                                           "refuse": refuse or [], "flash": str(self.tmp / f"flash{n}"),
                                           "two_stage": two_stage, "refuse_commit": refuse_commit or []}))
        live_file.write_text(json.dumps(live or {}))
        with open(self.tmp / f"server{n}.log", "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_device.server", str(device_file),
                                     str(live_file), str(port_file)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        self.procs.append(proc)  # recorded before waiting: a server that hangs is still stopped
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"fake {dialect} switch did not start: {(self.tmp / f'server{n}.log').read_text()}")
            time.sleep(0.05)
        return FakeSwitch(dialect, int(port_file.read_text()), device_file, live_file, proc.pid)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)


@pytest.fixture
def fake_switches(tmp_path):
    switches = FakeSwitches(tmp_path)
    try:
        yield switches
    finally:
        switches.stop()
