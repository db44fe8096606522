"""An OpenBGPD route server in the lab: the config ``ixpctl build`` renders for it (lab socket and
connect-retry only), checked with ``bgpd -n``, started in the foreground (``bgpd -d``) in its
namespace, read through ``bgpctl -j``. The lab file chooses the daemon per route server
(``daemons: {rs2: openbgpd}``), so the conformance suite can run rs1 on BIRD and rs2 on OpenBGPD.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ..errors import IxpctlError
from ..policy.intent import RouteServerIntent
from ..render.openbgpd import render_route_server
from ..verify.bgpctl import BgpctlClient, BgpctlError
from .state import LabState

# bgpd's privilege-separated children chroot to the home of its user (Debian: _openbgpd,
# /run/openbgpd, created by systemd's RuntimeDirectory when the packaged service runs: not here).
CHROOT = Path("/run/openbgpd")
TOOLS = ("bgpd", "bgpctl")


def prepare(intent: RouteServerIntent, d: Path, timers: dict[str, Any], *,
            series: str | None = None) -> dict[str, str]:
    """Write and check ``bgpd.conf``; the record ``Lab`` keeps for this route server. ``series``
    (the lab's ``rs_openbgpd``): run that OpenBGPD, else the one the route server's
    ``openbgpd_version`` names (the config is written for it: 8.8 refuses 7.7's spelling and back)."""
    from ..build import check_bgpd_config
    from ..deploy.bgpd_binaries import openbgpd_for

    socket = d / "bgpd.sock"
    text = render_route_server(intent, socket=str(socket), timers={"connect_retry": timers["connect_retry"]})
    config = d / "bgpd.conf"
    config.write_text(text)
    config.chmod(0o600)  # bgpd refuses a config others can read
    pair = openbgpd_for(series or intent.openbgpd_version)
    binary, ctl, version = pair.bgpd, pair.bgpctl, pair.version
    check_bgpd_config(config, binary)
    return {"daemon": "openbgpd", "socket": str(socket), "config": str(config), "version": version,
            "bgpd": binary, "bgpctl": ctl}


def start(state: LabState, rs: dict[str, Any]) -> None:
    CHROOT.mkdir(mode=0o755, exist_ok=True)
    os.chmod(CHROOT, 0o755)
    state.spawn(f"{rs['name']}-bgpd", rs["ns"], [rs.get("bgpd", "bgpd"), "-d", "-f", rs["config"]])


def wait_ready(socket: str, bgpctl: str = "bgpctl", timeout: float = 10.0) -> None:
    """Until bgpd answers and its RTR sessions (if any) have synchronised: a route that arrives
    before the RTR engine hands the RDE its VRP/ASPA tables is validated against empty ones first
    (seen on 8.8 under load: an ASPA tag that came late), so the members start only after."""
    deadline = time.monotonic() + timeout
    client = BgpctlClient(socket, binary=bgpctl)
    while time.monotonic() < deadline:
        if Path(socket).exists():
            try:
                client.query("show", "summary")
                if all(s.established for s in client.rtr_sessions()):
                    return
            except BgpctlError:
                pass
        time.sleep(0.05)
    raise IxpctlError(f"bgpd did not open its control socket {socket} or its RTR sessions did not synchronise "
                      f"within {timeout:.0f} s")


__all__ = ["TOOLS", "prepare", "start", "wait_ready"]
