"""A PeeringDB-API-shaped HTTP server on 127.0.0.1, for tests and offline demos.

The official ``peeringdb`` client is pointed at this server (``sync.url`` = ``<base>/api``, and
``sync.cache_url`` = ``<base>`` or ''), so ixpctl's PeeringDB source is tested against the real client
code instead of a mock. It answers exactly what ``peeringdb`` 2.5.0 asks for:

* ``GET /api/<tag>``             full list (rows with status "ok" only, as PeeringDB does)
* ``GET /api/<tag>?since=N``     rows changed after epoch N, *including* deleted ones (PeeringDB's
                                 incremental contract; it is how deletions reach the client)
* ``GET /api/<tag>?since=1&id=P&depth=0``  one row, used by the client for dangling foreign keys
* ``GET /<tag>-0.json``          the "remote cache" dump the client prefers for full syncs
* ``<field>=v`` and ``<field>__in=a,b`` filters, as arouteserver-style scripts use them

Fixtures: a directory of ``<tag>.json`` files, each ``{"data": [...]}``, read on every request, plus an
in-memory overlay (:meth:`PdbServer.upsert`) to simulate upstream changes without touching the files.
Errors can be injected per tag (:meth:`PdbServer.fail`). Every request is logged (:attr:`requests`).

Run it by hand:  ``python -m tests.support.pdb_server examples/mlix/peeringdb [--port 8000]``
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlparse

# The 13 resources the client syncs, in its order (peeringdb/resource.py).
TAGS = ("org", "campus", "fac", "net", "ix", "carrier", "carrierfac", "ixfac", "ixlan", "ixpfx",
        "netfac", "netixlan", "poc")

Row = dict[str, Any]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    auth: bool  # an Authorization header was sent (its value is never stored)

    @property
    def tag(self) -> str | None:
        """The resource asked for, in either API or cache form."""
        parts = [p for p in self.path.split("/") if p]
        if len(parts) == 2 and parts[0] == "api":
            return parts[1]
        if len(parts) == 1 and parts[0].endswith("-0.json"):
            return parts[0][: -len("-0.json")]
        return None


def _epoch(stamp: str | None) -> int:
    if not stamp:
        return 0
    parsed = datetime.fromisoformat(stamp)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _matches(row: Row, key: str, value: str) -> bool:
    if key.endswith("__in"):
        return str(row.get(key[:-4])) in value.split(",")
    actual = row.get(key)
    if isinstance(actual, bool):
        return str(actual).lower() == value.lower()
    return str(actual) == value


@dataclass
class _State:
    fixtures: Path
    overlay: dict[str, dict[int, Row]] = field(default_factory=dict)
    failures: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    stalls: dict[str, float] = field(default_factory=dict)
    requests: list[LoggedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def rows(self, tag: str) -> list[Row] | None:
        path = self.fixtures / f"{tag}.json"
        if not path.exists():
            return None
        rows = {row["id"]: row for row in json.loads(path.read_text(encoding="utf-8"))["data"]}
        with self.lock:
            rows.update(self.overlay.get(tag, {}))
        return list(rows.values())


def select(rows: list[Row], query: dict[str, str]) -> list[Row]:
    """Apply PeeringDB list semantics: no ``since`` → live rows only; ``since`` → all changed rows."""
    query = dict(query)
    since = query.pop("since", None)
    for ignored in ("depth", "limit", "skip", "fields"):
        query.pop(ignored, None)
    out = []
    for row in rows:
        if since is None:
            if row.get("status") != "ok":
                continue
        elif max(_epoch(row.get("updated")), _epoch(row.get("created"))) <= int(since):
            continue
        if all(_matches(row, k, v) for k, v in query.items()):
            out.append(row)
    return out


def _handler_for(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep stderr quiet
            pass

        def _send(self, code: int, payload: Any, raw: str | None = None) -> None:
            body = (raw if raw is not None else json.dumps(payload)).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (time-out tests): nothing to report

        def do_GET(self) -> None:  # http.server API
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            request = LoggedRequest("GET", url.path, query, "Authorization" in self.headers)
            with state.lock:
                state.requests.append(request)
                failure = state.failures.get(request.tag or "")
                stall = state.stalls.get(request.tag or "", 0.0)
            if stall:
                time.sleep(stall)  # longer than the client's timeout: exercises its time-out path
            tag = request.tag
            if tag is None or tag not in TAGS:
                return self._send(404, {"meta": {"error": f"Not found: {url.path}"}})
            if failure:
                status, raw = failure
                return self._send(status, {"meta": {"error": f"injected HTTP {status} for {tag}"}}, raw)
            try:
                rows = state.rows(tag)
            except (OSError, ValueError, KeyError) as exc:
                return self._send(500, {"meta": {"error": f"bad fixture {tag}.json: {exc}"}})
            if rows is None:
                return self._send(404, {"meta": {"error": f"no fixture for {tag}"}})
            if url.path.endswith("-0.json"):
                query = {}  # the cache dump is always the full, live list
            return self._send(200, {"data": select(rows, query), "meta": {}})

    return Handler


class PdbServer:
    """The server, started in a background thread; use as a context manager so it always stops."""

    def __init__(self, fixtures: str | Path, *, port: int = 0):
        self._state = _State(Path(fixtures).resolve())
        if not self._state.fixtures.is_dir():
            raise FileNotFoundError(f"fixture directory {self._state.fixtures} does not exist")
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> Self:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self._state))
        self._httpd.daemon_threads = True
        # a short poll interval makes stop() take milliseconds instead of half a second
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="pdb-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- addresses --------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the PeeringDB test server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What ``sync.cache_url`` points at (``/<tag>-0.json`` lives here)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``sync.url`` points at."""
        return f"{self.base_url}/api"

    # --- test controls ----------------------------------------------------------------------------
    @property
    def requests(self) -> list[LoggedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def clear_log(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    def upsert(self, tag: str, *rows: Row) -> None:
        """Add or replace rows (by id) on top of the fixture files: an upstream change."""
        if tag not in TAGS:
            raise ValueError(f"unknown PeeringDB tag {tag!r}")
        with self._state.lock:
            bucket = self._state.overlay.setdefault(tag, {})
            for row in rows:
                bucket[row["id"]] = dict(row)

    def row(self, tag: str, pk: int) -> Row:
        """The current row ``pk`` of ``tag`` (fixture + overlay), to derive an update from."""
        for row in self._state.rows(tag) or []:
            if row["id"] == pk:
                return dict(row)
        raise KeyError(f"{tag} {pk} not in the fixtures")

    def fail(self, tag: str, status: int | None, body: str | None = None) -> None:
        """Answer every request for ``tag`` with HTTP ``status`` and ``body`` (None: stop failing).

        ``fail("net", 200, "<html>")`` serves something that is not PeeringDB JSON.
        """
        with self._state.lock:
            if status is None:
                self._state.failures.pop(tag, None)
            else:
                self._state.failures[tag] = (status, body)


    def stall(self, tag: str, seconds: float | None) -> None:
        """Wait ``seconds`` before answering requests for ``tag`` (None: answer at once)."""
        with self._state.lock:
            if seconds is None:
                self._state.stalls.pop(tag, None)
            else:
                self._state.stalls[tag] = seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.pdb_server",
                                     description="Serve PeeringDB fixture JSON on 127.0.0.1.")
    parser.add_argument("fixtures", type=Path, help="directory of <tag>.json files")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: any free port)")
    args = parser.parse_args(argv)
    with PdbServer(args.fixtures, port=args.port) as server:
        print(f"PeeringDB fixtures from {args.fixtures} at {server.base_url}", flush=True)
        print(f"  sources.peeringdb.url: {server.api_url}", flush=True)
        print(f"  sources.peeringdb.cache_url: {server.base_url}", flush=True)
        print("Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
