"""Live state of a Linux-bridge switch: ``bridge fdb``, ``ip -s link``, and the frames members send.

The FDB alone would miss what matters most: nftables drops a foreign source MAC before the bridge
learns it, so a second router behind a member port never shows up in ``bridge fdb``. With
``listen_seconds`` the audit also listens on every bridge port (``l2sniff.py``, a packet socket in the
switch's namespace) and reports each source MAC, LLDPDU, BPDU and CDP frame that came in.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .live import LiveState, MacEntry, Neighbor, PortState, normal_mac


def read_linux_bridge(switch: str, driver: Any, listen_seconds: float = 0.0,
                      known_ports: set[str] | frozenset[str] = frozenset()) -> LiveState:
    """``known_ports``: the switch's ports in the inventory. They are read even when they are not in
    the bridge (the driver detaches unused ports), so a rogue port that comes up is still seen."""
    state = LiveState(switch)
    bridge = driver.bridge
    links = [link for link in driver._json("ip", "-j", "-s", "link", "show")
             if link.get("master") == bridge or link.get("ifname") in known_ports]
    for link in links:
        stats = link.get("stats64") or link.get("stats") or {}
        state.ports[link["ifname"]] = PortState(
            is_up=link.get("operstate") == "UP", is_enabled="UP" in (link.get("flags") or []),
            rx_errors=int((stats.get("rx") or {}).get("errors", 0)), tx_errors=int((stats.get("tx") or {}).get("errors", 0)))
    for e in driver._json("bridge", "-j", "fdb", "show", "br", bridge):
        if e.get("state") == "permanent" or e.get("ifname") in (None, bridge) or "self" in (e.get("flags") or []):
            continue  # the ports' own addresses, not something a member sent
        state.macs.append(MacEntry(normal_mac(e["mac"]), e["ifname"], e.get("vlan")))
    listening = sorted(name for name, p in state.ports.items() if p.is_up)  # a down port hears nothing
    if listen_seconds > 0 and listening:
        out = driver._run(sys.executable, "-m", "ixpctl.switch.l2sniff", str(listen_seconds), *listening)
        seen = json.loads(out)
        known = {(m.mac, m.interface) for m in state.macs}
        for port, got in seen.items():
            for mac in got["macs"]:
                if (mac, port) not in known:
                    state.macs.append(MacEntry(mac, port, None))
            state.neighbors += [Neighbor(port, "lldp", name) for name in got["lldp"]]
            state.neighbors += [Neighbor(port, "stp", mac) for mac in got["stp"]]
            state.neighbors += [Neighbor(port, "cdp", mac) for mac in got["cdp"]]
    elif listen_seconds <= 0:
        state.notes.append("Linux bridge: LLDP/STP/CDP and filtered source MACs are only seen with --listen SECONDS")
    return state
