"""One look at the whole lab, in bulk: every route each route server holds (accepted and filtered),
every route each BIRD receiver holds per route-server session, and which sessions are up.

The conformance runner polls this until a round converges, so it costs one control-socket query per
table (not one per case, receiver and prefix): ~40 queries for the conformance lab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..verify.model import RouteEntry, Session
from .model import ReceivedRoute
from .speakers import BirdSpeaker, speaker_for

ReceiverKey = tuple[int, int, str, int]  # (member ASN, connection, route server, address family)


@dataclass
class Observation:
    rs_routes: dict[str, dict[tuple[str, str], list[RouteEntry]]] = field(default_factory=dict)  # (prefix, proto)
    rs_sessions: dict[str, dict[str, Session]] = field(default_factory=dict)
    received: dict[ReceiverKey, dict[str, ReceivedRoute]] = field(default_factory=dict)
    receiver_up: dict[ReceiverKey, bool] = field(default_factory=dict)

    def at_rs(self, rs: str, prefix: str, protocol: str) -> list[RouteEntry]:
        return self.rs_routes.get(rs, {}).get((prefix, protocol), [])


def receivers(lab: Any) -> list[dict[str, Any]]:
    """The member routers that can report what they receive: the BIRD ones."""
    return [n for n in lab.state.info["members"] if n["speaker"] == "bird"]


def observe(lab: Any, nodes: list[dict[str, Any]]) -> Observation:
    obs = Observation()
    for rs in lab.rs_names:
        client = lab.rs(rs)
        table: dict[tuple[str, str], list[RouteEntry]] = {}
        if hasattr(client, "all_routes"):  # OpenBGPD (verify.bgpctl): Loc-RIB, Rejected RIB, errors
            for r in client.all_routes():
                table.setdefault((r.prefix, r.protocol), []).append(r)
        for name in ("master4", "master6") if not hasattr(client, "all_routes") else ():
            for filtered in (False, True):  # not `table all`: that lists the ROA tables too
                for r in client.routes(table=name, filtered=filtered):
                    table.setdefault((r.prefix, r.protocol), []).append(r)
        obs.rs_routes[rs] = table
        obs.rs_sessions[rs] = {s.name: s for s in client.sessions()}
    for node in nodes:
        speaker = speaker_for(node, lab.state)
        assert isinstance(speaker, BirdSpeaker)
        up = speaker.sessions_up()
        for rs in lab.rs_names:
            for afi in (4, 6):
                if not node[f"ipv{afi}"]:
                    continue
                key = (node["asn"], node["connection"], rs, afi)
                obs.receiver_up[key] = up.get(f"{rs}_v{afi}", False)
                obs.received[key] = speaker.received_all(rs, afi)
    return obs
