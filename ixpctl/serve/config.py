"""What the service serves and its bounds, as one typed value built by the CLI (or a test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LANGS = ("fr", "en")


@dataclass(frozen=True)
class RouteServerSource:
    """Where one route server's state is read: a local control socket (or one forwarded over SSH
    at start-up: ``ssh`` = [user@]host, ``socket`` the remote path)."""

    name: str
    socket: str
    daemon: Literal["bird", "openbgpd"] = "bird"
    ssh: str | None = None
    ssh_port: int | None = None
    bgpctl: str = "bgpctl"  # OpenBGPD: the bgpctl of that bgpd's version (the lab's private 7.7 or 8.8 has its own)


@dataclass(frozen=True)
class Limits:
    """Every bound of the public service (defaults sized for a 2-core VM and 1000 members)."""

    rate_per_minute: int = 240  # per client address, token bucket refilled continuously
    rate_burst: int = 60
    max_clients_tracked: int = 10_000  # the rate limiter's memory is bounded too
    max_body_bytes: int = 256 * 1024  # a pasted `show route` dump of a few thousand routes
    max_url_bytes: int = 8 * 1024
    max_prefixes: int = 1000  # per self-check
    page_size: int = 100  # default page of route lists
    max_page_size: int = 1000
    birdwatcher_max_routes: int = 20_000  # one birdwatcher reply (Alice-LG does not paginate it)
    cache_ttl: float = 5.0  # seconds a BIRD answer is reused (Alice-LG polls; birdwatcher caches too)
    bird_timeout: float = 10.0
    # BIRD commands in flight across all clients: lookups (a prefix, the sessions, the status) and,
    # apart, table walks (a member's routes, a table). BIRD interleaves walks almost for free (at
    # 500 000 routes and 1000 sessions one walk takes 4.5 s, 16 at once 4.9 s, 64 at once 5.8 s:
    # bench/RESULTS.md), so a queue costs more than letting them run; the bounds protect the
    # service's threads. Two budgets, so a lookup never waits behind walks.
    bird_concurrency: int = 16
    bird_walks: int = 48
    worker_threads: int = 96  # request threads (anyio's pool): more than both budgets and the self-checks
    max_reply_bytes: int = 128 * 1024 * 1024  # a BIRD reply larger than this is refused, not parsed
    max_routes_read: int = 100_000  # routes kept from one reply (the rest counted): bounds the memory
    filtered_interval: float = 5.0  # shortest period of the background walk of the filtered routes
    filtered_keep: int = 250_000  # filtered routes held from that walk (~1 KiB each once parsed)
    filtered_wait: float = 30.0  # a request waits at most this long for a first (or fresh) walk
    metrics_ttl: float = 15.0
    check_concurrency: int = 2  # self-checks computed at once (CPU-bound; the rest wait, lookups go on)


@dataclass(frozen=True)
class LiveIrr:
    """Live bgpq4 lookups for prospective members (off unless the operator enables them)."""

    host: str  # IRR server, host:port (bgpq4 -h)
    sources: tuple[str, ...] = ()
    timeout: float = 10.0
    max_prefixes: int = 2000
    concurrency: int = 2
    cache_ttl: float = 600.0
    bgpq4: str = "bgpq4"


@dataclass(frozen=True)
class ServeConfig:
    inventory: Path
    policy: Path
    snapshot: Path | None = None  # default: the inventory's sources.snapshot_dir
    route_servers: tuple[RouteServerSource, ...] = ()
    limits: Limits = field(default_factory=Limits)
    default_lang: str = "fr"  # MLIX works in French
    live_irr: LiveIrr | None = None
    build_dir: Path | None = None  # for the last-build metrics (manifest.json)
    trust_proxy: tuple[str, ...] = ()  # addresses of reverse proxies whose X-Forwarded-For is believed
    rate_exempt: tuple[str, ...] = ()  # client addresses without rate limit (an Alice-LG polling every neighbour)
    apply_state_dir: Path | None = None  # `ixpctl apply`'s history (metrics); default: the inventory's apply.state_dir
    metrics_files: tuple[Path, ...] = ()  # Prometheus text files served again on /metrics (switch audit)
