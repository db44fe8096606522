"""The running service's state: the ``Site`` (files), one ``RouteServerView`` (live daemon) and one
``Decoder`` per route server, and the helpers every front end (JSON API, birdwatcher, pages) shares:
bounded pagination and reading a parameter as a number."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, IxpctlError
from .config import RouteServerSource, ServeConfig
from .decode import Decoder
from .prospect import Prospects
from .rsview import RouteServerView
from .site import Site


@dataclass
class Service:
    config: ServeConfig
    site: Site
    views: dict[str, RouteServerView]
    decoders: dict[str, Decoder]
    prospects: Prospects
    stack: ExitStack = field(default_factory=ExitStack)
    reload_error: str | None = None  # why the last reload failed (None: it worked, or none yet)
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, config: ServeConfig, site: Site | None = None) -> Service:
        site = site or Site.load(config)
        stack = ExitStack()
        semaphores = (threading.BoundedSemaphore(config.limits.bird_concurrency),
                      threading.BoundedSemaphore(config.limits.bird_walks))
        rs_asn = site.inventory.ixp.rs_asn
        sources = config.route_servers or tuple(
            RouteServerSource(rs.name, rs.deploy.control_socket, rs.daemon,
                              None if rs.deploy.host == "localhost" else f"{rs.deploy.user}@{rs.deploy.host}",
                              rs.deploy.port if rs.deploy.host != "localhost" else None,
                              rs.deploy.bgpctl_binary if rs.deploy.host == "localhost" else "bgpctl")
            for rs in site.inventory.route_servers)
        try:
            views = {s.name: RouteServerView(s, rs_asn, config.limits, semaphores, stack) for s in sources}
        except BaseException:
            stack.close()
            raise
        decoders = {name: Decoder(site.policy.policy, rs_asn) for name in views}
        return cls(config, site, views, decoders, Prospects(site, config.live_irr), stack)

    def reload(self) -> bool:
        """Load the inventory, policy and snapshot again (``ixpctl serve`` does on SIGHUP): a new
        build becomes visible without a restart. Everything is built aside, then swapped in; the
        daemon connections stay. When loading fails, the service goes on with what it had and
        ``reload_error`` says why (the log and /metrics too)."""
        with self._reload_lock:
            try:
                site = Site.load(self.config)
                site.warm_up()
                if site.inventory.ixp.rs_asn != self.site.inventory.ixp.rs_asn:
                    raise InputError("ixp.rs_asn changed: the route-server views need a restart",
                                     fix="systemctl restart ixpctl-serve")
            except (IxpctlError, OSError, ValueError) as exc:
                self.reload_error = exc.format() if isinstance(exc, IxpctlError) else str(exc)
                return False
            rs_asn = site.inventory.ixp.rs_asn
            decoders = {name: Decoder(site.policy.policy, rs_asn) for name in self.views}
            prospects = Prospects(site, self.config.live_irr)
            # one attribute each: a request already running keeps the objects it took
            self.decoders, self.prospects, self.site = decoders, prospects, site
            self.reload_error = None
            return True

    def close(self) -> None:
        self.stack.close()

    def view(self, name: str) -> RouteServerView:
        view = self.views.get(name)
        if view is None:
            raise LookupError(f"no route server named {name[:64]!r} (known: {', '.join(self.views)})")
        return view

    def decoder(self, name: str) -> Decoder:
        return self.decoders[name]


def as_int(value: Any, what: str, lo: int = 0, hi: int = 2**32 - 1) -> int:
    text = str(value).strip()
    if text.upper().startswith("AS"):
        text = text[2:]
    if not text.isdigit() or len(text) > 10:
        raise InputError(f"{what} {str(value)[:40]!r} is not a number", fix=f"give {what} as digits")
    number = int(text)
    if not lo <= number <= hi:
        raise InputError(f"{what} {number} is out of range ({lo}..{hi})")
    return number


def page(items: list, params: Any, default: int, maximum: int) -> tuple[list, dict[str, int]]:
    """Slice ``items`` by ?page= (from 0) and ?page_size= (bounded); the returned info says where it is."""
    size = as_int(params.get("page_size", default), "page_size", 1, maximum)
    number = as_int(params.get("page", 0), "page", 0, 10**7)
    start = number * size
    return items[start:start + size], {"page": number, "page_size": size, "total": len(items),
                                       "pages": (len(items) + size - 1) // size}
