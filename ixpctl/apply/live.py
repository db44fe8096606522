"""What one route server runs right now, read from its BIRD (or OpenBGPD: ``live_openbgpd``) over the
deploy target (local or ssh):
sessions (established or not, accepted routes per session) and the routes it holds, accepted and
filtered. This is the "before" of every apply: the guard rails compare the new build with it, the
rollout compares the route server after its reload with it, the member e-mails come from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..deploy.target import Target
from ..errors import DeployError
from ..verify.model import RouteEntry, Session
from ..verify.parse import parse_protocols, parse_routes


@dataclass
class LiveState:
    route_server: str
    sessions: dict[str, Session] = field(default_factory=dict)  # BGP sessions by protocol name
    accepted: list[RouteEntry] = field(default_factory=list)
    filtered: list[RouteEntry] = field(default_factory=list)

    def established(self) -> set[str]:
        return {name for name, s in self.sessions.items() if s.established}

    def imported(self, name: str) -> int:
        """Accepted routes of one session (all channels), as BIRD counts them."""
        s = self.sessions.get(name)
        return sum(c.imported for c in s.channels) if s else 0

    def member_of(self, protocol: str) -> int | None:
        s = self.sessions.get(protocol)
        return s.neighbor_asn if s else None

    def accepted_by_member(self) -> dict[int, list[RouteEntry]]:
        out: dict[int, list[RouteEntry]] = {}
        for r in self.accepted:
            asn = self.member_of(r.protocol)
            if asn is not None:
                out.setdefault(asn, []).append(r)
        return out

    def summary(self) -> dict:
        return {"route_server": self.route_server, "sessions": len(self.sessions),
                "established": len(self.established()), "accepted": len(self.accepted),
                "filtered": len(self.filtered)}


def _birdc(target: Target, *args: str) -> str:
    s = target.settings
    res = target.run([s.birdc_binary, "-s", s.control_socket, *args], timeout=300)
    if res.returncode != 0 or "Unable to connect" in res.text:
        raise DeployError(f"BIRD does not answer on {target.describe()} ({s.control_socket}): "
                          f"{res.text[:300] or res.returncode}",
                          fix="start BIRD there, or fix route_servers[].deploy.control_socket")
    # birdc greets with "BIRD 2.0.12 ready." (the control socket's 0001 line): not part of the answer
    lines = res.stdout.splitlines()
    if lines and lines[0].startswith("BIRD ") and lines[0].rstrip().endswith("ready."):
        lines = lines[1:]
    return "\n".join(lines) + "\n"


def _member_routes(text: str, sessions: dict[str, Session], *, filtered: bool) -> list[RouteEntry]:
    """Routes as received from members (one per session and prefix; tables may repeat them)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for r in parse_routes(text, filtered=filtered):
        key = (r.protocol, r.prefix)
        if r.protocol in sessions and key not in seen:
            seen.add(key)
            out.append(r)
    return out


def read_live(name: str, target: Target, *, routes: bool = True, daemon: str = "bird") -> LiveState:
    """The route server's sessions (and, with ``routes``, its member routes, accepted and filtered).
    ``daemon``: the route server's (``route_servers[].daemon``); OpenBGPD is read with bgpctl
    (``live_openbgpd``)."""
    if daemon == "openbgpd":
        from .live_openbgpd import read_live_openbgpd

        return read_live_openbgpd(name, target, routes=routes)
    sessions = {s.name: s for s in parse_protocols(_birdc(target, "show", "protocols", "all")) if s.proto == "BGP"}
    state = LiveState(name, sessions)
    if routes:
        state.accepted = _member_routes(_birdc(target, "show", "route", "table", "all", "all"), sessions,
                                        filtered=False)
        state.filtered = _member_routes(_birdc(target, "show", "route", "table", "all", "filtered", "all"),
                                        sessions, filtered=True)
    return state
