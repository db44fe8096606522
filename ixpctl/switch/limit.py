"""``--limit SWITCH[:PORT]``: which switches, and which member ports on them, a diff or push touches."""

from __future__ import annotations

from ..errors import InputError
from ..inventory.models import Inventory

# switch name → ports (None = the whole switch)
Limit = dict[str, set[str] | None]


def parse_limits(inv: Inventory, items: tuple[str, ...] | list[str]) -> Limit | None:
    """None when no limit was given (every switch, every port)."""
    if not items:
        return None
    out: Limit = {}
    names = [s.name for s in inv.switches]
    for item in items:
        switch_name, _, port = item.partition(":")
        sw = inv.switch(switch_name)
        if sw is None:
            raise InputError(f"--limit {item}: no switch '{switch_name}' in the inventory",
                             fix=f"use one of {', '.join(names) or '(no switches defined)'}")
        if not port:
            out[switch_name] = None
            continue
        member_ports = {p for m in inv.members for c in m.connections if c.switch == switch_name
                        for p in [*c.ports, *([c.lag] if c.lag else [])]}
        if sw.port(port) is None and port not in member_ports:
            raise InputError(f"--limit {item}: {switch_name} has no port '{port}'",
                             fix="use a port listed under the switch's ports: or a member's lag: name")
        if port in sw.uplinks:
            raise InputError(f"--limit {item}: {port} is an uplink; ixpctl does not manage uplinks")
        if switch_name in out and out[switch_name] is None:
            continue
        out.setdefault(switch_name, set()).add(port)  # type: ignore[union-attr]
    return out
