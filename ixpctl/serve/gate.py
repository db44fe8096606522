"""The only way the service talks to BIRD: a fixed allow-list of read-only ``show`` commands.

A request never carries command text. It is turned into a ``Query`` (a kind from the allow-list and
typed arguments: a protocol or table name checked against BIRD's identifier syntax, a prefix or
address parsed by ``ipaddress``), and ``Query.command()`` writes the command from those values alone,
so nothing a client sends reaches BIRD unparsed. Replies are bounded in size, shared between
concurrent requests for the same command, cached for a few seconds, and at most
``Limits.bird_concurrency`` lookups and ``Limits.bird_walks`` table walks run at once.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any, Literal

from ..errors import InputError
from ..verify.control import BirdControl, BirdError, Reply
from ..verify.parse import is_route_head, iter_routes

Kind = Literal["status", "protocols", "protocols_all", "routes_protocol", "routes_filtered",
               "routes_noexport", "routes_table", "routes_table_filtered", "route_prefix", "route_for",
               "routes_all_filtered", "route_prefix_filtered"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

# BIRD's symbol syntax (letters, digits, "_"; not starting with a digit), bounded in length.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def check_name(value: str, what: str = "protocol") -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise InputError(f"{what} name {value[:80]!r} is not a BIRD name",
                         fix="letters, digits and '_' only, at most 64, not starting with a digit")
    return value


def check_prefix(value: str) -> IPv4Network | IPv6Network:
    try:
        return ip_network(value.strip(), strict=False)
    except (ValueError, AttributeError):
        raise InputError(f"{str(value)[:80]!r} is not an IP prefix", fix="e.g. 198.51.100.0/24 or 2001:db8::/32") \
            from None


def check_address(value: str) -> IPv4Address | IPv6Address:
    try:
        return ip_address(value.strip())
    except (ValueError, AttributeError):
        raise InputError(f"{str(value)[:80]!r} is not an IP address", fix="e.g. 198.51.100.7") from None


@dataclass(frozen=True)
class Query:
    """One allowed command with its parsed arguments."""

    kind: Kind
    name: str | None = None  # protocol or table
    net: IPv4Network | IPv6Network | IPv4Address | IPv6Address | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown query {self.kind!r}")
        needs_name = self.kind.startswith(("routes_protocol", "routes_filtered", "routes_noexport", "routes_table"))
        if needs_name:
            check_name(str(self.name), "table" if self.kind.startswith("routes_table") else "protocol")
        elif self.name is not None:
            raise InputError(f"{self.kind} takes no name")
        if self.kind.startswith("route_prefix") and not isinstance(self.net, (IPv4Network, IPv6Network)):
            raise InputError("route_prefix needs a prefix")
        if self.kind == "route_for" and not isinstance(self.net, (IPv4Address, IPv6Address)):
            raise InputError("route_for needs an address")

    @property
    def walks(self) -> bool:
        """Whether BIRD answers it by walking a whole table (seconds at 500 000 routes) rather than
        by a lookup: such commands have their own concurrency budget, so a lookup never queues
        behind them."""
        return self.kind.startswith("routes_")

    def command(self) -> str:
        """The BIRD command, written from the parsed values only (str() of ipaddress objects and
        names that matched ``_NAME``)."""
        n, k = self.name, self.kind
        return {
            "status": lambda: "show status",
            "protocols": lambda: "show protocols",
            "protocols_all": lambda: "show protocols all",
            "routes_protocol": lambda: f"show route protocol {n} all",
            "routes_filtered": lambda: f"show route table all filtered protocol {n} all",
            "routes_noexport": lambda: f"show route noexport {n} all",
            "routes_table": lambda: f"show route table {n} all",
            "routes_table_filtered": lambda: f"show route table {n} filtered all",
            "route_prefix": lambda: f"show route {self.net} table all all",
            "route_for": lambda: f"show route for {self.net} table all all",
            "routes_all_filtered": lambda: "show route table all filtered all",
            "route_prefix_filtered": lambda: f"show route {self.net} table all filtered all",
        }[k]()


class BoundedControl(BirdControl):
    """BirdControl in BIRD's restricted mode (what ``birdc -r`` does: the ``restrict`` command first,
    so BIRD itself refuses anything but ``show`` on this connection, whatever a bug upstream might
    send) and whose reply reader stops at ``max_bytes`` (a whole-table dump cannot exhaust memory)."""

    def __init__(self, path: str, timeout: float, max_bytes: int):
        super().__init__(path, timeout)
        self.max_bytes = max_bytes

    socket_fix = "is BIRD running, and may this user read its socket?"

    def _prepare(self, sock: socket.socket, reader) -> None:
        sock.sendall(b"restrict\n")
        restricted = self._read(reader)  # 0016 Access restricted
        if restricted[-1][0] != 16:
            raise BirdError(f"BIRD did not enter restricted mode: {restricted[-1][1].strip()}")


class Busy(BirdError):
    """Every BIRD command slot stayed taken for the read timeout (the API says 503, retry)."""


class RouteRows(list):
    """Routes read from one reply, at most the reader's ``keep``; ``total`` counts every route of
    the reply (more than ``len()`` when BIRD sent more than was kept); ``code`` / ``message`` are the
    reply's final line (8001 "Network not found", 8003/9001 an unknown name: the caller decides)."""

    total: int = 0
    code: int = 0
    message: str = ""


