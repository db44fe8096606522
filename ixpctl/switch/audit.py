"""``ixpctl switch audit``: compare what the switches show now with what the inventory says.

Findings (each names the switch, the port, the member when there is one, and what was seen):

- ``unknown-mac``: a source MAC on a member port that is not one of the member's registered MACs
  (a second router, a host bridged by mistake, a MAC changed without telling the IXP);
- ``wrong-port``: a MAC registered for one member port seen on another port;
- ``control-protocol``: LLDP, CDP or STP frames received from a member (Euro-IX: none toward the LAN);
- ``member-port-down``: an active member's port is down;
- ``unassigned-port-up``: a port that belongs to no active member (unused, planned or disabled) is up;
- ``errors-rising``: a port's error counters grew since the previous reading (``--state FILE`` keeps
  the reading between two runs, for monitoring from cron).

Uplinks are never audited (they see everyone's MACs and speak LLDP by design).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .intent import SwitchIntent
from .live import LiveState

KINDS = ("unknown-mac", "wrong-port", "control-protocol", "member-port-down", "unassigned-port-up",
         "errors-rising")


@dataclass(frozen=True)
class Finding:
    kind: str
    switch: str
    port: str
    detail: str
    member_asn: int | None = None


@dataclass
class SwitchAudit:
    switch: str
    platform: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the switch could not be read at all
    live: dict[str, Any] | None = None


@dataclass
class AuditReport:
    switches: list[SwitchAudit]

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.switches for f in s.findings]

    @property
    def unreadable(self) -> list[SwitchAudit]:
        return [s for s in self.switches if s.error]

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for f in self.findings if f.kind == k) for k in KINDS}

    def to_json(self) -> dict[str, Any]:
        return {"ok": not self.findings and not self.unreadable, "counts": self.counts(),
                "switches": [asdict(s) for s in self.switches]}


def compare(intent: SwitchIntent, live: LiveState, previous: dict[str, dict[str, int]] | None = None) -> list[Finding]:
    """Pure: the findings for one switch (``previous`` = error counters of the last reading)."""
    out: list[Finding] = []
    sw = intent.name
    uplinks = set(intent.uplinks)
    member_port: dict[str, Any] = {}  # every interface name of a group → the group
    for g in intent.groups:
        for name in g.port_names:
            member_port[name] = g
    owner = {mac: g for g in intent.groups for mac in g.macs}
    for e in sorted(set(live.macs), key=lambda m: (m.interface, m.mac)):
        if e.interface in uplinks:
            continue
        g = member_port.get(e.interface)
        home = owner.get(e.mac)
        if home is not None and (g is None or home.interface != g.interface):
            out.append(Finding("wrong-port", sw, e.interface, f"{e.mac} is registered for AS{home.member_asn} on "
                               f"{home.interface}", home.member_asn))
        elif g is not None and e.mac not in g.macs:
            out.append(Finding("unknown-mac", sw, e.interface, f"{e.mac} is not a registered MAC of AS{g.member_asn} "
                               f"({', '.join(g.macs) or 'none registered'})", g.member_asn))
        elif g is None and home is None:
            out.append(Finding("unknown-mac", sw, e.interface, f"{e.mac} on a port that belongs to no member"))
    for n in live.neighbors:
        if n.interface in uplinks:
            continue
        g = member_port.get(n.interface)
        who = f"AS{g.member_asn}" if g else "a port without a member"
        out.append(Finding("control-protocol", sw, n.interface, f"{n.protocol.upper()} from {who}: {n.remote}",
                           g.member_asn if g else None))
    active_ports = {p.name for g in intent.groups if g.state == "active" for p in g.ports}
    active_ports |= {g.interface for g in intent.groups if g.state == "active"}
    for g in intent.groups:
        if g.state != "active":
            continue
        for name in sorted({g.interface, *(p.name for p in g.ports)}):
            st = live.ports.get(name)
            if st is not None and not st.is_up:
                why = "administratively down" if not st.is_enabled else "no link"
                out.append(Finding("member-port-down", sw, name, f"AS{g.member_asn} {why}", g.member_asn))
    for name, st in sorted(live.ports.items()):
        if name in uplinks or name in active_ports or not st.is_up:
            continue
        g = member_port.get(name)
        what = f"AS{g.member_asn} is {g.state}" if g else "no member owns this port"
        out.append(Finding("unassigned-port-up", sw, name, f"up, but {what}", g.member_asn if g else None))
    for name, st in sorted(live.ports.items()):
        before = (previous or {}).get(name)
        if name in uplinks or before is None:
            continue
        grew = {k: now - before.get(k, now) for k, now in (("rx_errors", st.rx_errors), ("tx_errors", st.tx_errors))}
        if any(v > 0 for v in grew.values()):
            g = member_port.get(name)
            out.append(Finding("errors-rising", sw, name, ", ".join(f"{k} +{v}" for k, v in grew.items() if v > 0),
                               g.member_asn if g else None))
    return out


def counters_of(live: LiveState) -> dict[str, dict[str, int]]:
    return {n: {"rx_errors": p.rx_errors, "tx_errors": p.tx_errors} for n, p in live.ports.items()}


def load_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return {}  # a damaged reading only costs one comparison; the new one replaces it
    return data if isinstance(data, dict) else {}


def save_state(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)
