"""The self-check of a prospective member (not in the inventory yet), when the operator enables live
IRR lookups (``ixpctl serve --live-irr HOST:PORT``): its AS-SET (or aut-num) is expanded by real
bgpq4 through ``sources.irr`` — which validates the name before it can reach bgpq4's command line,
bounds each call in time and the lists in size — and the network is placed, in memory only, on the
peering LAN at an unused address, so the route servers' own intent and engine judge its prefixes.

Bounded: at most ``LiveIrr.concurrency`` lookups at once (the next one is told to retry), results
cached for ``LiveIrr.cache_ttl`` seconds (a bounded number of entries)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from ipaddress import ip_address

from ..analysis.selfcheck import CheckReport, parse_announcements, self_check
from ..errors import InputError, SourceError
from ..inventory.loader import LoadedInventory
from ..inventory.models import Connection, Member
from ..inventory.sources_config import IrrSource
from ..policy.intent import RouteServerIntent, compile_route_server
from ..sources import irr
from ..sources.facts import Facts
from .config import LiveIrr
from .rsview import Unreachable
from .site import Site

MAX_CACHED = 128
MAX_SET_NAME = 80


class Busy(Unreachable):
    """Every live-lookup slot is taken: retry in a few seconds."""


class Prospects:
    def __init__(self, site: Site, live: LiveIrr | None):
        self.site = site
        self.live = live
        self._slots = threading.BoundedSemaphore(live.concurrency) if live else None
        self._cache: OrderedDict[tuple[int, str, str], tuple[float, RouteServerIntent, Facts]] = OrderedDict()
        self._lock = threading.Lock()
        self.lookups = 0  # bgpq4 expansions actually run (tests, metrics)

    def check(self, asn: int, as_set: str | None, text: str | None, rs: str | None) -> CheckReport:
        site = self.site
        if site.inventory.member(asn) is not None and not as_set:
            return site.check(asn, text, rs)
        if self.live is None:
            raise InputError(f"AS{asn} is not a member of {site.doc.ixp_name} and live IRR lookups are off",
                             fix="members: give your ASN; others: ask the IXP, or run `ixpctl check` yourself")
        name = rs or site.rs_names[0]
        if name not in site.intents:
            raise InputError(f"unknown route server {name!r}", fix=f"use one of {', '.join(site.rs_names)}")
        if as_set is not None and len(as_set) > MAX_SET_NAME:
            # bgpq4 1.9 aborts ("buffer overflow detected") on a 300-character set name
            raise InputError(f"AS-SET name longer than {MAX_SET_NAME} characters", fix="e.g. RIPE::AS-EXAMPLE")
        try:
            query = irr.canonical_query(as_set or f"AS{asn}")
        except SourceError as exc:
            raise InputError(exc.message, fix=exc.fix or "e.g. AS-EXAMPLE or RIPE::AS-EXAMPLE") from None
        intent, facts = self._intent(asn, query, name)
        announcements = None
        if text and text.strip():
            announcements = parse_announcements(text, asn, source="request")
            if len(announcements) > site.config.limits.max_prefixes:
                raise InputError(f"at most {site.config.limits.max_prefixes} routes per self-check")
        with site._check_slots:  # the same bound as members' self-checks
            report = self_check(intent, facts, asn, announcements)
        report.notes.insert(0, f"prospective member: {query} expanded live with bgpq4 ({self.live.host})")
        return report

    def _intent(self, asn: int, query: str, rs: str) -> tuple[RouteServerIntent, Facts]:
        key = (asn, query, rs)
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > time.monotonic():
                self._cache.move_to_end(key)
                return hit[1], hit[2]
        assert self._slots is not None and self.live is not None
        if not self._slots.acquire(blocking=False):
            raise Busy("every live IRR lookup slot is busy: retry in a few seconds")
        try:
            # as `ixpctl onboard` and `sources refresh` expand (policy lengths, aggregation, demo ASNs)
            expansion = irr.expand(query, self._settings(), **irr.expand_options(self.site.policy.policy, self.site.inventory))
            self.lookups += 1
            intent, facts = self._compile(asn, query, rs, expansion)
        except SourceError as exc:
            raise Unreachable(f"live IRR lookup of {query}: {exc.message}") from None
        finally:
            self._slots.release()
        with self._lock:
            self._cache[key] = (time.monotonic() + self.live.cache_ttl, intent, facts)
            while len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        return intent, facts

    def _settings(self) -> IrrSource:
        live = self.live
        assert live is not None
        base = self.site.inventory.sources.irr
        return IrrSource(hosts=[live.host], sources=list(live.sources) or list(base.sources),
                         timeout=max(1, math.ceil(live.timeout)), workers=1, bgpq4=live.bgpq4,
                         max_asns=min(base.max_asns, live.max_prefixes), max_prefixes4=live.max_prefixes,
                         max_prefixes6=live.max_prefixes)

    def _compile(self, asn: int, query: str, rs: str, expansion) -> tuple[RouteServerIntent, Facts]:
        site = self.site
        inv = site.inventory
        lan = inv.lan_of(None) or inv.ixp.lans[0]
        v4, v6 = _unused(inv, lan.ipv4), _unused(inv, inv.family_lan(lan, 6).ipv6)  # ipv6_lan: IPv6 elsewhere
        member = Member.model_validate({"asn": asn, "name": f"AS{asn} (prospective)", "as_set": [query],
                                        "connections": [Connection(lan=lan.name, ipv4=v4, ipv6=v6).model_dump()]})
        loaded = LoadedInventory(inv.model_copy(update={"members": [*inv.members, member]}), site.loaded.sources)
        facts = replace(site.facts, irr={**site.facts.irr, query: expansion})
        server = next(r for r in inv.route_servers if r.name == rs)
        return compile_route_server(loaded, site.policy, facts, server), facts


def _unused(inv, network):
    """The highest host address of the LAN no member or route server uses (in memory only)."""
    if network is None:
        return None
    used = {ip_address(str(a)) for m in inv.members for c in m.connections for a in (c.ipv4, c.ipv6) if a}
    used |= {ip_address(str(a)) for r in inv.route_servers for a in (r.ipv4, r.ipv6) if a}
    top = int(network.broadcast_address) - 1
    for n in range(top, max(int(network.network_address), top - 4096), -1):
        candidate = ip_address(n)
        if candidate not in used:
            return candidate
    return None
