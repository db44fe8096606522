"""The route servers' tables as the reports need them: one row per (route server, member, prefix).

Kept apart from ``ixpctl.verify`` (same rank): the CLI reads the live route servers, builds an
``RsState`` and passes it in; ``--state FILE`` reads the same JSON back, so a report can be
rebuilt offline from what a route server said at a given time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from ipaddress import ip_network
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem


@dataclass(frozen=True)
class RsRoute:
    rs: str  # route-server name
    member_asn: int  # the neighbour the route came from
    prefix: str
    accepted: bool
    reason: str | None = None  # the chain check that rejected it (``policy.chain`` name), None if accepted
    origin_asn: int | None = None

    @property
    def family(self) -> int:
        return 6 if ":" in self.prefix else 4


@dataclass(frozen=True)
class RsSession:
    rs: str
    name: str
    member_asn: int
    established: bool


@dataclass(frozen=True)
class RsServer:
    """One route server that was read: its name, its daemon ("bird" / "openbgpd"), and how."""

    name: str
    daemon: str
    where: str


@dataclass
class RsState:
    collected_at: str  # ISO-8601 UTC
    where: list[str] = field(default_factory=list)  # which route servers were read, how
    sessions: list[RsSession] = field(default_factory=list)
    routes: list[RsRoute] = field(default_factory=list)
    servers: list[RsServer] = field(default_factory=list)  # absent in state files of older versions

    def to_json(self) -> dict[str, Any]:
        return {"collected_at": self.collected_at, "where": self.where,
                "servers": [asdict(s) for s in self.servers],
                "sessions": [asdict(s) for s in self.sessions], "routes": [asdict(r) for r in self.routes]}

    def daemon(self, rs: str) -> str | None:
        return next((s.daemon for s in self.servers if s.name == rs), None)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RsState:
        """Checked: a state file is input like any other (prefixes parse, ASNs are numbers)."""
        routes = [RsRoute(**r) for r in data.get("routes", [])]
        for index, route in enumerate(routes):
            ip_network(route.prefix)  # ValueError names the bad prefix
            if not isinstance(route.member_asn, int) or not isinstance(route.accepted, bool):
                raise TypeError(f"routes[{index}]: member_asn must be a number and accepted true/false")
        servers = [RsServer(str(s["name"]), str(s["daemon"]), str(s.get("where", ""))) for s in data.get("servers", [])]
        return cls(str(data["collected_at"]), [str(w) for w in data.get("where", [])],
                   [RsSession(**s) for s in data.get("sessions", [])], routes, servers)

    @classmethod
    def read(cls, path: Path) -> RsState:
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            why = f"missing key {err}" if isinstance(err, KeyError) else str(err)
            raise InputError(f"{path} is not a route-server state file ({why})",
                             problems=[Problem(why, str(path), None, None)],
                             fix="write one with `ixpctl report impact --save-state FILE`") from None

    def write(self, path: Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
