"""Announcements a member speaker makes in the lab (independent of the BGP implementation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_network
from typing import Any

Segment = tuple[str, tuple[int, ...]]


def parse_path(value: Any) -> tuple[Segment, ...]:
    """YAML AS_PATH: ``[64496, 65540]``, with AS_SETs as nested lists: ``[64496, [64510, 64511]]``."""
    segments: list[Segment] = []
    for item in value or []:
        if isinstance(item, (list, tuple)):
            segments.append(("set", tuple(int(a) for a in item)))
        elif segments and segments[-1][0] == "seq":
            segments[-1] = ("seq", segments[-1][1] + (int(item),))
        else:
            segments.append(("seq", (int(item),)))
    return tuple(segments)


def parse_community(text: Any) -> tuple[int, ...]:
    parts = tuple(int(p) for p in str(text).replace(",", ":").split(":"))
    if len(parts) not in (2, 3):
        raise ValueError(f"not a community: {text!r} (write 65535:0 or 64500:0:64497)")
    return parts


ExtCommunity = tuple[str, int, int]  # BIRD's spelling: ("rt", 64496, 1) is the route target 64496:1
EXT_KINDS = ("rt", "ro")  # two-octet-AS route target / route origin: what every speaker can send


def parse_ext_community(text: Any) -> ExtCommunity:
    """``rt:64496:1`` (route target) or ``ro:64496:1`` (route origin), as BIRD prints them."""
    kind, _, rest = str(text).partition(":")
    parts = rest.split(":")
    if kind not in EXT_KINDS or len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not an extended community: {text!r} (write rt:64496:1 or ro:64496:1)")
    return kind, int(parts[0]), int(parts[1])


@dataclass(frozen=True)
class Announcement:
    """A route a member announces to the route servers. ``as_path`` is the full path as the route
    server receives it (the member's own ASN first); ``next_hop`` None = the member's own address."""

    prefix: str
    as_path: tuple[Segment, ...] = ()
    next_hop: str | None = None
    communities: frozenset[tuple[int, int]] = frozenset()
    large_communities: frozenset[tuple[int, int, int]] = frozenset()
    to: tuple[str, ...] = ()  # route servers; () = all
    med: int | None = None
    ext_communities: frozenset[ExtCommunity] = frozenset()

    @property
    def afi(self) -> int:
        return ip_network(self.prefix).version

    @classmethod
    def from_dict(cls, data: dict[str, Any], member_asn: int) -> Announcement:
        path = parse_path(data.get("as_path")) if "as_path" in data else (("seq", (member_asn,)),)
        comms = [parse_community(c) for c in data.get("communities", [])]
        to = data.get("to", ())
        return cls(str(ip_network(str(data["prefix"]))), path,
                   str(data["next_hop"]) if data.get("next_hop") else None,
                   frozenset(c for c in comms if len(c) == 2),  # type: ignore[misc]
                   frozenset(c for c in comms if len(c) == 3) |  # type: ignore[operator]
                   frozenset(parse_community(c) for c in data.get("large_communities", [])),
                   tuple([to] if isinstance(to, str) else to),
                   int(data["med"]) if data.get("med") is not None else None,
                   frozenset(parse_ext_community(c) for c in data.get("ext_communities", [])))

    def to_json(self) -> dict[str, Any]:
        out = {"prefix": self.prefix, "as_path": [list(a) if k == "set" else a for k, asns in self.as_path
                                                   for a in ([asns] if k == "set" else asns)],
               "next_hop": self.next_hop, "communities": sorted(self.communities),
               "large_communities": sorted(self.large_communities), "to": list(self.to)}
        if self.med is not None:  # only when set: announced.json files of older labs stay as they were
            out["med"] = self.med
        if self.ext_communities:
            out["ext_communities"] = sorted(self.ext_communities)
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Announcement:
        return cls(d["prefix"], parse_path(d["as_path"]), d["next_hop"],
                   frozenset(tuple(c) for c in d["communities"]),  # type: ignore[misc]
                   frozenset(tuple(c) for c in d["large_communities"]), tuple(d["to"]),  # type: ignore[misc]
                   d.get("med"), frozenset(tuple(c) for c in d.get("ext_communities", [])))  # type: ignore[misc]


@dataclass
class ReceivedRoute:
    """A route as a member speaker received it from a route server."""

    prefix: str
    as_path: tuple[Segment, ...]
    next_hop: str | None
    communities: list[tuple[int, int]] = field(default_factory=list)
    large_communities: list[tuple[int, int, int]] = field(default_factory=list)
    med: int | None = None
    ext_communities: list[ExtCommunity] = field(default_factory=list)

    @property
    def flat_path(self) -> list[int]:
        return [a for _, asns in self.as_path for a in asns]
