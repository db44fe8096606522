"""The Intent's data types: what one route server must do, as pure JSON-serialisable data.

``ixpctl.policy.intent`` compiles it from inventory + policy + facts; the renderers, the evaluator,
the lab and the semantic diff read it. Kept apart from the compiler so readers of the data need not
read how it is made.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any

from ..sources.facts import Aspa, PrefixRange


@dataclass
class PrefixSet:
    name: str
    afi: int
    entries: list[PrefixRange]
    sources: list[str]  # the AS-SETs / lists it came from (for the comment in the config)
    used_by: list[int] = field(default_factory=list)


@dataclass
class AsnSet:
    name: str
    asns: list[int]
    sources: list[str]
    used_by: list[int] = field(default_factory=list)


@dataclass
class MemberIntent:
    asn: int
    name: str
    as_sets: list[str]  # what was expanded (after PeeringDB / fallback resolution)
    origin_set: str  # AsnSet name: the origins of IPv4 routes, and of IPv6 ones unless origin_set6
    prefix_set4: str  # PrefixSet names
    prefix_set6: str
    blackhole_set4: str | None
    blackhole_set6: str | None
    black_list4: str | None
    black_list6: str | None
    addresses: list[str]  # all LAN addresses of the member (next_hop same_as)
    enforce_origin: bool
    enforce_prefix: bool
    roas_as_route_objects: bool
    rpki_reject_invalid: bool
    blackhole: bool  # may announce blackholes
    blackhole_receive: bool  # receives other members' blackholes
    next_hop_policy: str
    next_hop_authorized: list[str]
    length4: tuple[int, int]
    length6: tuple[int, int]
    max_path_length: int
    max_prefix4: int
    max_prefix6: int
    max_prefix_source: str  # "inventory" | "peeringdb+headroom" | "default"
    limit_action: str
    restart_after: int
    warnings: list[str] = field(default_factory=list)
    # A member with per-family AS-SETs (as_set_ipv4 / as_set_ipv6) whose families expand to different
    # origin ASNs: IPv6 routes are checked against this set, IPv4 ones against origin_set. None (every
    # other member) keeps one set for both families, so their configs do not change.
    origin_set6: str | None = None

    def origin_set_for(self, afi: int) -> str:
        """The AsnSet name the origin check of a route of family ``afi`` uses."""
        return self.origin_set6 if afi == 6 and self.origin_set6 is not None else self.origin_set


@dataclass
class SessionIntent:
    name: str  # BIRD protocol name, e.g. AS64496_1_v4
    member_asn: int
    afi: int
    neighbor: str
    local_address: str | None
    description: str  # NOT escaped here; the renderer escapes
    md5_env: str | None
    md5_file: str | None
    passive: bool
    role: bool
    extended_next_hop: bool
    add_path_tx: bool
    bfd: bool
    ttl_security: bool
    hold_time: int
    keepalive_time: int
    import_limit: int
    limit_action: str
    next_hop_allowed: list[str]  # empty = strict (the neighbour only)
    limit_count: str = "accepted"  # accepted (BIRD import limit) | received (receive limit)


@dataclass
class RouteServerIntent:
    name: str
    router_id: str
    rs_asn: int
    ixp_name: str
    bird_version: str
    lan_prefixes4: list[str]
    lan_prefixes6: list[str]
    bogons4: list[str]
    bogons6: list[str]
    invalid_asn_ranges: list[tuple[int, int]]
    transit_free: list[int]
    transit_free_action: str
    never_via_rs: list[int]
    policy: dict[str, Any]  # the IXP-wide policy (model dump), for the global knobs
    members: list[MemberIntent]
    sessions: list[SessionIntent]
    prefix_sets: list[PrefixSet]
    asn_sets: list[AsnSet]
    vrps4: list[tuple[str, int, int]]
    vrps6: list[tuple[str, int, int]]
    rtr_servers: list[dict[str, Any]]
    fictional: str | None  # the demo banner when fictional resources are on
    facts_provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    log: dict[str, Any] = field(default_factory=lambda: {"to": "syslog"})  # route_servers[].log
    daemon: str = "bird"  # route_servers[].daemon: which renderer reads this Intent
    openbgpd_version: str = "7.7"  # route_servers[].openbgpd_version (daemon: openbgpd)
    # ASPA path verification runs in this config: the policy enables it and the target BIRD has it
    # (>= 2.16); both back ends skip the check otherwise. Records: static table, or RTR when the
    # route server has rtr_servers (aspa_rtr), like the VRPs.
    aspa: bool = False
    aspa_rtr: bool = False
    aspas: list[Aspa] = field(default_factory=list)
    threads: int | None = None  # route_servers[].threads: BIRD 3 worker threads (None: BIRD's default)

    def member(self, asn: int) -> MemberIntent | None:
        return next((m for m in self.members if m.asn == asn), None)

    def prefix_set(self, name: str | None) -> PrefixSet | None:
        return next((s for s in self.prefix_sets if s.name == name), None)

    def asn_set(self, name: str) -> AsnSet | None:
        return next((s for s in self.asn_sets if s.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """Same result as ``dataclasses.asdict`` (which deep-copies every one of the ~1.3 M prefix
        and VRP tuples at 1000 members: seconds), but tuples of scalars are immutable and shared."""
        return _plain(self)


_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` semantics (dataclasses → dicts, containers copied), minus the copy of
    tuples that hold only scalars (they cannot change, so sharing them is equivalent)."""
    if isinstance(value, _SCALARS):
        return value
    if type(value) is tuple:
        for item in value:
            if not isinstance(item, _SCALARS):
                return tuple(_plain(v) for v in value)
        return value
    if type(value) is list:
        # fast path, all in C: a list of tuples of scalars (prefix entries, VRPs) is copied shallowly
        if value and set(map(type, value)) == {tuple} and \
                set(map(type, chain.from_iterable(value))) <= _SCALAR_TYPES:
            return list(value)
        return [_plain(v) for v in value]
    if type(value) is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return asdict(value) if hasattr(value, "__dataclass_fields__") else copy.deepcopy(value)
