"""Checks of per-family VLANs (``ixp.lans[].ipv6_lan``): a LAN whose IPv6 runs on another VLAN.

The two LANs are one peering service. What can go wrong is what an operator types: a pairing that
names an unknown LAN or a LAN that has IPv4 too, chains and double pairings, route servers or
connections that name the IPv6 half instead of the service, and access ports, which carry one
untagged VLAN where the service needs two. Each error names file, line and field (``at``).
"""

from __future__ import annotations

from ..errors import Report
from .models import Connection, Inventory


def check_lan_pairs(inv: Inventory, report: Report, at) -> None:
    names = [lan.name for lan in inv.ixp.lans]
    claimed: dict[str, str] = {}
    for i, lan in enumerate(inv.ixp.lans):
        if lan.ipv6_lan is None:
            continue
        where = at("ixp", "lans", i, "ipv6_lan")
        other = inv.ixp.lan(lan.ipv6_lan)
        if lan.ipv4 is None:
            report.error(f"LAN '{lan.name}' has ipv6_lan but no IPv4 prefix: it would carry nothing",
                         fix="ipv6_lan goes on the IPv4 LAN of the service; remove it here", **where)
        if other is None or other is lan:
            report.error(f"LAN '{lan.name}': ipv6_lan names {'itself' if other is lan else 'no LAN'} "
                         f"('{lan.ipv6_lan}')",
                         fix=f"name the LAN that carries its IPv6, one of: {', '.join(n for n in names if n != lan.name)}",
                         **where)
            continue
        if other.ipv4 is not None or other.ipv6 is None:
            report.error(f"LAN '{other.name}' carries the IPv6 of '{lan.name}' (ipv6_lan) but "
                         + ("has an IPv4 prefix too" if other.ipv4 is not None else "has no IPv6 prefix"),
                         fix=f"give LAN '{other.name}' only ipv6: (its IPv4 is '{lan.name}''s)", **where)
        if other.ipv6_lan is not None:
            report.error(f"LAN '{other.name}' carries the IPv6 of '{lan.name}' and names an ipv6_lan itself",
                         fix="a peering service is one IPv4 LAN and one IPv6 LAN: remove one ipv6_lan", **where)
        if other.name in claimed:
            report.error(f"LAN '{other.name}' is the ipv6_lan of both '{claimed[other.name]}' and '{lan.name}'",
                         fix="one IPv6 LAN per service: give each its own, or merge the two IPv4 LANs", **where)
        claimed.setdefault(other.name, lan.name)


def pairing_broken(inv: Inventory) -> bool:
    """An ipv6_lan names no LAN: the services cannot be told apart, which check_lan_pairs already
    reports once (rather than "say which LAN" on every connection)."""
    return any(lan.ipv6_lan is not None and inv.ixp.lan(lan.ipv6_lan) is None for lan in inv.ixp.lans)


def check_service_reference(inv: Inventory, name: str | None, report: Report, where: dict, what: str) -> None:
    """A route server or connection names the IPv6 half of a service: say which LAN to name."""
    halves = inv.ipv6_halves()
    if name is not None and name in halves:
        report.error(f"{what} names LAN '{name}', the IPv6 VLAN of peering service '{halves[name]}'",
                     fix=f"use lan: {halves[name]} (its IPv6 address is checked against '{name}''s prefix)",
                     **where)


def check_tagged(inv: Inventory, conn: Connection, report: Report, where: dict, what: str) -> None:
    """An access port carries one untagged VLAN; a per-family service needs two on the port."""
    lan = inv.lan_of(conn.lan)
    if lan is None or lan.ipv6_lan is None or conn.switch is None or conn.vlan_mode == "tagged":
        return
    six = inv.family_lan(lan, 6)
    report.error(f"{what}: LAN '{lan.name}' puts IPv4 on VLAN {lan.vlan} and IPv6 on VLAN {six.vlan}, "
                 "which an access port cannot carry",
                 fix="set vlan_mode: tagged (the router tags IPv4 and IPv6 on their VLANs)", **where)


__all__ = ["check_lan_pairs", "check_service_reference", "check_tagged", "pairing_broken"]
