"""The data that flows through ``ixpctl onboard``: what PeeringDB says, pre-flight verdicts, the plan.

Plain dataclasses with ``to_json`` so the CLI can print them as rich tables for humans and as JSON
for CI from the same objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..errors import IxpctlError
from ..facts import PdbNetIxLan, PdbNetwork

Verdict = Literal["pass", "warn", "fail"]


class OnboardRefused(IxpctlError):
    """Onboarding stopped before writing anything (special ASN, already a member, not in PeeringDB,
    address or port taken, a failed pre-flight check...). Exit code 1: a check said no."""

    exit_code = 1


@dataclass
class NetworkRecord:
    """What we know about the network being onboarded, and where it came from."""

    asn: int
    network: PdbNetwork | None  # None: not in PeeringDB (only with --force)
    netixlan: list[PdbNetIxLan] = field(default_factory=list)  # its live rows at this IXP
    origin: str = "peeringdb cache"  # "peeringdb cache" | "facts snapshot" | "command line"
    notes: list[str] = field(default_factory=list)
    # addresses other networks registered at this IXP in PeeringDB: never handed out as "next free"
    reserved: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"asn": self.asn, "network": asdict(self.network) if self.network else None,
                "netixlan": [asdict(r) for r in self.netixlan], "origin": self.origin, "notes": self.notes}


@dataclass
class CheckResult:
    """One pre-flight check: a verdict and a sentence that says why (and what to do on warn/fail)."""

    name: str
    verdict: Verdict
    explanation: str
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConnectionPlan:
    """One connection of the new member: addresses (with where each came from), port, MACs."""

    lan: str
    ipv4: str | None
    ipv6: str | None
    ipv4_source: str | None  # "peeringdb" | "--ipv4" | "next free"
    ipv6_source: str | None
    switch: str | None = None
    ports: list[str] = field(default_factory=list)
    speed: int | None = None
    macs: list[str] = field(default_factory=list)
    route_server: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
