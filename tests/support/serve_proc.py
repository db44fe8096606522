"""A real `ixpctl serve` process on 127.0.0.1:<free port> (the installed CLI, as systemd would
start it), stopped by its PID when the test ends, even on failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.support.serve import free_port

IXPCTL = Path(sys.executable).with_name("ixpctl")


@contextmanager
def serve_process(tmp: Path, *args: str, inventory: Path | None = None, cwd: Path | None = None):
    """Yields (process, base URL). The route servers are offline sockets in ``tmp`` unless ``args``
    name others; the log is ``tmp/serve.log``."""
    port = free_port()
    argv = [str(IXPCTL), "-i", str(inventory or REPO / "inventory" / "mlix.yml"),
            "-p", str(REPO / "policies" / "default.yml"), "serve", "--port", str(port),
            "--snapshot", str(REPO / "snapshots" / "mlix"), "--rate", "100000",
            "--rs-socket", f"rs1={tmp / 'rs1.ctl'}", "--rs-socket", f"rs2={tmp / 'rs2.ctl'}", *args]
    with open(tmp / "serve.log", "wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=cwd or tmp, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ixpctl serve exited {proc.returncode}: {(tmp / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(base + "/api/v1/ixp", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ixpctl serve did not answer within 60 s")
            time.sleep(0.2)
        yield proc, base
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
