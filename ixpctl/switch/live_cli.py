"""What the NAPALM getters do not give, read with the platform's own show commands (``driver.cli``).

- CDP neighbours (Cisco IOS / NX-OS): ``show cdp neighbors detail`` — a member's router that speaks
  CDP on the peering LAN; NAPALM has no CDP getter.
- Ports shut by BPDU guard (IOS): ``show interfaces status err-disabled`` — the trace a member's
  spanning tree leaves when BPDU filter/guard did their job (the BPDUs themselves are dropped).
"""

from __future__ import annotations

import re
from typing import Any

from .live import LiveState, Neighbor, canonical

COMMANDS = {
    "ios": ("show cdp neighbors detail", "show interfaces status err-disabled"),
    "nxos": ("show cdp neighbors detail",),
}

_CDP_DEVICE = re.compile(r"^Device ID:\s*(\S+)", re.MULTILINE)
_CDP_IFACE = re.compile(r"^Interface:\s*([^,\s]+),\s*Port ID \(outgoing port\):\s*(\S+)", re.MULTILINE)


def parse_cdp(text: str) -> list[tuple[str, str, str]]:
    """(local interface, remote device, remote port) per CDP entry."""
    out = []
    for entry in re.split(r"^-{5,}\s*$", text, flags=re.MULTILINE):
        dev, iface = _CDP_DEVICE.search(entry), _CDP_IFACE.search(entry)
        if dev and iface:
            out.append((iface.group(1), dev.group(1), iface.group(2)))
    return out


def parse_errdisabled(text: str) -> list[tuple[str, str]]:
    """(port, reason) for each err-disabled port."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^(\S+)\s.*?err-disabled\s+(\S+)", text, re.MULTILINE)]


def read_extra(platform: str, driver: Any, state: LiveState, known: set[str]) -> None:
    commands = COMMANDS.get(platform, ())
    if not commands:
        return
    try:
        outputs = driver.cli(list(commands))
    except Exception as exc:  # noqa: BLE001 -- reported in the audit, never lost
        state.notes.append(f"show commands ({', '.join(commands)}) failed: {type(exc).__name__}: {str(exc)[:200]}")
        return
    for cmd, text in outputs.items():
        if "Invalid" in text or "not enabled" in text.lower():
            state.notes.append(f"`{cmd}`: {text.strip().splitlines()[-1][:200]}")
            continue
        if cmd.startswith("show cdp"):
            for local, device, port in parse_cdp(text):
                state.neighbors.append(Neighbor(canonical(local, known), "cdp", f"{device} {port}"))
        elif "err-disabled" in cmd:
            for port, reason in parse_errdisabled(text):
                if "bpdu" in reason.lower():
                    state.neighbors.append(Neighbor(canonical(port, known), "stp", f"port err-disabled by {reason}"))
