"""Do members receive the same routes from every route server? RFC 7948 §4.4 asks for route servers
"configured equivalently"; with rs1 on BIRD and rs2 on OpenBGPD this is the check that they are.

For every member router that can report what it receives (the BIRD ones) and each address family,
the routes from each route server are compared attribute by attribute: prefix, AS path, next hop,
MED, communities, large and extended communities. A difference names the receiver, the prefix,
the attribute and what each route server gave; a route only one of them sent is a difference too.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from .model import ReceivedRoute
from .observe import receivers
from .speakers import BirdSpeaker, speaker_for

FIELDS = ("as_path", "next_hop", "med", "communities", "large_communities", "ext_communities")


@dataclass
class Difference:
    receiver: str  # "AS64501/1 IPv4"
    prefix: str
    field: str  # one of FIELDS, or "presence"
    values: dict[str, Any]  # route server → what it gave

    def __str__(self) -> str:
        got = ", ".join(f"{rs}: {v}" for rs, v in self.values.items())
        return f"{self.receiver} {self.prefix}: {self.field} differs ({got})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Comparison:
    route_servers: dict[str, str]  # name → daemon and version ("OpenBGPD 7.7")
    receivers: int
    routes: int  # (receiver, prefix) pairs compared
    differences: list[Difference]

    @property
    def identical(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"route_servers": self.route_servers, "receivers": self.receivers, "routes": self.routes,
                "identical": self.identical, "differences": [d.to_json() for d in self.differences]}


def _value(r: ReceivedRoute, name: str) -> Any:
    value = getattr(r, name)
    return sorted(value) if isinstance(value, list) else value


def compare_received(by_rs: dict[str, dict[str, ReceivedRoute]], receiver: str) -> tuple[int, list[Difference]]:
    """One receiver, one address family: ``by_rs`` is route server → prefix → route."""
    prefixes = sorted(set().union(*(set(v) for v in by_rs.values()))) if by_rs else []
    out = []
    for prefix in prefixes:
        got = {rs: routes.get(prefix) for rs, routes in by_rs.items()}
        if any(r is None for r in got.values()):
            out.append(Difference(receiver, prefix, "presence",
                                  {rs: "received" if r else "not received" for rs, r in got.items()}))
            continue
        for name in FIELDS:
            values = {rs: _value(r, name) for rs, r in got.items() if r is not None}
            if len({repr(v) for v in values.values()}) > 1:
                out.append(Difference(receiver, prefix, name, values))
    return len(prefixes), out


def compare_route_servers(lab: Any, wait: float = 15.0) -> Comparison:
    """Compare now, and again until identical or ``wait`` seconds passed: two daemons converge at
    their own pace after a change, so a difference counts only once it persists."""
    deadline = time.monotonic() + wait
    while True:
        result = _compare_once(lab)
        if result.identical or time.monotonic() >= deadline:
            return result
        time.sleep(1.0)


def daemon_label(lab: Any, rs: str) -> str:
    """"BIRD 2.0.12" / "OpenBGPD 7.7": what route server ``rs`` runs in this lab."""
    info = lab.state.info
    record = next((r for r in info.get("route_servers", []) if r.get("name") == rs), {})
    if record.get("daemon") == "openbgpd":
        return f"OpenBGPD {record.get('version', '')}".strip()
    return f"BIRD {(info.get('rs_bird') or {}).get('version', '')}".strip()


def _compare_once(lab: Any) -> Comparison:
    names = list(lab.rs_names)
    daemons = {rs: daemon_label(lab, rs) for rs in names}
    total, diffs, nodes = 0, [], receivers(lab)
    for node in nodes:
        speaker = speaker_for(node, lab.state)
        assert isinstance(speaker, BirdSpeaker)
        for afi in (4, 6):
            if not node[f"ipv{afi}"]:
                continue
            label = f"AS{node['asn']}/{node['connection']} IPv{afi}"
            n, d = compare_received({rs: speaker.received_all(rs, afi) for rs in names}, label)
            total, diffs = total + n, diffs + d
    return Comparison(daemons, len(nodes), total, diffs)


__all__ = ["Comparison", "Difference", "compare_received", "compare_route_servers", "daemon_label"]
