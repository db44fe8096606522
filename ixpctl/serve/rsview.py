"""One route server as the service sees it: typed sessions and routes read through the ``Gate``
(BIRD) or, for OpenBGPD, through the verify layer's bgpctl reader (fixed commands, no request
argument ever reaches bgpctl). Route servers reached over SSH get their socket forwarded once at
start-up (``verify.ssh``), for the life of the service."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from ..errors import InputError, IxpctlError
from ..verify.control import BirdError
from ..verify.model import RouteEntry, Session
from ..verify.parse import ParseError, parse_protocols
from .census import FilteredCensus, Snapshot
from .config import Limits, RouteServerSource
from .gate import Gate, Query, RouteRows, check_address, check_name, check_prefix


class Unreachable(IxpctlError):
    """The route server's daemon does not answer (the API says 503)."""

    exit_code = 3


class NotSupported(IxpctlError):
    """This daemon cannot answer that yet (the API says 501)."""

    exit_code = 1


class RouteServerView:
    def __init__(self, source: RouteServerSource, rs_asn: int, limits: Limits,
                 semaphores: tuple[threading.BoundedSemaphore, threading.BoundedSemaphore], stack: ExitStack):
        self.name = source.name
        self.daemon = source.daemon
        self.rs_asn = rs_asn
        self.limits = limits
        socket = source.socket
        self.where = f"{source.ssh}:{socket}" if source.ssh else socket
        self.start_error: str | None = None
        if source.ssh:
            from ..verify.ssh import forwarded_socket
            try:
                socket = stack.enter_context(forwarded_socket(source.ssh, source.socket, port=source.ssh_port))
            except IxpctlError as exc:  # the service still starts: this route server answers 503
                self.start_error = str(exc)
        self.gate = Gate(socket, ttl=limits.cache_ttl, timeout=limits.bird_timeout,
                         max_bytes=limits.max_reply_bytes, semaphore=semaphores[0],
                         walk_semaphore=semaphores[1])
        self._bgpctl = None
        self.census: FilteredCensus | None = None
        if self.daemon == "bird":  # its walks start with the first read that needs filtered routes
            self.census = FilteredCensus(self.gate, keep=limits.filtered_keep, interval=limits.filtered_interval,
                                         timeout=limits.filtered_wait)
            stack.callback(self.census.stop)
        self._bgpctl_cache: dict[str, tuple[float, Any, float]] = {}
        if self.daemon == "openbgpd":
            from ..verify.bgpctl import BgpctlClient
            # the bgpctl of that bgpd's version: bgpctl refuses a bgpd of another one (imsg version)
            self._bgpctl = BgpctlClient(socket, rs_asn, timeout=limits.bird_timeout, binary=source.bgpctl,
                                        max_bytes=limits.max_reply_bytes)

    # --- plumbing ------------------------------------------------------------------------------
    def _bird_only(self) -> None:
        if self.start_error:
            raise Unreachable(f"route server {self.name}: {self.start_error}")
        if self.daemon != "bird":
            raise NotSupported(f"{self.name} runs {self.daemon}: this endpoint reads BIRD only (not supported yet)")

    def _run(self, query: Query, allow: tuple[int, ...] = ()) -> tuple[str, float, list[tuple[int, str]]]:
        self._bird_only()
        try:
            reply, at = self.gate.run(query, allow=allow)
        except BirdError as exc:
            raise Unreachable(f"route server {self.name}: {exc}") from None
        return reply.text, at, reply.lines

    def _openbgpd(self, key: str, call) -> Any:
        return self.bgpctl_cached(key, lambda _client: call())[0]

    def bgpctl_cached(self, key: str, call) -> tuple[Any, float]:
        """``call(client)`` on the bgpctl reader, its result reused for ``Limits.cache_ttl``;
        (value, when it was read). Any bgpctl failure means bgpd is unreachable (503)."""
        if self.start_error:
            raise Unreachable(f"route server {self.name}: {self.start_error}")
        if self._bgpctl is None:
            raise NotSupported(f"{self.name} runs {self.daemon}, not OpenBGPD")
        hit = self._bgpctl_cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1], hit[2]
        try:
            value = call(self._bgpctl)
        except IxpctlError as exc:
            raise Unreachable(f"route server {self.name}: {exc}") from None
        if len(self._bgpctl_cache) >= 256:  # bounded: one entry per neighbour and kind
            self._bgpctl_cache.clear()
        at = time.time()
        self._bgpctl_cache[key] = (time.monotonic() + self.limits.cache_ttl, value, at)
        return value, at

    # --- reads -----------------------------------------------------------------------------------
    def status_text(self) -> tuple[str, float]:
        text, at, _ = self._run(Query("status"))
        return text, at

    def reachable(self) -> bool:
        try:
            if self.daemon == "openbgpd":
                self.sessions()
            else:
                self.status_text()
            return True
        except (Unreachable, NotSupported):
            return False

    def protocols(self) -> tuple[list[Session], float]:
        if self.daemon == "openbgpd":
            # with each session's accepted / filtered counts (one `show rib` more, cached like the rest)
            return self._openbgpd("sessions:counted",  # type: ignore[union-attr]
                                  lambda: self._bgpctl.sessions(counts=True)), time.time()
        self._bird_only()
        try:
            return self.gate.parsed(Query("protocols_all"), lambda reply: parse_protocols(reply.text))
        except BirdError as exc:
            raise Unreachable(f"route server {self.name}: {exc}") from None
        except ParseError as exc:
            raise Unreachable(f"route server {self.name}: unexpected `show protocols all` reply: {exc}") from None

    def sessions(self) -> list[Session]:
        return [p for p in self.protocols()[0] if p.proto in ("BGP", "bgp")] if self.daemon == "bird" \
            else self.protocols()[0]

    def member_sessions(self, asn: int) -> list[Session]:
        return [s for s in self.sessions() if s.neighbor_asn == asn]

    def _routes(self, query: Query, filtered: bool) -> tuple[RouteRows, float]:
        # 8001 "Network not found" is an answer, not a failure. An unknown protocol or table name is
        # 9001 "syntax error, unexpected CF_SYM_UNDEFINED" (BIRD parses names as symbols) or 8003:
        # every command here is written by Query, so that error can only mean "no such name".
        self._bird_only()
        try:
            rows, at = self.gate.routes(query, filtered=filtered, keep=self.limits.max_routes_read,
                                        allow=(8001, 8003, 9001))
        except ParseError as exc:
            if query.kind.startswith("routes_table"):  # e.g. a ROA table: not routes the looking glass reads
                raise InputError(f"table {query.name} of {self.name} holds no BGP routes",
                                 fix="ask for master4 or master6") from None
            raise Unreachable(f"route server {self.name}: unexpected route reply: {exc}") from None
        except BirdError as exc:
            raise Unreachable(f"route server {self.name}: {exc}") from None
        if rows.code in (8003, 9001):  # also "Table name required", "Protocol name required", "No valid tables"
            raise LookupError(f"route server {self.name}: no such protocol or table {query.name!r} "
                              f"({rows.message.strip()})")
        return rows, at

    def filtered(self) -> Snapshot:
        """BIRD: the background walk's snapshot of every filtered route (``census``)."""
        self._bird_only()
        assert self.census is not None
        try:
            return self.census.current()
        except BirdError as exc:
            raise Unreachable(f"route server {self.name}: {exc}") from None

    def routes(self, kind: str, name: str) -> tuple[list[RouteEntry], float]:
        """kind: routes_protocol / routes_filtered / routes_noexport / routes_table / routes_table_filtered."""
        check_name(name, "table" if kind.startswith("routes_table") else "protocol")
        if kind == "routes_filtered":
            # from the background walk: BIRD would walk its whole table for each member's (census)
            if name not in {s.name for s in self.protocols()[0]}:
                raise LookupError(f"route server {self.name}: no such protocol {name!r}")
            snap = self.filtered()
            return snap.by_protocol.get(name, []), snap.at
        return self._routes(Query(kind, name), filtered="filtered" in kind)  # type: ignore[arg-type]

    def member_routes(self, asn: int, *, filtered: bool) -> list[RouteEntry]:
        if self.daemon == "openbgpd":
            if not self.member_sessions(asn):  # no session: no routes (as for BIRD), not "bgpd failed"
                return []
            return self._openbgpd(f"routes:{asn}:{filtered}",  # type: ignore[union-attr]
                                  lambda: self._bgpctl.member_routes(asn, filtered=filtered, accepted=not filtered))
        out: list[RouteEntry] = []
        for s in self.member_sessions(asn):
            out += self.routes("routes_filtered" if filtered else "routes_protocol", s.name)[0]
        return out

    def lookup(self, text: str) -> list[RouteEntry]:
        """Routes for a prefix (exact) or for an address (the most specific covering routes), every
        table, filtered ones too (BIRD lists them with the `filtered` keyword only)."""
        text = text.strip()
        if "/" in text:
            net: Any = check_prefix(text)
        else:
            net = check_address(text)
        if self.daemon == "openbgpd":  # bgpctl's whole RIB (cached), searched here
            routes = self._openbgpd("all", self._bgpctl.all_routes)  # type: ignore[union-attr]
            found = [r for r in routes if _covers(r.prefix, net)]
            if not isinstance(net, (IPv4Network, IPv6Network)):  # an address: the most specific routes
                longest = max((ip_network(r.prefix).prefixlen for r in found if not r.filtered), default=None)
                found = [r for r in found if r.filtered or ip_network(r.prefix).prefixlen == longest]
            return found
        if isinstance(net, (IPv4Network, IPv6Network)):  # one prefix: both reads are BIRD lookups, not walks
            return list(self._routes(Query("route_prefix", net=net), filtered=False)[0]) + \
                list(self._routes(Query("route_prefix_filtered", net=net), filtered=True)[0])
        # an address: BIRD's `show route for` ignores filtered routes; the census's trie has them
        return list(self._routes(Query("route_for", net=net), filtered=False)[0]) + self.filtered().covering(net)

    def filtered_if_read(self) -> list[RouteEntry] | None:
        """Every filtered route if already read, else None without waiting (metrics)."""
        if self.daemon == "openbgpd":
            return self.all_filtered()
        self._bird_only()
        snap = self.census.latest()  # type: ignore[union-attr]
        return snap.routes if snap is not None else None

    def all_filtered(self) -> list[RouteEntry]:
        if self.daemon == "openbgpd":
            return self._openbgpd("rejected", lambda: self._bgpctl.rib(rejected=True))  # type: ignore[union-attr]
        return self.filtered().routes


def _covers(prefix: str, net: Any) -> bool:
    from ipaddress import ip_address, ip_network
    try:
        p = ip_network(prefix)
    except ValueError:
        return False
    if p.version != net.version:
        return False
    if hasattr(net, "prefixlen"):
        return p == net
    return ip_address(net) in p
