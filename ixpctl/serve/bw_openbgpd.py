"""The birdwatcher-compatible API of an OpenBGPD route server: bgpctl's JSON (through the verify
layer's reader, ``verify.bgpctl``) turned into the same birdwatcher shapes as for BIRD
(``birdwatcher``), so an Alice-LG in front sees both route servers alike.

Allow-list discipline as for BIRD: every bgpctl command is one of a fixed set (``show neighbor``,
``show rtr``, ``show rib [table Rejected] [in [error]|out] [neighbor ADDR] [detail]``); no request
text reaches bgpctl. A protocol name from the URL is checked (``gate.check_name``) and looked up
among bgpd's own neighbours; the only argument ever passed is that neighbour's address, parsed
and re-rendered by ``ipaddress``. A table name is one of BIRD's (``master4``, ``master6``), since
that is what an Alice-LG configured for BIRD asks for.

What differs from BIRD (bgpctl has no such data, or keeps it differently):

- ``/status``: bgpctl reports neither bgpd's version nor its start or reload time. ``version``
  is "OpenBGPD <series>" from the inventory, ``router_id`` the inventory's, ``current_server``
  this host's clock; ``last_reboot`` / ``last_reconfig`` are absent. Reaching bgpd is checked
  with ``show neighbor`` (503 when it does not answer).
- protocols are bgpd's neighbours named by their ``descr`` (the names the BIRD config gives its
  protocols); ``routes.imported`` counts the neighbour's paths in the Loc-RIB, ``filtered`` is
  received minus imported, ``preferred`` the neighbour's best paths; ``table`` is "Loc-RIB".
- ``/routes/filtered/{id}``: the ``Rejected`` RIB (with the reason tag Alice-LG maps), plus paths
  bgpd treated as withdrawn before any filter (``show rib in error``, no tag).
- ``/routes/noexport/{id}``: bgpd has no such view: the best paths of the Loc-RIB of the
  session's address family, not from that neighbour, missing from its Adj-RIB-Out (``show rib
  out neighbor ADDR``) — what the export rules held back.
- ``age`` is bgpctl's ``last_update`` (an age such as "00:02:11", not a time).
"""

from __future__ import annotations

from datetime import datetime
from ipaddress import ip_address, ip_network
from typing import Any

from ..verify.model import RouteEntry, Session
from . import birdwatcher as bw
from .gate import check_name
from .rsview import RouteServerView

# BIRD's table names (what Alice-LG is configured with) → the address family of bgpd's Loc-RIB
TABLES = {"master4": 4, "master6": 6}


def status(view: RouteServerView, version: str | None, router_id: str | None) -> tuple[dict[str, Any], float]:
    sessions, at = view.bgpctl_cached("sessions", lambda c: c.sessions())
    out: dict[str, Any] = {"version": f"OpenBGPD {version}" if version else "OpenBGPD",
                           "current_server": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                           "message": f"Daemon is up and running ({len(sessions)} neighbors)"}
    if router_id:
        out["router_id"] = router_id
    return {"status": out}, at


def _with_preferred(sessions: list[Session], loc: list[RouteEntry]) -> list[Session]:
    best: dict[str, int] = {}
    for r in loc:
        if r.primary:
            best[r.protocol] = best.get(r.protocol, 0) + 1
    for s in sessions:
        s.table = "Loc-RIB"
        for ch in s.channels:
            ch.preferred = best.get(s.name, 0)
    return sessions


def counted_sessions(view: RouteServerView) -> tuple[list[Session], float]:
    """Neighbours with their accepted / filtered / preferred counts (one ``show rib`` more)."""
    def read(client) -> list[Session]:
        return _with_preferred(client.sessions(counts=True), client.rib())
    return view.bgpctl_cached("sessions:counts", read)


def protocols_bgp(view: RouteServerView) -> tuple[dict[str, Any], float]:
    sessions, at = counted_sessions(view)
    return bw.protocols(sessions), at


def protocols_short(view: RouteServerView) -> tuple[dict[str, Any], float]:
    def read(client) -> list[Session]:
        found = client.protocols()
        for s in found:
            if s.proto == "BGP":
                s.table = "Loc-RIB"  # bgpd's group name is no table
        return found
    sessions, at = view.bgpctl_cached("protocols", read)
    return bw.protocols_short(sessions), at


def _neighbor(view: RouteServerView, name: str) -> tuple[Session, str]:
    """The neighbour described ``name`` and its address as re-rendered by ``ipaddress``."""
    check_name(name, "protocol")
    sessions, _ = view.bgpctl_cached("sessions", lambda c: c.sessions())
    for s in sessions:
        if s.name == name and s.neighbor:
            return s, str(ip_address(s.neighbor))
    raise LookupError(f"route server {view.name}: no such protocol {name!r}")


def _family(prefix: str) -> int:
    return ip_network(prefix, strict=False).version


def noexport(loc: list[RouteEntry], advertised: set[str], session: Session) -> list[RouteEntry]:
    """The best Loc-RIB paths of the session's family, not learnt from it, that its Adj-RIB-Out lacks."""
    family = ip_address(session.neighbor).version if session.neighbor else 4
    return [r for r in loc if r.primary and r.protocol != session.name and _family(r.prefix) == family
            and r.prefix not in advertised]


def routes(view: RouteServerView, kind: str, name: str) -> tuple[list[RouteEntry], float]:
    """kind: routes_protocol / routes_filtered / routes_noexport / routes_table / routes_table_filtered."""
    if kind.startswith("routes_table"):
        check_name(name, "table")
        if name not in TABLES:
            raise LookupError(f"route server {view.name}: no such table {name!r} (tables: {', '.join(TABLES)})")
        family = TABLES[name]
        if kind == "routes_table":
            found, at = view.bgpctl_cached("rib", lambda c: c.rib())
        else:
            found, at = view.bgpctl_cached("filtered", lambda c: _rejected(c) + c.errors())
        return [r for r in found if _family(r.prefix) == family], at
    session, addr = _neighbor(view, name)
    if kind == "routes_protocol":
        return view.bgpctl_cached(f"accepted:{addr}", lambda c: c.neighbor_routes(addr))
    if kind == "routes_filtered":
        return view.bgpctl_cached(f"filtered:{addr}",
                                  lambda c: c.neighbor_routes(addr, accepted=False, filtered=True))
    if kind == "routes_noexport":
        def read(client) -> list[RouteEntry]:
            out = client.query("show", "rib", "out", "neighbor", addr).get("rib", [])
            return noexport(client.rib(), {str(r.get("prefix")) for r in out}, session)
        return view.bgpctl_cached(f"noexport:{addr}", read)
    raise LookupError(f"no such birdwatcher endpoint {kind!r}")


def _rejected(client) -> list[RouteEntry]:
    from ..verify.bgpctl import BgpctlError
    try:
        return client.rib(rejected=True)
    except BgpctlError as exc:  # a config without reject_policy.keep_filtered has no such RIB
        if "table" not in exc.message.lower() and "rib" not in exc.message.lower():
            raise
        return []
