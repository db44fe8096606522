"""The Euro-IX IX-F member list (JSON schema 1.0, or 0.7 on request) from the inventory + PeeringDB facts.

Why: PeeringDB's IX-F importer, IXPDB and tools such as arouteserver read this file to learn who is
connected to the IXP, with which addresses and whether they peer with the route servers. Keeping it
generated from the same inventory as the route servers means it can never disagree with them.

Rules: only data the inventory or the facts really have is written; optional fields are omitted
otherwise. The route servers appear as a member entry of the IXP's own ASN (``member_type: ixp``)
whose addresses carry the ``ixrouteserver`` service — that is where the schema puts them. IDs the
schema wants as integers: the IXP (``ixp_id``) is 1; switches are numbered in inventory order from 1;
VLAN ids are the 802.1Q tags of the peering LANs. ``ixp.looking_glass`` is published as the
``looking_glass_urls`` of each VLAN and protocol the route servers have an address in.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any, Literal

from ..inventory.irr_names import split_irr_as_set
from ..inventory.models import Connection, Inventory, Member, PeeringLan
from ..policy.intent import max_prefix_limit
from ..policy.loader import LoadedPolicy, effective_policy
from ..sources.facts import Facts

IxfVersion = Literal["1.0", "0.7"]
VERSIONS: tuple[str, ...] = ("1.0", "0.7")
IXP_ID = 1
STATE = {"active": "active", "disabled": "inactive", "planned": "inactive"}


def export_time(now: datetime | None = None) -> str:
    """Export timestamp; ``SOURCE_DATE_EPOCH`` pins it, so an export is reproducible like a build."""
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        now = datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)
    return now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _url(value: str | None) -> str | None:
    return value if value and value.startswith(("http://", "https://")) else None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop absent optional fields (None, empty lists) instead of writing nulls the schema refuses."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def _switch_ids(inv: Inventory) -> dict[str, int]:
    return {sw.name: index for index, sw in enumerate(inv.switches, 1)}


def _looking_glass_urls(inv: Inventory, net: Any) -> list[str] | None:
    """``ixp.looking_glass`` for a VLAN and protocol the route servers serve (one of them has an
    address in ``net``): what the looking glass shows are the route servers' sessions and routes.
    IX-F puts ``looking_glass_urls`` there, per VLAN and protocol (ixp_list[].vlan[].ipv4/ipv6)."""
    lg = _url(inv.ixp.looking_glass)
    if lg is None:
        return None
    served = any(addr is not None and addr.version == net.version and addr in net
                 for rs in inv.route_servers for addr in (rs.ipv4, rs.ipv6))
    return [lg] if served else None


def ixp_entry(inv: Inventory) -> dict[str, Any]:
    ixp = inv.ixp
    vlans = []
    for lan in ixp.lans:
        vlan: dict[str, Any] = {"id": lan.vlan, "name": lan.name} if lan.vlan is not None else {"name": lan.name}
        for fam, net in (("ipv4", lan.ipv4), ("ipv6", lan.ipv6)):
            if net is not None:
                vlan[fam] = _compact({"prefix": str(net.network_address), "mask_length": net.prefixlen,
                                      "looking_glass_urls": _looking_glass_urls(inv, net)})
        vlans.append(vlan)
    switches = [_compact({"id": i, "name": sw.name, "colo": sw.site}) for sw, i in
                ((sw, _switch_ids(inv)[sw.name]) for sw in inv.switches)]
    return _compact({
        "ixp_id": IXP_ID,
        # required by the schema; 0 means "not registered in IXPDB": set ixp.ixf_id in the inventory
        "ixf_id": ixp.ixf_id if ixp.ixf_id is not None else 0,
        "shortname": ixp.name,
        "name": ixp.long_name,
        "url": _url(ixp.website),
        "country": ixp.country,
        "peeringdb_id": ixp.peeringdb_ix_id,
        "support_email": ixp.support_email,
        "switch": switches,
        "vlan": vlans,
    })


def _as_macro(member: Member, facts: Facts) -> str | None:
    """The AS-SET(s) the route servers expand for this member, as PeeringDB/IRR spell them."""
    if member.as_set_from_peeringdb:
        net = facts.network(member.asn)
        names, _bad = split_irr_as_set(net.irr_as_set if net else "")
        return " ".join(names) or None
    return " ".join(member.as_sets) or None


def _max_prefixes(member: Member, facts: Facts, policy: LoadedPolicy | None) -> tuple[int | None, int | None]:
    """The limits the route servers apply (policy known), else only what the inventory states."""
    inv4 = member.max_prefix.ipv4 if member.max_prefix else None
    inv6 = member.max_prefix.ipv6 if member.max_prefix else None
    if policy is None:
        return inv4, inv6
    mp = effective_policy(policy.policy, member.policy)
    net = facts.network(member.asn)
    v4, _ = max_prefix_limit(mp, inv4, net.info_prefixes4 if net else None, mp.max_prefix.default_ipv4)
    v6, _ = max_prefix_limit(mp, inv6, net.info_prefixes6 if net else None, mp.max_prefix.default_ipv6)
    return v4, v6


def _speed(inv: Inventory, conn: Connection, port: str | None, facts: Facts, asn: int) -> int | None:
    if conn.speed:
        return conn.speed
    sw = inv.switch(conn.switch) if conn.switch else None
    p = sw.port(port) if sw and port else None
    if p is not None and p.speed:
        return p.speed
    addresses = {str(a) for a in (conn.ipv4, conn.ipv6) if a is not None}
    for row in facts.netixlan_of(asn):  # PeeringDB's speed is per connection (a LAG's total)
        if row.speed and addresses & {row.ipaddr4, row.ipaddr6}:
            return row.speed // max(1, len(conn.ports))
    return None


def _if_list(inv: Inventory, conn: Connection, facts: Facts, asn: int) -> list[dict[str, Any]]:
    switch_id = _switch_ids(inv).get(conn.switch) if conn.switch else None
    ports = conn.ports or [None]
    out = []
    for port in ports:
        entry = _compact({"switch_id": switch_id, "if_speed": _speed(inv, conn, port, facts, asn)})
        if entry:
            out.append(entry)
    return out


def _address(address: Any, *, macro: str | None, max_prefix: int | None, routeserver: bool | None, macs: list[str],
             services: list[Any] | None = None, version: str = "1.0") -> dict[str, Any]:
    entry: dict[str, Any] = {"address": str(address), "as_macro": macro, "max_prefix": max_prefix,
                             "routeserver": routeserver, "mac_addresses": macs}
    if services:
        entry["services" if version == "1.0" else "service_type"] = services
    return _compact(entry)


def _rs_lans(inv: Inventory) -> dict[str, set[int]]:
    """LAN name → address families a route server offers on it (a member can peer there only then)."""
    out: dict[str, set[int]] = {}
    for rs in inv.route_servers:
        lan = inv.lan_of(rs.lan)
        if lan is None:
            continue
        fams = out.setdefault(lan.name, set())
        if rs.ipv4 is not None:
            fams.add(4)
        if rs.ipv6 is not None:
            fams.add(6)
    return out


def member_entry(inv: Inventory, member: Member, facts: Facts, policy: LoadedPolicy | None,
                 version: str) -> dict[str, Any]:
    net = facts.network(member.asn)
    macro = _as_macro(member, facts)
    mp4, mp6 = _max_prefixes(member, facts, policy)
    rs_lans = _rs_lans(inv)
    connections = []
    for conn in member.connections:
        lan = inv.lan_of(conn.lan)
        if lan is None:
            continue
        offered = rs_lans.get(lan.name, set())
        peers = member.is_active and conn.route_server
        addrs: dict[str, Any] = {}
        if conn.ipv4 is not None:
            addrs["ipv4"] = _address(conn.ipv4, macro=macro, max_prefix=mp4 if peers and 4 in offered else None,
                                     routeserver=bool(peers and 4 in offered), macs=conn.macs, version=version)
        if conn.ipv6 is not None:
            addrs["ipv6"] = _address(conn.ipv6, macro=macro, max_prefix=mp6 if peers and 6 in offered else None,
                                     routeserver=bool(peers and 6 in offered), macs=conn.macs, version=version)
        connections.append(_compact({"ixp_id": IXP_ID, "state": STATE[member.status],
                                     "if_list": _if_list(inv, conn, facts, member.asn),
                                     "vlan_list": _vlan_list(inv, lan, addrs)}))
    policy_general = (net.policy_general or "").strip().lower() if net else ""
    return _compact({
        "asnum": member.asn,
        "member_type": "peering",
        "name": member.name,
        "url": _url(net.website if net else None),
        "peering_policy": policy_general or None,
        "member_since": _date_time(member.joined),
        "contact_email": [member.contact] if member.contact else None,
        "connection_list": connections,
    })


def _vlan_list(inv: Inventory, lan: PeeringLan, addrs: dict[str, Any]) -> list[dict[str, Any]]:
    """IX-F's per-VLAN entries of one connection: one, or two when the LAN's IPv6 runs on another
    VLAN (ipv6_lan): IPv4 on this LAN's VLAN, IPv6 on that one's (as IXP Manager lists them)."""
    six = inv.family_lan(lan, 6)
    groups = [(lan, addrs)] if six is lan else \
        [(lan, {k: v for k, v in addrs.items() if k == "ipv4"}), (six, {k: v for k, v in addrs.items() if k == "ipv6"})]
    out = []
    for carrier, fams in groups:
        if fams or carrier is lan:
            out.append({**({"vlan_id": carrier.vlan} if carrier.vlan is not None else {}), **fams})  # id optional in IX-F
    return out


def _date_time(value: date | None) -> str | None:
    return f"{value.isoformat()}T00:00:00Z" if value else None


def route_server_entry(inv: Inventory, version: str) -> dict[str, Any] | None:
    """The route servers as the IXP's own member entry: address + ``ixrouteserver`` service."""
    connections = []
    for rs in inv.route_servers:
        lan = inv.lan_of(rs.lan)
        if lan is None:
            continue
        if version == "1.0":
            # the daemon this route server really runs (route_servers[].daemon), with its target version
            daemon = ("OpenBGPD", rs.openbgpd_version) if rs.daemon == "openbgpd" else ("BIRD", rs.bird_version)
            services: list[Any] = [{"type": "ixrouteserver", "daemon": daemon[0], "daemon_version": daemon[1]}]
        else:
            services = ["ixrouteserver"]
        addrs = {fam: _address(addr, macro=None, max_prefix=None, routeserver=None, macs=[], services=services,
                               version=version)
                 for fam, addr in (("ipv4", rs.ipv4), ("ipv6", rs.ipv6)) if addr is not None}
        connections.append({"ixp_id": IXP_ID, "state": "active", "vlan_list": _vlan_list(inv, lan, addrs)})
    if not connections:
        return None
    return _compact({"asnum": inv.ixp.rs_asn, "member_type": "ixp", "name": f"{inv.ixp.name} route servers",
                     "url": _url(inv.ixp.website),
                     "contact_email": [inv.ixp.support_email] if inv.ixp.support_email else None,
                     "connection_list": connections})


