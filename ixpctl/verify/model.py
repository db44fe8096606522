"""Typed data returned by the verify layer (route-server sessions and routes as BIRD reports them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..policy.chain import BY_CODE, REJECT_REASON, WOULD_REJECT

Segment = tuple[str, tuple[int, ...]]  # ("seq" | "set", asns) — the same shape as policy.evaluate


@dataclass
class ChannelStats:
    """One channel (address family) of a protocol: `Routes:` and the import-limit lines."""

    name: str  # ipv4 / ipv6
    state: str | None = None
    imported: int = 0
    filtered: int = 0
    exported: int = 0
    preferred: int = 0
    import_limit: int | None = None
    limit_action: str | None = None
    import_updates: dict[str, int] = field(default_factory=dict)  # received/rejected/filtered/ignored/accepted


@dataclass
class Session:
    """A BIRD protocol (BGP sessions, but also rpki/static/device ones when asked for)."""

    name: str
    proto: str
    table: str | None
    state: str  # up / start / down ...
    since: str | None
    info: str  # Established / Active / Idle / Connect ...
    message: str | None = None  # BIRD's note after the state, e.g. "Automatic shutdown: Route limit exceeded"
    description: str | None = None
    bgp_state: str | None = None
    neighbor: str | None = None
    neighbor_asn: int | None = None
    local_asn: int | None = None
    neighbor_id: str | None = None
    last_error: str | None = None
    channels: list[ChannelStats] = field(default_factory=list)

    @property
    def established(self) -> bool:
        return (self.bgp_state or self.info).startswith("Established")

    @property
    def problem(self) -> str | None:
        """Why the session is not up: BIRD's `Last error`, else its state message."""
        return self.last_error or self.message

    @property
    def member_asn(self) -> int | None:
        return self.neighbor_asn

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["established"] = self.established
        data["problem"] = self.problem
        return data


@dataclass
class Rejection:
    code: int
    check: str | None  # chain check name (None if the code is unknown to this ixpctl)
    reason: str  # the English title
    tag_only: bool = False  # (RS, 65521, code): check failed in tag mode, route accepted


@dataclass
class RouteEntry:
    """One path of a prefix in a BIRD table (``show route ... all``)."""

    prefix: str
    protocol: str
    table: str | None
    primary: bool
    filtered: bool
    since: str | None = None
    as_path: tuple[Segment, ...] = ()
    next_hop: str | None = None
    local_pref: int | None = None
    origin: str | None = None
    communities: list[tuple[int, int]] = field(default_factory=list)
    large_communities: list[tuple[int, int, int]] = field(default_factory=list)
    med: int | None = None
    ext_communities: list[tuple[str, int, int]] = field(default_factory=list)  # ("rt", 64496, 1); AS-based only
    attributes: dict[str, str] = field(default_factory=dict)  # every `BGP.x:` line, raw

    def rejections(self, rs_asn: int, bases: tuple[int, int] = (REJECT_REASON, WOULD_REJECT)) -> list[Rejection]:
        """Reject and would-reject reasons of this route (``(RS, base, code)``; the policy's
        communities.reject_reason_base / tag_reason_base, 65520 / 65521 by default), decoded with
        chain.BY_CODE."""
        reject, tag = bases
        out = []
        for a, b, c in self.large_communities:
            if a == rs_asn and b in (reject, tag):
                check = BY_CODE.get(c)
                out.append(Rejection(c, check.name if check else None,
                                     check.title if check else f"unknown reason code {c}", b == tag))
        return out

    def reject_reason(self, rs_asn: int, bases: tuple[int, int] = (REJECT_REASON, WOULD_REJECT)) -> Rejection | None:
        hard = [r for r in self.rejections(rs_asn, bases) if not r.tag_only]
        return hard[0] if hard else None

    @property
    def flat_path(self) -> list[int]:
        return [a for _, asns in self.as_path for a in asns]

    def to_json(self, rs_asn: int | None = None,
                bases: tuple[int, int] = (REJECT_REASON, WOULD_REJECT)) -> dict[str, Any]:
        data = asdict(self)
        path: list[Any] = []  # ASNs in order, an AS_SET as {"set": [...]}
        for kind, asns in self.as_path:
            path += list(asns) if kind == "seq" else [{"set": list(asns)}]
        data["as_path"] = path
        if rs_asn is not None:
            data["rejections"] = [asdict(r) for r in self.rejections(rs_asn, bases)]
        return data


@dataclass
class BirdStatus:
    version: str | None
    router_id: str | None
    last_reboot: str | None
    last_reconfiguration: str | None
