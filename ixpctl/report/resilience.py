"""What would still work inside the country if its international links were cut.

For each critical service of the inventory (``critical_services:``): is it reachable locally through
the route servers today? A prefix is *reachable* when accepted routes cover all of its addresses,
*partly* when they cover some; an ASN is reachable when routes it originates are accepted (or it is
a member whose routes are accepted). The members whose routes carry it are listed: they are the
ones to keep connected.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from netaddr import IPNetwork, IPSet

from ..inventory.models import CriticalService
from .state import RsRoute

Status = Literal["reachable", "partial", "unreachable"]


@dataclass
class ServiceCheck:
    name: str
    kind: str
    status: Status
    via: list[int] = field(default_factory=list)  # member ASNs whose accepted routes carry it
    missing: list[str] = field(default_factory=list)  # prefixes / ASNs not (fully) reachable
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _span(prefix: str) -> tuple[int, int, int]:
    net = IPNetwork(prefix)
    return net.version, net.first, net.last


def check_service(service: CriticalService, accepted: list[RsRoute],
                  spans: list[tuple[tuple[int, int, int], RsRoute]] | None = None) -> ServiceCheck:
    via: set[int] = set()
    missing: list[str] = []
    reached = 0.0
    targets = len(service.prefixes) + len(service.asns)
    spans = spans if spans is not None else [(_span(r.prefix), r) for r in accepted]
    for prefix in service.prefixes:
        wanted = IPSet([IPNetwork(str(prefix))])
        version, first, last = _span(str(prefix))
        # overlap by integer bounds: cheap enough for every service against a full table
        carriers = [r for (v, a, b), r in spans if v == version and a <= last and b >= first]
        covered = IPSet(IPNetwork(r.prefix) for r in carriers) & wanted
        via |= {r.member_asn for r in carriers}
        if covered.size == wanted.size:
            reached += 1
        elif covered.size:
            reached += 0.5
            missing.append(f"{prefix} (partly)")
        else:
            missing.append(str(prefix))
    for asn in service.asns:
        carriers = [r for r in accepted if r.origin_asn == asn or r.member_asn == asn]
        via |= {r.member_asn for r in carriers}
        if carriers:
            reached += 1
        else:
            missing.append(f"AS{asn}")
    status: Status = "reachable" if reached == targets else "partial" if reached else "unreachable"
    return ServiceCheck(service.name, service.kind, status, sorted(via), missing, service.note)


def check_all(services: list[CriticalService], routes: list[RsRoute]) -> list[ServiceCheck]:
    accepted = [r for r in routes if r.accepted]
    spans = [(_span(r.prefix), r) for r in accepted]
    return [check_service(s, accepted, spans) for s in services]
