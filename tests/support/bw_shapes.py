"""The birdwatcher JSON shapes Alice-LG reads (alice-lg/birdwatcher docs/schema.md and its parser),
as checks shared by the BIRD and the OpenBGPD tests."""

from __future__ import annotations

import re
from typing import Any

# every bgpctl command ixpctl serve may run (fixed words; the only argument, a neighbour's address)
BGPCTL_ALLOWED = re.compile(r"^show (neighbor|rtr|rib( table Rejected)?( in( error)?| out)?"
                            r"( neighbor [0-9a-f.:]+)?( detail)?)$")


def check_envelope(body: dict[str, Any]) -> None:
    api = body["api"]
    assert isinstance(api["Version"], str) and isinstance(api["result_from_cache"], bool)
    assert set(api["cache_status"]["cached_at"]) == {"date", "timezone_type", "timezone"}
    assert body["ttl"] > body["cached_at"]


def check_protocol(p: dict[str, Any]) -> None:
    for key, kind in (("protocol", str), ("bird_protocol", str), ("table", str), ("state", str),
                      ("connection", str), ("routes", dict), ("channels", dict), ("neighbor_address", str),
                      ("neighbor_as", int), ("description", str), ("bgp_state", str)):
        assert isinstance(p[key], kind), (key, p)
    assert set(p["routes"]) == {"imported", "filtered", "exported", "preferred"}
    assert all(isinstance(v, int) for v in p["routes"].values())
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", p["state_changed"])


def check_route(r: dict[str, Any]) -> None:
    for key, kind in (("network", str), ("from_protocol", str), ("age", str), ("primary", bool), ("metric", int),
                      ("gateway", str), ("interface", str), ("type", list), ("bgp", dict)):
        assert isinstance(r[key], kind), (key, r)
    bgp = r["bgp"]
    assert all(isinstance(a, str) for a in bgp["as_path"])
    assert all(len(c) == 2 and all(isinstance(x, int) for x in c) for c in bgp["communities"])
    assert all(len(c) == 3 and all(isinstance(x, int) for x in c) for c in bgp["large_communities"])


def record_bgpctl(service) -> list[str]:
    """The arguments of every bgpctl command the service's OpenBGPD readers run from now on (the
    real bgpctl still runs; this only writes them down)."""
    commands: list[str] = []
    for view in service.views.values():
        reader = view._bgpctl
        if reader is None:
            continue

        def recording(*args: str, _real=reader.query):
            commands.append(" ".join(args))
            return _real(*args)

        reader.query = recording
    return commands
