"""The route-server filtering policy as data: every knob of ``policies/default.yml``.

Section names follow the order of the import filter chain (see ``ixpctl.policy.chain``), so the YAML
file reads as the policy an IXP publishes. Per-member overrides (``members[].policy`` in the
inventory) are deep-merged over these values and validated with the same models; only the sections
in ``MEMBER_OVERRIDABLE`` may be overridden per member.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .communities import CommunityValues


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Every number that ends up in a BIRD config is bounded here, so that a value BIRD would refuse is
# an error naming the policy file (or the member's override) and line, never "BIRD rejected the
# generated config ... ixpctl bug": BIRD's numbers, ASNs and limits are 32-bit.
U32_MAX = 4294967295
AsnValue = Annotated[int, Field(ge=0, le=U32_MAX)]


class LengthRange(_Strict):
    min: int = Field(ge=0, le=128)
    max: int = Field(ge=0, le=128)

    @model_validator(mode="after")
    def _order(self) -> LengthRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is larger than max ({self.max})")
        return self


class NextHop(_Strict):
    policy: Literal["strict", "same_as", "authorized"] = "strict"
    authorized: list[IPv4Address | IPv6Address] = []  # with policy 'authorized' (per member)


class PrefixLength(_Strict):
    ipv4: LengthRange = LengthRange(min=8, max=24)
    ipv6: LengthRange = LengthRange(min=12, max=48)

    @model_validator(mode="after")
    def _bounds(self) -> PrefixLength:
        if self.ipv4.max > 32:
            raise ValueError("ipv4 lengths cannot exceed 32")
        return self


class FactsMinLength(_Strict):
    """VRPs and IRR route objects for prefixes shorter than this are dropped (``policy/facts_floor.py``);
    None = the accepted minimum (``length.<family>.min``)."""

    ipv4: int | None = Field(default=None, ge=1, le=32)
    ipv6: int | None = Field(default=None, ge=1, le=128)


class Prefixes(_Strict):
    bogons_file: str = "bogons.yml"  # relative to the policy file
    facts_min_length: FactsMinLength = FactsMinLength()
    reject_default_route: bool = True
    reject_peering_lan: bool = True
    length: PrefixLength = PrefixLength()
    ipv6_global_unicast_only: bool = True  # only 2000::/3


class TransitFree(_Strict):
    action: Literal["reject", "tag"] = "reject"
    asns: list[AsnValue] = []


class NeverViaRouteServers(_Strict):
    peeringdb: bool = True  # use PeeringDB's info_never_via_route_servers
    asns: list[AsnValue] = []


class AsPath(_Strict):
    max_length: int = Field(default=32, ge=1, le=255)
    reject_invalid_asns: bool = True  # private, reserved, documentation, AS_TRANS anywhere in the path
    reject_as_sets: bool = True  # AS_SET segments (RFC 6472)
    transit_free: TransitFree = TransitFree()
    never_via_route_servers: NeverViaRouteServers = NeverViaRouteServers()


class Irr(_Strict):
    enforce_origin: bool = True  # origin ASN must be in the member's AS-SET expansion
    enforce_prefix: bool = True  # prefix must be covered by a route object of the AS-SET
    allow_more_specifics: bool = False  # accept more-specifics of route objects up to the max length
    rpki_roas_as_route_objects: bool = True  # an RPKI-valid route passes the IRR prefix check
    aggregate: bool = False  # let bgpq4 aggregate (-A) prefix lists; same semantics, shorter config
    empty_as_set: Literal["reject_all", "fallback_aut_num"] = "fallback_aut_num"


class Rpki(_Strict):
    enabled: bool = True
    reject_invalid: bool = True  # False: tag only (not recommended)
    tag_valid_and_not_found: bool = True  # informational large communities


class Aspa(_Strict):
    """ASPA path verification (draft-ietf-sidrops-aspa-verification), on BIRD >= 2.16 targets."""

    enabled: bool = True
    # False (default): an ASPA-invalid path is accepted and tagged RS:65521:21. ASPA is still a
    # draft with few records published: one missing provider in a record would otherwise cut a
    # legitimate network off the IXP. True: rejected with RS:65520:21.
    reject_invalid: bool = False


class MaxPrefixHeadroom(_Strict):
    absolute: int = Field(default=100, ge=0, le=U32_MAX)
    relative: int = Field(default=15, ge=0, le=1000, description="percent")


class MaxPrefix(_Strict):
    peeringdb: bool = True  # take info_prefixes4/6 from PeeringDB
    headroom: MaxPrefixHeadroom = MaxPrefixHeadroom()
    default_ipv4: int = Field(default=100, ge=1, le=U32_MAX)  # when neither inventory nor PeeringDB has a value
    default_ipv6: int = Field(default=50, ge=1, le=U32_MAX)
    action: Literal["restart", "block", "disable", "warn"] = "restart"
    restart_after: int = Field(default=15, ge=1, le=10080, description="minutes, with action 'restart'")
    # accepted: count the routes that pass the filters (BIRD 'import limit');
    # received: count every route the member sends, filtered ones too ('receive limit'; arouteserver's
    # count_rejected_routes). Needs reject_policy.keep_filtered, where BIRD keeps the rejected routes.
    count: Literal["accepted", "received"] = "accepted"


class GracefulShutdown(_Strict):
    enabled: bool = True  # honour GRACEFUL_SHUTDOWN 65535:0 (RFC 8326)
    local_pref: int = Field(default=0, ge=0, le=U32_MAX)


class Blackhole(_Strict):
    enabled: bool = False  # members opt in per member
    max_length_ipv4: int = Field(default=32, ge=8, le=32)
    max_length_ipv6: int = Field(default=128, ge=12, le=128)
    rewrite_next_hop_ipv4: IPv4Address | None = None
    rewrite_next_hop_ipv6: IPv6Address | None = None
    add_no_export: bool = True
    announce_to: Literal["all", "opted_in"] = "all"
    # Per member: whether it receives other members' blackholes. null = follow announce_to (all
    # members, or only those that may announce blackholes). Independent of 'enabled' (announcing).
    receive: bool | None = None


class Lists(_Strict):
    """Per-member white and black lists (global black list: add prefixes to the bogons file)."""

    black_list_prefixes: list[IPv4Network | IPv6Network] = []
    white_list_prefixes: list[IPv4Network | IPv6Network] = []  # accepted even without IRR/ROA coverage
    white_list_asns: list[AsnValue] = []  # origin ASNs accepted even when not in the AS-SET


class Communities(_Strict):
    standard: bool = True  # 0:peer, rs:peer, 0:rs (16-bit peers only)
    large: bool = True  # rs:0:peer, rs:1:peer, rs:0:0
    prepend: bool = True  # rs:101..103:peer|0
    scrub_own: bool = True  # remove the RS's own control/info communities before export
    info_tags: bool = True  # tag accepted routes with the IRR/RPKI check results
    values: CommunityValues = CommunityValues()  # every community's value (ixpctl.policy.communities)
    reject_reason_base: int = Field(default=65520, ge=1, le=0xFFFFFFFF)  # (rs, base, code): rejected
    tag_reason_base: int = Field(default=65521, ge=1, le=0xFFFFFFFF)  # (rs, base, code): failed, tag mode

    @model_validator(mode="after")
    def _bases(self) -> Communities:
        if self.reject_reason_base == self.tag_reason_base:
            raise ValueError("reject_reason_base and tag_reason_base must differ")
        return self


class Session(_Strict):
    passive: bool = False
    role: bool = True  # RFC 9234 'rs_server' where the BIRD version has it
    extended_next_hop: bool = False  # RFC 8950: IPv4 routes over IPv6 sessions
    add_path_tx: bool = False
    bfd: bool = False
    ttl_security: bool = False
    hold_time: int = Field(default=90, ge=3, le=65535)
    keepalive_time: int = Field(default=30, ge=1, le=65535)

    @model_validator(mode="after")
    def _timers(self) -> Session:
        if self.keepalive_time >= self.hold_time:
            raise ValueError(f"keepalive_time ({self.keepalive_time}) must be shorter than hold_time "
                             f"({self.hold_time}); RFC 4271 suggests a third of it")
        return self


class RejectPolicy(_Strict):
    keep_filtered: bool = True  # keep rejected routes (tagged with the reason) for members to see


class Policy(_Strict):
    version: Literal[1] = 1
    next_hop: NextHop = NextHop()
    prefixes: Prefixes = Prefixes()
    as_path: AsPath = AsPath()
    irr: Irr = Irr()
    rpki: Rpki = Rpki()
    aspa: Aspa = Aspa()
    max_prefix: MaxPrefix = MaxPrefix()
    graceful_shutdown: GracefulShutdown = GracefulShutdown()
    blackhole: Blackhole = Blackhole()
    lists: Lists = Lists()
    communities: Communities = Communities()
    session: Session = Session()
    reject_policy: RejectPolicy = RejectPolicy()

    @model_validator(mode="after")
    def _receive_limit_needs_kept_routes(self) -> Policy:
        if self.max_prefix.count == "received" and not self.reject_policy.keep_filtered:
            raise ValueError("max_prefix.count: received needs reject_policy.keep_filtered: true "
                             "(BIRD counts rejected routes only while it keeps them)")
        return self


# Sections (or keys inside a section) a member override may change. Everything else is IXP-wide.
MEMBER_OVERRIDABLE: dict[str, set[str] | None] = {
    "next_hop": None,
    "prefixes": {"length"},
    "as_path": {"max_length"},
    "irr": {"enforce_origin", "enforce_prefix", "allow_more_specifics", "empty_as_set"},
    "rpki": {"reject_invalid"},
    "max_prefix": {"action", "restart_after", "count"},
    "blackhole": {"enabled", "receive"},
    "lists": None,
    "session": None,
}
