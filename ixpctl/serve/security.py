"""The service's bounds, as one ASGI middleware in front of every route: methods (GET, HEAD; POST
only for the self-check form), URL and body size, a per-client token bucket, and strict security
headers on every answer (a CSP without inline scripts or styles: the pages use none)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Any

from .config import Limits

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
POST_PATHS = ("/check",)  # the only form that sends a body (a pasted prefix list can be long)


class RateLimiter:
    """Token bucket per client address; the table of clients is bounded (least recently seen dropped)."""

    def __init__(self, per_minute: int, burst: int, max_clients: int):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when the request may go on, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def _client(scope: dict[str, Any], trusted: tuple[str, ...]) -> str:
    peer = (scope.get("client") or ("unknown", 0))[0]
    if peer in trusted:
        for name, value in scope.get("headers") or []:
            if name == b"x-forwarded-for":
                return value.decode("latin-1").split(",")[-1].strip()[:64] or peer
    return peer


class Guard:
    """ASGI middleware: refuse what is out of bounds before the application sees it."""

    def __init__(self, app, limits: Limits, trusted_proxies: tuple[str, ...] = (), exempt: tuple[str, ...] = ()):
        self.app = app
        self.limits = limits
        self.trusted = trusted_proxies
        self.exempt = frozenset(exempt)
        self.limiter = RateLimiter(limits.rate_per_minute, limits.rate_burst, limits.max_clients_tracked)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in dict(HEADERS)]
                message = {**message, "headers": headers + HEADERS}
            await send(message)

        method = scope["method"]
        path = scope.get("path", "")
        if method not in ("GET", "HEAD") and not (method == "POST" and path in POST_PATHS):
            return await _refuse(send_with_headers, 405, "read-only service: only GET and HEAD (POST to /check)",
                                 [(b"allow", b"GET, HEAD")])
        if len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string") or b"") > \
                self.limits.max_url_bytes:
            return await _refuse(send_with_headers, 414, f"URL longer than {self.limits.max_url_bytes} bytes")
        who = _client(scope, self.trusted)
        wait = 0.0 if who in self.exempt else self.limiter.take(who)
        if wait:
            return await _refuse(send_with_headers, 429, "too many requests from your address; retry later",
                                 [(b"retry-after", str(max(1, int(wait + 0.999))).encode())])
        limit = self.limits.max_body_bytes
        for name, value in scope.get("headers") or []:
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    return await _refuse(send_with_headers, 400, "bad Content-Length")
                if size > limit:
                    return await _refuse(send_with_headers, 413, f"request body larger than {limit} bytes")
        received = 0

        async def bounded_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, bounded_receive, send_with_headers)
        except BodyTooLarge:
            await _refuse(send_with_headers, 413, f"request body larger than {limit} bytes")


class BodyTooLarge(Exception):
    pass


async def _refuse(send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message, "status": status}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
