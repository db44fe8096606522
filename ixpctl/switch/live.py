"""What a switch looks like right now, read from the device: the input of ``ixpctl switch audit``.

Vendor switches are read with the NAPALM getters of the switch's driver (MAC table, LLDP neighbours,
interfaces, error counters) over the same connection ``switch push`` uses; a getter the driver lacks
becomes a note in the report, never a silent gap. The Linux bridge is read in ``live_linux.py``.
Interface names are normalised to the long form the inventory uses (VRP prints GE0/0/1 in its tables).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

_SHORT = (("XGE", "XGigabitEthernet"), ("GE", "GigabitEthernet"), ("Gi", "GigabitEthernet"),
          ("Te", "TenGigabitEthernet"), ("Eth", "Ethernet"), ("Et", "Ethernet"), ("Po", "Port-channel"))


@dataclass(frozen=True)
class MacEntry:
    mac: str  # lower-case colon form
    interface: str
    vlan: int | None = None


@dataclass(frozen=True)
class Neighbor:
    interface: str
    protocol: str  # "lldp" | "cdp" | "stp"
    remote: str  # system name / bridge id / source MAC, as the device reports it


@dataclass
class PortState:
    is_up: bool
    is_enabled: bool = True
    rx_errors: int = 0
    tx_errors: int = 0


@dataclass
class LiveState:
    switch: str
    taken_at: float = field(default_factory=time.time)
    macs: list[MacEntry] = field(default_factory=list)
    neighbors: list[Neighbor] = field(default_factory=list)
    ports: dict[str, PortState] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what could not be read, and why

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def canonical(name: str, known: set[str] | frozenset[str] = frozenset()) -> str:
    """The inventory's spelling of an interface name the device printed in short form."""
    if name in known:
        return name
    for short, long in _SHORT:
        m = re.fullmatch(rf"{short}(\d.*)", name)
        if m and long + m.group(1) in known:
            return long + m.group(1)
    return name


def normal_mac(mac: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2)) if len(digits) == 12 else mac.lower()


def _getter(driver: Any, name: str, state: LiveState) -> Any:
    try:
        return getattr(driver, name)()
    except NotImplementedError:
        state.notes.append(f"the {type(driver).__name__} driver has no {name}(): not audited")
    except Exception as exc:  # noqa: BLE001 -- reported in the audit, never lost
        state.notes.append(f"{name}() failed: {type(exc).__name__}: {str(exc).strip()[:300]}")
    return None


def read_napalm(switch: str, driver: Any, known_ports: set[str]) -> LiveState:
    """Read an opened NAPALM driver. Errors per getter become notes; the connection is the caller's."""
    state = LiveState(switch)
    for e in _getter(driver, "get_mac_address_table", state) or []:
        vlan = e.get("vlan")
        state.macs.append(MacEntry(normal_mac(str(e["mac"])), canonical(str(e["interface"]), known_ports),
                                   int(vlan) if isinstance(vlan, int) or str(vlan).isdigit() else None))
    for local, peers in (_getter(driver, "get_lldp_neighbors", state) or {}).items():
        for p in peers:
            state.neighbors.append(Neighbor(canonical(local, known_ports), "lldp",
                                            f"{p.get('hostname', '?')} {p.get('port', '')}".strip()))
    interfaces = _getter(driver, "get_interfaces", state) or {}
    counters = _getter(driver, "get_interfaces_counters", state) or {}
    for name, info in interfaces.items():
        c = counters.get(name, {})
        state.ports[canonical(name, known_ports)] = PortState(
            is_up=bool(info.get("is_up")), is_enabled=bool(info.get("is_enabled", True)),
            rx_errors=max(0, int(c.get("rx_errors", 0) or 0)), tx_errors=max(0, int(c.get("tx_errors", 0) or 0)))
    return state
