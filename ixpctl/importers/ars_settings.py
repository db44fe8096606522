"""arouteserver settings → ixpctl policy keys: one table for ``general.yml`` (IXP-wide, into
``policies/default.yml``) and one for a client's ``cfg`` (into ``members[].policy``, the keys a
member override may change, or member keys). Whatever has no row is reported with the closest
ixpctl setting (``UNMAPPED``), so nothing is dropped silently.

Each row: arouteserver path (dotted, under ``cfg``) → (ixpctl key, conversion). A conversion
returns the value, or raises ``NoEquivalent`` with the closest thing when the value itself has
none (``reject_policy: tag``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class NoEquivalent(ValueError):
    def __init__(self, closest: str):
        super().__init__(closest)
        self.closest = closest


def _same(value: Any) -> Any:
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise NoEquivalent(f"a true/false value (got {value!r})")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NoEquivalent(f"a number (got {value!r})")
    return value


def _next_hop(value: Any) -> str:
    table = {"strict": "strict", "same-as": "same_as", "authorized_addresses": "authorized"}
    if value not in table:
        raise NoEquivalent("next_hop.policy: strict, same_as or authorized")
    return table[value]


def _length(value: Any) -> dict[str, int]:
    if isinstance(value, dict) and {"min", "max"} <= set(value):
        return {"min": int(value["min"]), "max": int(value["max"])}
    if isinstance(value, str) and "-" in value:
        low, high = value.split("-", 1)
        return {"min": int(low), "max": int(high)}
    raise NoEquivalent("prefixes.length.<family>: {min: .., max: ..}")


def _asn_list(value: Any) -> list[int]:
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
    return [int(str(a).upper().removeprefix("AS")) for a in items]


def _transit_action(value: Any) -> str:
    if value in ("reject", "tag"):
        return value
    raise NoEquivalent("as_path.transit_free.action: reject or tag (no 'off': leave asns empty)")


def _max_prefix_action(value: Any) -> str:
    # arouteserver 'shutdown' tears the session down until restart_after (if any): BIRD 'restart'
    # with a delay or 'disable'; None only logs: 'warn'
    table = {"shutdown": "disable", "restart": "restart", "block": "block", None: "warn"}
    if value not in table:
        raise NoEquivalent("max_prefix.action: restart, block, disable or warn")
    return table[value]


def _count(value: Any) -> str:
    return "received" if _bool(value) else "accepted"


def _reject_policy(value: Any) -> bool:
    if value == "tag_and_reject":
        return True
    if value == "reject":
        return False
    raise NoEquivalent("reject_policy.keep_filtered: true (ixpctl always rejects; it keeps the rejected "
                       "routes tagged with the reason, as tag_and_reject)")


def _prefix_list(value: Any) -> list[str]:
    out = []
    for entry in value or []:
        if isinstance(entry, dict) and entry.get("prefix"):
            if entry.get("le") or entry.get("ge") or entry.get("exact") is False:
                raise NoEquivalent("lists.*_prefixes hold exact prefixes and their more-specifics; "
                                   "ranges (le/ge) have no equivalent")
            out.append(f"{entry['prefix']}/{entry.get('length')}" if entry.get("length") else str(entry["prefix"]))
    return out


Convert = Callable[[Any], Any]
GENERAL: dict[str, tuple[str, Convert]] = {
    "passive": ("session.passive", _bool),
    "gtsm": ("session.ttl_security", _bool),
    "add_path": ("session.add_path_tx", _bool),
    "filtering.next_hop.policy": ("next_hop.policy", _next_hop),
    "filtering.ipv4_pref_len": ("prefixes.length.ipv4", _length),
    "filtering.ipv6_pref_len": ("prefixes.length.ipv6", _length),
    "filtering.max_as_path_len": ("as_path.max_length", _int),
    "filtering.reject_invalid_as_in_as_path": ("as_path.reject_invalid_asns", _bool),
    "filtering.transit_free.action": ("as_path.transit_free.action", _transit_action),
    "filtering.transit_free.asns": ("as_path.transit_free.asns", _asn_list),
    "filtering.never_via_route_servers.peering_db": ("as_path.never_via_route_servers.peeringdb", _bool),
    "filtering.never_via_route_servers.asns": ("as_path.never_via_route_servers.asns", _asn_list),
    "filtering.irrdb.enforce_origin_in_as_set": ("irr.enforce_origin", _bool),
    "filtering.irrdb.enforce_prefix_in_as_set": ("irr.enforce_prefix", _bool),
    "filtering.irrdb.allow_longer_prefixes": ("irr.allow_more_specifics", _bool),
    "filtering.irrdb.use_rpki_roas_as_route_objects.enabled": ("irr.rpki_roas_as_route_objects", _bool),
    "filtering.rpki_bgp_origin_validation.enabled": ("rpki.enabled", _bool),
    "filtering.rpki_bgp_origin_validation.reject_invalid": ("rpki.reject_invalid", _bool),
    "filtering.max_prefix.peering_db.enabled": ("max_prefix.peeringdb", _bool),
    "filtering.max_prefix.peering_db.increment.absolute": ("max_prefix.headroom.absolute", _int),
    "filtering.max_prefix.peering_db.increment.relative": ("max_prefix.headroom.relative", _int),
    "filtering.max_prefix.action": ("max_prefix.action", _max_prefix_action),
    "filtering.max_prefix.restart_after": ("max_prefix.restart_after", _int),
    "filtering.max_prefix.count_rejected_routes": ("max_prefix.count", _count),
    "filtering.reject_policy.policy": ("reject_policy.keep_filtered", _reject_policy),
    "graceful_shutdown.enabled": ("graceful_shutdown.enabled", _bool),
    "filtering.graceful_shutdown.enabled": ("graceful_shutdown.enabled", _bool),
    "filtering.blackhole_filtering.rewrite_next_hop_ipv4": ("blackhole.rewrite_next_hop_ipv4", _same),
    "filtering.blackhole_filtering.rewrite_next_hop_ipv6": ("blackhole.rewrite_next_hop_ipv6", _same),
    "filtering.blackhole_filtering.add_noexport": ("blackhole.add_no_export", _bool),
}

# Settings read elsewhere (not policy keys): rs_as → ixp.rs_asn, router_id → the route server,
# irrdb.peering_db → members without AS-SET get as_set: from_peeringdb.
HANDLED = {"rs_as", "router_id", "filtering.irrdb.peering_db"}

# client cfg path → member policy key (only keys MEMBER_OVERRIDABLE allows) or a member key ("member:")
CLIENT: dict[str, tuple[str, Convert]] = {
    "passive": ("session.passive", _bool),
    "gtsm": ("session.ttl_security", _bool),
    "add_path": ("session.add_path_tx", _bool),
    "filtering.next_hop.policy": ("next_hop.policy", _next_hop),
    "filtering.next_hop.authorized_addresses": ("next_hop.authorized", list),
    "filtering.ipv4_pref_len": ("prefixes.length.ipv4", _length),
    "filtering.ipv6_pref_len": ("prefixes.length.ipv6", _length),
    "filtering.max_as_path_len": ("as_path.max_length", _int),
    "filtering.irrdb.enforce_origin_in_as_set": ("irr.enforce_origin", _bool),
    "filtering.irrdb.enforce_prefix_in_as_set": ("irr.enforce_prefix", _bool),
    "filtering.irrdb.allow_longer_prefixes": ("irr.allow_more_specifics", _bool),
    "filtering.irrdb.white_list_pref": ("lists.white_list_prefixes", _prefix_list),
    "filtering.irrdb.white_list_asn": ("lists.white_list_asns", _asn_list),
    "filtering.black_list_pref": ("lists.black_list_prefixes", _prefix_list),
    "filtering.rpki_bgp_origin_validation.reject_invalid": ("rpki.reject_invalid", _bool),
    "filtering.max_prefix.action": ("max_prefix.action", _max_prefix_action),
    "filtering.max_prefix.restart_after": ("max_prefix.restart_after", _int),
    "filtering.max_prefix.count_rejected_routes": ("max_prefix.count", _count),
    "filtering.max_prefix.limit_ipv4": ("member:max_prefix.ipv4", _int),
    "filtering.max_prefix.limit_ipv6": ("member:max_prefix.ipv6", _int),
    "filtering.irrdb.as_sets": ("member:as_set", _same),
    "filtering.blackhole_filtering.announce_to_client": ("blackhole.receive", _bool),
}

# What has no equivalent, and the closest ixpctl setting (prefix match on the arouteserver path).
UNMAPPED: dict[str, str] = {
    "prepend_rs_as": "none: ixpctl route servers are transparent (RFC 7947), the RS ASN is never prepended",
    "path_hiding": "none needed: every member session has its own import table (no path hiding)",
    "filtering.global_black_list_pref": "policies/bogons.yml (a global list of rejected prefixes, "
                                        "more-specifics included)",
    "filtering.irrdb.tag_as_set": "communities.info_tags (IRR and RPKI results as informational communities)",
    "filtering.irrdb.use_arin_bulk_whois_data": "irr.rpki_roas_as_route_objects (RPKI ROAs as route objects)",
    "filtering.irrdb.use_registrobr_bulk_whois_data": "irr.rpki_roas_as_route_objects",
    "filtering.rpki_bgp_origin_validation": "rpki.enabled / rpki.reject_invalid",
    "filtering.max_prefix.peering_db": "max_prefix.peeringdb (per IXP, not per member)",
    "filtering.reject_invalid_as_in_as_path": "as_path.reject_invalid_asns (IXP-wide only)",
    "rpki_roas": "the inventory's sources.rpki (vrp_file, vrp_url or rtr_servers)",
    "blackhole_filtering": "blackhole.* (members opt in with members[].policy.blackhole.enabled)",
    "filtering.blackhole_filtering": "blackhole.* (members opt in with members[].policy.blackhole.enabled)",
    "rfc1997_wellknown_communities": "none: ixpctl honours NO_EXPORT/NO_ADVERTISE as RFC 1997 says",
    "communities": "communities.values (ixpctl's own documented community values)",
    "custom_communities": "none: a member's own communities pass through unchanged",
    "attach_custom_communities": "none",
    "irrdb": "irr.* and the inventory's sources.irr",
    "graceful_shutdown": "graceful_shutdown.enabled / local_pref",
    "rtt_thresholds": "none",
    "bgp_only_rs": "none",
}


def closest(path: str) -> str:
    best = max((k for k in UNMAPPED if path == k or path.startswith(k + ".")), key=len, default=None)
    return UNMAPPED[best] if best else "none"


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """{"a": {"b": 1}} → [("a.b", 1)]; a mapping that is itself a row of a table stays whole."""
    out: list[tuple[str, Any]] = []
    if isinstance(data, dict) and data:
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) and path not in GENERAL and path not in CLIENT:
                out += flatten(value, path)
            else:
                out.append((path, value))
    elif prefix:
        out.append((prefix, data))
    return out
