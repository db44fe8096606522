"""ixpctl serve in tests: a Service on the MLIX example (route servers wherever the test says), a
Starlette TestClient for in-process requests, and a real uvicorn server on 127.0.0.1 (a free port,
in a thread, stopped by the fixture) for the browser and load tests."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ixpctl.serve.app import create_app
from ixpctl.serve.config import Limits, RouteServerSource, ServeConfig
from ixpctl.serve.service import Service
from tests.conftest import REPO

# Tests send many requests from one address: a high rate limit, except where a test checks it.
TEST_LIMITS = Limits(rate_per_minute=100_000, rate_burst=10_000)


def mlix_config(sources: tuple[RouteServerSource, ...], **overrides) -> ServeConfig:
    return ServeConfig(REPO / "inventory" / "mlix.yml", REPO / "policies" / "default.yml", REPO / "snapshots" / "mlix",
                       sources, **{"limits": TEST_LIMITS, **overrides})


def offline_sources(tmp: Path) -> tuple[RouteServerSource, ...]:
    """Route servers whose sockets do not exist: every daemon read is 'unreachable'."""
    return (RouteServerSource("rs1", str(tmp / "rs1.ctl")), RouteServerSource("rs2", str(tmp / "rs2.ctl")))


def lab_sources(lab) -> tuple[RouteServerSource, ...]:
    return tuple(RouteServerSource(rs["name"], rs["socket"], rs.get("daemon", "bird"), bgpctl=rs.get("bgpctl", "bgpctl"))
                 for rs in lab.state.info["route_servers"])


def client(service: Service):
    from starlette.testclient import TestClient
    return TestClient(create_app(service), raise_server_exceptions=False)


def with_limits(config: ServeConfig, **limits) -> ServeConfig:
    return replace(config, limits=replace(config.limits, **limits))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(service: Service):
    """A real uvicorn server on 127.0.0.1:<free port>; yields its base URL; stopped on exit."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