@dataclass
class _Entry:
    expires: float
    value: Any
    error: BirdError | None = None


class Gate:
    """Runs allowed queries against one BIRD: cache (TTL), single flight per command, concurrency cap."""

    def __init__(self, socket_path: str, *, ttl: float, timeout: float, max_bytes: int,
                 semaphore: threading.BoundedSemaphore, walk_semaphore: threading.BoundedSemaphore | None = None,
                 max_entries: int = 256):
        self.control = BoundedControl(socket_path, timeout, max_bytes)
        self.ttl = ttl
        self._sem = semaphore
        self._walk_sem = walk_semaphore or semaphore
        self._cache: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.max_entries = max_entries
        self.commands_run = 0  # for tests and metrics: what actually reached BIRD
        self.last_commands: list[str] = []

    def run(self, query: Query, *, allow: tuple[int, ...] = ()) -> tuple[Reply, float]:
        """The reply and the time it was read (monotonic → wall clock in ``cached_at``)."""
        command = _command(query)
        return self._cached(command, lambda: (self.control.query(command, allow=allow), time.time()),
                            walk=query.walks)

    def parsed(self, query: Query, parse: Callable[[Reply], Any], *, allow: tuple[int, ...] = ()) -> tuple[Any, float]:
        """``parse(reply)``, computed once per cache period (``show protocols all`` at 1000 sessions
        is 1.5 MB: parsing it per request cost more than asking BIRD)."""
        command = _command(query)
        return self._cached(f"{command}\0parsed", lambda: (parse(self.control.query(command, allow=allow)), time.time()),
                            command=command, walk=query.walks)

    def routes(self, query: Query, *, filtered: bool, keep: int, allow: tuple[int, ...] = (),
               ttl: float | None = None) -> tuple[RouteRows, float]:
        """The routes of a ``show route ... all`` query, parsed as BIRD sends them (the reply text
        is never held whole) and once per cache period however many requests ask at the same time;
        at most ``keep`` are kept, the rest only counted."""
        command = _command(query)
        return self._cached(f"{command}\0{keep}", lambda: (self._walk(command, filtered, keep, allow), time.time()),
                            ttl=ttl, command=command, walk=query.walks)

    def _walk(self, command: str, filtered: bool, keep: int, allow: tuple[int, ...]) -> RouteRows:
        rows = RouteRows()
        heads = 0

        def texts():
            nonlocal heads
            for code, text in self.control.stream(command, allow=allow):
                if code >= 8000:  # the reply's only line: an answer like "Network not found"
                    rows.code, rows.message = code, text
                elif code != 0:  # 0000 closes the reply
                    if is_route_head(text):
                        heads += 1
                    yield text

        lines = texts()
        for route in iter_routes(lines, filtered=filtered):
            if len(rows) >= keep:
                break
            rows.append(route)
        for _ in lines:  # past keep: read on, count the routes without building them
            pass
        rows.total = heads
        return rows

    def _cached(self, key: str, produce, *, ttl: float | None = None, command: str | None = None,
                walk: bool = False):
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry and entry.expires > now:
            if entry.error:
                raise entry.error
            return entry.value
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # a second request for the same command waits for the first one's answer
            entry = self._cache.get(key)
            if entry and entry.expires > time.monotonic():
                if entry.error:
                    raise entry.error
                return entry.value
            budget = self._walk_sem if walk else self._sem
            if not budget.acquire(timeout=self.control.timeout):  # busy, not broken: nothing remembered
                raise Busy(f"{'table walks' if walk else 'commands'} to BIRD are all in use",
                           fix="retry in a few seconds")
            try:
                self.commands_run += 1
                self.last_commands = (self.last_commands + [command or key])[-50:]
                value = produce()
            except BirdError as exc:
                # an unreachable BIRD is remembered briefly too: a burst of requests makes one attempt
                self._store(key, _Entry(time.monotonic() + min(self.ttl, 2.0), None, exc))
                raise
            finally:
                budget.release()
            self._store(key, _Entry(time.monotonic() + (self.ttl if ttl is None else ttl), value))
            return value

    def _store(self, key: str, entry: _Entry) -> None:
        with self._guard:
            if len(self._cache) >= self.max_entries:
                now = time.monotonic()
                for old in [k for k, e in self._cache.items() if e.expires <= now] or list(self._cache)[:32]:
                    self._cache.pop(old, None)
                    self._locks.pop(old, None)
            self._cache[key] = entry


def _command(query: Query) -> str:
    if not isinstance(query, Query):
        raise TypeError("the gate takes a Query")
    return query.command()
