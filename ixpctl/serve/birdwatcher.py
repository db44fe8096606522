"""The JSON shapes of birdwatcher (alice-lg/birdwatcher), so Alice-LG in single-table mode can use
ixpctl serve as its source unchanged: an ``api`` envelope with the cache status, ``ttl`` and
``cached_at``; ``protocols`` as a map keyed by protocol name (BIRD's `show protocols all` fields
with lower-cased, underscored keys, and ``routes`` counts); ``routes`` as a list (network,
from_protocol, age, primary, metric, gateway, interface, and ``bgp`` attributes with communities as
integer lists). Built from the verify layer's typed data, not from raw text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .. import __version__
from ..verify.model import RouteEntry, Session

API_VERSION = f"ixpctl-{__version__}"


def _time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def envelope(body: dict[str, Any], cached_at: float, ttl: float, from_cache: bool) -> dict[str, Any]:
    at = _time(cached_at)
    expires = datetime.fromtimestamp(cached_at, UTC) + timedelta(seconds=ttl)
    return {"api": {"Version": API_VERSION, "result_from_cache": from_cache,
                    "cache_status": {"cached_at": {"date": at, "timezone_type": "UTC", "timezone": "UTC"}}},
            "cached_at": at, "ttl": expires.isoformat().replace("+00:00", "Z"), **body}


def error(message: str) -> dict[str, Any]:
    return {"error": message}


def status(text: str) -> dict[str, Any]:
    """`show status` → birdwatcher's status object (version, router_id, server time, reboot, reconfig)."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("BIRD ") and "version" not in out:
            out["version"] = line.split(" ", 1)[1].strip()
        elif line.startswith("Router ID is "):
            out["router_id"] = line.removeprefix("Router ID is ").strip()
        elif line.startswith("Current server time is "):
            out["current_server"] = line.removeprefix("Current server time is ").strip()
        elif line.startswith("Last reboot on "):
            out["last_reboot"] = line.removeprefix("Last reboot on ").strip()
        elif line.startswith("Last reconfiguration on "):
            out["last_reconfig"] = line.removeprefix("Last reconfiguration on ").strip()
        else:
            out["message"] = line
    return {"status": out}


def _channel_routes(s: Session) -> dict[str, int]:
    routes = {"imported": 0, "filtered": 0, "exported": 0, "preferred": 0}
    for ch in s.channels:
        routes["imported"] += ch.imported
        routes["filtered"] += ch.filtered
        routes["exported"] += ch.exported
        routes["preferred"] += ch.preferred
    return routes


def protocol(s: Session) -> dict[str, Any]:
    """One protocol in birdwatcher's keys (Alice-LG reads neighbor_address, neighbor_as, state,
    description, routes.*, state_changed, last_error)."""
    out: dict[str, Any] = {
        "protocol": s.name, "bird_protocol": s.proto, "table": s.table or "---", "state": s.state,
        "state_changed": s.since, "connection": s.info + (f"  {s.message}" if s.message else ""),
        "routes": _channel_routes(s),
        "channels": {ch.name: {"routes": {"imported": ch.imported, "filtered": ch.filtered,
                                          "exported": ch.exported, "preferred": ch.preferred},
                               **({"state": ch.state} if ch.state else {}),
                               **({"import_limit": ch.import_limit, "action": ch.limit_action}
                                  if ch.import_limit is not None else {})}
                     for ch in s.channels},
        "route_changes": {"import_updates": dict(s.channels[0].import_updates)} if s.channels and
        s.channels[0].import_updates else {},
    }
    for key, value in (("description", s.description), ("bgp_state", s.bgp_state),
                       ("neighbor_address", s.neighbor), ("neighbor_as", s.neighbor_asn),
                       ("local_as", s.local_asn), ("neighbor_id", s.neighbor_id), ("last_error", s.last_error)):
        if value is not None:
            out[key] = value
    return out


def protocols(sessions: list[Session]) -> dict[str, Any]:
    return {"protocols": {s.name: protocol(s) for s in sessions}}


def protocols_short(sessions: list[Session]) -> dict[str, Any]:
    return {"protocols": {s.name: {"proto": s.proto, "table": s.table or "---", "state": s.state,
                                   "since": s.since, "info": s.info} for s in sessions}}


def _path_tokens(r: RouteEntry) -> list[str]:
    out: list[str] = []
    for kind, asns in r.as_path:
        if kind == "seq":
            out += [str(a) for a in asns]
        else:
            out.append("{" + ",".join(str(a) for a in asns) + "}")
    return out


def route(r: RouteEntry) -> dict[str, Any]:
    bgp: dict[str, Any] = {
        "as_path": _path_tokens(r),
        "communities": [[a, b] for a, b in r.communities],
        "large_communities": [[a, b, c] for a, b, c in r.large_communities],
        "ext_communities": [[k, str(a), str(b)] for k, a, b in r.ext_communities],
    }
    if r.next_hop:
        bgp["next_hop"] = r.next_hop
    if r.local_pref is not None:
        bgp["local_pref"] = str(r.local_pref)
    if r.med is not None:
        bgp["med"] = str(r.med)
    if r.origin:
        bgp["origin"] = r.origin
    return {
        "network": r.prefix, "from_protocol": r.protocol, "age": r.since, "primary": r.primary,
        # BIRD's route preference: the generated configs keep BGP's default, 100
        "metric": 100, "gateway": r.next_hop, "interface": "", "learnt_from": r.next_hop,
        "type": ["BGP", "univ"], "bgp": bgp,
        **({"table": r.table} if r.table else {}),
    }


def routes(items: list[RouteEntry], *, total: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"routes": [route(r) for r in items]}
    if total is not None and total > len(items):
        body["truncated"] = True  # more than Limits.birdwatcher_max_routes: ask for pages (?page=)
        body["total"] = total
    return body
