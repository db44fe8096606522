"""Every filtered route of one BIRD route server, read in the background and indexed.

BIRD has no index of routes by protocol: ``show route filtered protocol X`` walks the whole table
as ``show route filtered`` does (5 s at 500 000 routes and 1000 sessions, bench/RESULTS.md), and its
``show route for ADDRESS`` does not see filtered routes at all. So the service reads all filtered
routes in one walk, off the request path, and answers a member's filtered routes, an address
lookup and the per-reason metrics from that snapshot (indexed by protocol and in a prefix trie).

The walk runs only while someone asks (a request or a metrics scrape in the last ``idle_after``
seconds) and at most every ``interval`` seconds, stretched to ``stretch`` × the last walk's length
so that the walks take a bounded share of BIRD's time at any size. A reader waits only when the
snapshot is missing or older than its staleness bound; then for one walk, at most ``timeout``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import pytricia

from ..verify.control import BirdError
from ..verify.model import RouteEntry
from .gate import Gate, Query

RETRY = 2.0


@dataclass
class Snapshot:
    """One walk's result: the routes (at most ``keep``), how many BIRD had, and the indexes."""

    at: float  # wall clock when the walk ended
    seconds: float  # how long it took
    routes: list[RouteEntry]
    total: int
    by_protocol: dict[str, list[RouteEntry]] = field(default_factory=dict)
    _tries: dict[int, pytricia.PyTricia] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, routes: list[RouteEntry], total: int, at: float, seconds: float) -> Snapshot:
        snap = cls(at, seconds, routes, total, _tries={4: pytricia.PyTricia(32), 6: pytricia.PyTricia(128)})
        for r in routes:
            snap.by_protocol.setdefault(r.protocol, []).append(r)
            trie = snap._tries[6 if ":" in r.prefix else 4]
            try:
                hit = trie.get(r.prefix) if trie.has_key(r.prefix) else None
                if hit is None:
                    trie.insert(r.prefix, [r])
                else:
                    hit.append(r)
            except ValueError:  # not a prefix pytricia reads (a flowspec or VPN route): no lookup for it
                continue
        return snap

    @property
    def truncated(self) -> bool:
        return self.total > len(self.routes)

    def exact(self, net: IPv4Network | IPv6Network) -> list[RouteEntry]:
        trie = self._tries[net.version]
        key = str(net)
        return list(trie.get(key)) if trie.has_key(key) else []

    def covering(self, address: IPv4Address | IPv6Address) -> list[RouteEntry]:
        """Every filtered route whose prefix holds ``address``, most specific first."""
        trie = self._tries[address.version]
        out: list[RouteEntry] = []
        key = trie.get_key(str(address))
        while key is not None:
            out += trie[key]
            key = trie.parent(key)
        return out


class FilteredCensus:
    """The background reader of one BIRD's filtered routes (one thread, started with the service)."""

    def __init__(self, gate: Gate, *, keep: int, interval: float, stretch: float = 4.0,
                 idle_after: float = 300.0, timeout: float = 60.0):
        self.gate = gate
        self.keep = keep
        self.interval = interval
        self.stretch = stretch
        self.idle_after = idle_after
        self.timeout = timeout
        self.walks = 0  # for tests and the bench: how many walks reached BIRD
        self._snapshot: Snapshot | None = None
        self._error: BirdError | None = None
        self._failed_at = 0.0  # monotonic: an unreachable BIRD is retried after RETRY seconds, not in a loop
        self._asked = 0.0  # monotonic time of the last read
        self._wanted = False  # a reader is waiting for a fresh walk
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None

    # --- readers -------------------------------------------------------------------------------
    def current(self) -> Snapshot:
        """A snapshot no older than the staleness bound, waiting for a walk when needed."""
        with self._cond:
            self._asked = time.monotonic()
            snap = self._snapshot
            if snap is not None and time.time() - snap.at <= self.stale_after():
                return snap
            if self._error is not None and time.monotonic() - self._failed_at < RETRY:
                raise self._error
            self._wanted = True
            self._ensure_thread()
            self._cond.notify_all()
            deadline = time.monotonic() + self.timeout
            while not self._stop:
                snap = self._snapshot
                if snap is not None and time.time() - snap.at <= self.stale_after():
                    return snap
                if self._error is not None and not self._wanted:
                    raise self._error
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        raise BirdError("the route server's filtered routes are still being read (one walk of its table)",
                        fix="retry in a few seconds")

    def latest(self) -> Snapshot | None:
        """The last snapshot without waiting (metrics); keeps the walks going like a read does."""
        with self._cond:
            self._asked = time.monotonic()
            self._ensure_thread()
            self._cond.notify_all()
            return self._snapshot

    def period(self) -> float:
        last = self._snapshot.seconds if self._snapshot is not None else 0.0
        return max(self.interval, self.stretch * last)

    def stale_after(self) -> float:
        """How old a snapshot may be when read: two periods and one walk (one walk may be running)."""
        last = self._snapshot.seconds if self._snapshot is not None else 0.0
        return 2 * self.period() + last

    # --- the walker ----------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stop:
            self._thread = threading.Thread(target=self._loop, name=f"census-{self.gate.control.path}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout)

    def _due(self) -> float | None:
        """Seconds until the next walk; None while nobody asks."""
        if self._error is not None and time.monotonic() - self._failed_at < RETRY:
            return RETRY - (time.monotonic() - self._failed_at)
        if self._wanted:
            return 0.0
        if time.monotonic() - self._asked > self.idle_after:
            return None
        if self._snapshot is None:
            return 0.0
        return max(0.0, self._snapshot.at + self.period() - time.time())

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    due = self._due()
                    if due == 0.0:
                        break
                    self._cond.wait(due)  # None: until a reader wakes us
                if self._stop:
                    return
            self._walk()

    def _walk(self) -> None:
        started = time.monotonic()
        try:
            rows, _ = self.gate.routes(Query("routes_all_filtered"), filtered=True, keep=self.keep, ttl=0.0)
            snap = Snapshot.build(list(rows), rows.total, time.time(), time.monotonic() - started)
            error = None
        except BirdError as exc:
            snap, error = None, exc
        with self._cond:
            self.walks += 1
            if snap is not None:
                self._snapshot = snap
            self._error = error
            if error is not None:
                self._failed_at = time.monotonic()
            self._wanted = False
            self._cond.notify_all()