def member_list(inv: Inventory, facts: Facts, policy: LoadedPolicy | None = None, *, version: str = "1.0",
                now: datetime | None = None) -> dict[str, Any]:
    """The whole IX-F document. ``policy`` lets max_prefix be the limit the route servers really apply."""
    if version not in VERSIONS:
        raise ValueError(f"IX-F schema version {version} is not supported (use one of {', '.join(VERSIONS)})")
    members = [member_entry(inv, m, facts, policy, version) for m in inv.members]
    rs = route_server_entry(inv, version)
    return {
        "version": version,
        "timestamp": export_time(now),
        "ixp_list": [ixp_entry(inv)],
        "member_list": ([rs] if rs else []) + members,
    }


def export_warnings(inv: Inventory) -> list[str]:
    out = []
    if inv.ixp.ixf_id is None:
        out.append("ixp.ixf_id is not set: the export says ixf_id 0 (the schema requires one); "
                   "set it to the IXP's id in the IX-F database (IXPDB)")
    fr = inv.ixp.fictional_resources
    if fr is not None and fr.enabled:
        out.append("DEMO MODE: this inventory is fictional; do not publish this export")
    return out


__all__ = [
    "VERSIONS",
    "IxfVersion",
    "export_time",
    "export_warnings",
    "ixp_entry",
    "member_entry",
    "member_list",
    "route_server_entry",
]
