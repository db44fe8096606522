"""One route server's BIRD, as typed data: sessions, and a member's accepted or filtered routes with
the reject reasons decoded. Built on pybird (status) and on BIRD's control socket for everything
pybird 1.2.0 gets wrong on BIRD 2 (see ``parse``). Every call returns correct data or raises.

Only a local control socket is supported so far (on a remote route server, forward the socket,
e.g. ``ssh -L /tmp/rs1.ctl:/run/bird/bird.ctl rs1``).
"""

from __future__ import annotations

import re
from ipaddress import ip_network

from .control import BirdControl, BirdError
from .model import BirdStatus, RouteEntry, Session
from .parse import ParseError, parse_protocols, parse_routes

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class RouteServerClient:
    def __init__(self, socket_path: str, rs_asn: int | None = None, timeout: float = 15.0):
        self.socket_path = str(socket_path)
        self.control = BirdControl(self.socket_path, timeout)
        self._rs_asn = rs_asn

    # --- status ------------------------------------------------------------------------------
    def status(self) -> BirdStatus:
        """Via pybird (works on BIRD 2); raises BirdError when the socket does not answer."""
        from pybird import PyBird

        self.control.query("show status")  # raises with a clear message when BIRD is not there
        data = PyBird(socket_file=self.socket_path).get_bird_status()
        if not data or "version" not in data:
            raise BirdError(f"pybird could not read `show status` from {self.socket_path}")
        return BirdStatus(str(data.get("version")), data.get("router_id"),
                          str(data.get("last_reboot")) if data.get("last_reboot") else None,
                          str(data.get("last_reconfiguration")) if data.get("last_reconfiguration") else None)

    @property
    def rs_asn(self) -> int:
        """The route server's ASN: from the constructor, else the Local AS of its BGP sessions."""
        if self._rs_asn is None:
            for s in self.sessions():
                if s.local_asn:
                    self._rs_asn = s.local_asn
                    break
            else:
                raise BirdError("cannot tell the route-server ASN: no BGP session; pass rs_asn")
        return self._rs_asn

    # --- sessions ----------------------------------------------------------------------------
    def protocols(self) -> list[Session]:
        reply = self.control.query("show protocols all")
        found = parse_protocols(reply.text)
        if not found:
            raise ParseError(f"`show protocols all` on {self.socket_path} listed no protocol at all")
        return found

    def sessions(self) -> list[Session]:
        """The BGP sessions (a BIRD always has a device protocol, so an empty list is real)."""
        return [p for p in self.protocols() if p.proto == "BGP"]

    def session(self, name: str) -> Session:
        for s in self.sessions():
            if s.name == name:
                return s
        raise BirdError(f"no BGP session named {name} on {self.socket_path}")

    def member_sessions(self, asn: int) -> list[Session]:
        found = [s for s in self.sessions() if s.neighbor_asn == asn]
        if not found:
            raise BirdError(f"AS{asn} has no BGP session on this route server ({self.socket_path})")
        return found

    # --- routes ------------------------------------------------------------------------------
    def routes(self, *, protocol: str | None = None, prefix: str | None = None, filtered: bool = False,
               table: str | None = None) -> list[RouteEntry]:
        parts = ["show route"]
        if prefix:
            parts.append(str(ip_network(prefix)))
        if table:
            _check_name(table)
            parts += ["table", table]
        elif prefix is None:
            parts += ["table", "all"]
        if filtered:
            parts.append("filtered")
        if protocol:
            _check_name(protocol)
            parts += ["protocol", protocol]
        parts.append("all")
        # 8001 "Network not found" is an answer (the prefix is not there), not an error.
        reply = self.control.query(" ".join(parts), allow=(8001,) if prefix else ())
        if reply.lines and reply.lines[-1][0] == 8001:
            return []
        return parse_routes(reply.text, filtered=filtered)

    def member_routes(self, asn: int, *, filtered: bool = False, accepted: bool = True) -> list[RouteEntry]:
        """All routes received from member ``asn`` (every session): accepted, filtered, or both."""
        out: list[RouteEntry] = []
        for s in self.member_sessions(asn):
            if accepted:
                out += self.routes(protocol=s.name)
            if filtered:
                out += self.routes(protocol=s.name, filtered=True)
        return out


def _check_name(name: str) -> None:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"not a BIRD protocol/table name: {name!r}")
