"""Addresses, switch ports and MAC addresses for a new member: pure functions of the inventory.

Why the order "PeeringDB, then flags, then next free": a network already registered at the IXP in
PeeringDB has configured that address on its router (and published it to every peer), so taking any
other would break sessions on day one. An address given on the command line is a human decision and
is checked, never silently replaced. Only when neither exists do we pick the next free address.

The member being onboarded may already be in the inventory (a re-run): pass its ASN as ``exclude_asn``
so its own addresses and ports count as free and a re-run plans exactly the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import TypeVar

from ..inventory.models import MAC_RE, Inventory, PeeringLan, Switch
from ..sources.facts import PdbNetIxLan
from .model import ConnectionPlan, OnboardRefused

Addr = TypeVar("Addr", IPv4Address, IPv6Address)

# The next-free search starts here: the first addresses of a LAN are usually kept for the IXP's own
# gear (route servers, looking glass, monitoring). MLIX numbers members from .10 / ::10.
FIRST_HOST_OFFSET = 10


def used_addresses(inv: Inventory, *, exclude_asn: int | None = None) -> set[IPv4Address | IPv6Address]:
    """Every LAN address taken by a route server or by a member other than ``exclude_asn``."""
    used: set[IPv4Address | IPv6Address] = set()
    for rs in inv.route_servers:
        used |= {a for a in (rs.ipv4, rs.ipv6) if a is not None}
    for member in inv.members:
        if member.asn == exclude_asn:
            continue
        for conn in member.connections:
            used |= {a for a in (conn.ipv4, conn.ipv6) if a is not None}
    return used


def owner_of(inv: Inventory, address: IPv4Address | IPv6Address) -> str | None:
    """Who holds ``address`` ("route server rs1", "AS64496 Djoliba Transit"), for error messages."""
    for rs in inv.route_servers:
        if address in (rs.ipv4, rs.ipv6):
            return f"route server {rs.name}"
    for member in inv.members:
        for conn in member.connections:
            if address in (conn.ipv4, conn.ipv6):
                return f"AS{member.asn} {member.name}"
    return None


def next_free(network: IPv4Network | IPv6Network, used: set, *, start: int = FIRST_HOST_OFFSET):
    """The first host address of ``network`` at or after offset ``start`` that is not ``used``.

    Skips the network and (IPv4) broadcast addresses. Raises OnboardRefused when the LAN is full.
    """
    last = network.num_addresses - (2 if network.version == 4 else 1)
    for offset in range(max(1, start), last + 1):
        candidate = network.network_address + offset
        if candidate not in used:
            return candidate
    for offset in range(1, min(start, last + 1)):  # the low range, as a last resort
        candidate = network.network_address + offset
        if candidate not in used:
            return candidate
    raise OnboardRefused(f"the peering LAN {network} has no free address left",
                         fix="give the address with --ipv4/--ipv6 after freeing one, or add a LAN prefix")


def mirrored_ipv6(ipv4: IPv4Address, network6: IPv6Network) -> IPv6Address | None:
    """The IPv6 address that mirrors an IPv4 one the way many IXPs number: .23 → ::23 (digits as hex).

    MLIX does this (192.0.2.10 ↔ 2001:db8:0:10::10), so a member can guess one address from the other.
    """
    last_octet = str(int(ipv4) & 0xFF)
    candidate = network6.network_address + int(last_octet, 16)
    return candidate if candidate in network6 and candidate != network6.network_address else None


def check_address(inv: Inventory, lan: PeeringLan, text: str, family: int, *, used: set,
                  flag: str) -> IPv4Address | IPv6Address:
    """Parse and check an address given with ``--ipv4``/``--ipv6``: in the LAN, a host, not taken."""
    try:
        address = ip_address(text)
    except ValueError:
        raise OnboardRefused(f"{flag} {text}: not an IP address",
                             fix=f"give an IPv{family} address of the LAN {lan.name}") from None
    network = lan.ipv4 if family == 4 else lan.ipv6
    if address.version != family or network is None or address not in network:
        raise OnboardRefused(f"{flag} {address} is not in the peering LAN {lan.name} ({network})",
                             fix=f"give an address inside {network}")
    if address == network.network_address or (family == 4 and address == network.broadcast_address):
        raise OnboardRefused(f"{flag} {address} is the network or broadcast address of {network}",
                             fix="give a host address")
    if address in used:
        raise OnboardRefused(f"{flag} {address} is already taken by {owner_of(inv, address)}",
                             fix="leave the flag out to get the next free address, or pick another one")
    return address


def _from_peeringdb(inv: Inventory, row_value: str | None, network, used: set,
                    notes: list[str], family: int):
    """The netixlan address when it is in the LAN and free; None (with a note) otherwise."""
    if not row_value or network is None:
        return None
    address = ip_address(row_value)
    if address not in network:
        notes.append(f"PeeringDB lists IPv{family} {address} for this network, outside the LAN {network}: ignored")
        return None
    if address in used:
        notes.append(f"PeeringDB lists IPv{family} {address} for this network, but it is taken by "
                     f"{owner_of(inv, address)}: allocated another address (fix PeeringDB or the inventory)")
        return None
    return address


def allocate_addresses(inv: Inventory, lan: PeeringLan, *, pdb_rows: Iterable[PdbNetIxLan] = (),
                       ipv4: str | None = None, ipv6: str | None = None, exclude_asn: int | None = None,
                       notes: list[str] | None = None, reserved: Iterable[str] = ()) -> list[ConnectionPlan]:
    """One ConnectionPlan per router: the PeeringDB netixlan rows, else one from flags / next free.

    ``reserved``: addresses other networks registered at the IXP in PeeringDB; "next free" skips
    them (a prospective member's address must stay free for it), flags may still take them.
    """
    notes = notes if notes is not None else []
    lan6 = inv.family_lan(lan, 6)  # per-family VLANs (ipv6_lan): the IPv6 comes from the IPv6 LAN
    used = used_addresses(inv, exclude_asn=exclude_asn)
    skip = used | {ip_address(a) for a in reserved}
    rows = sorted(pdb_rows, key=lambda r: (r.ipaddr4 or "", r.ipaddr6 or ""))
    plans: list[ConnectionPlan] = []
    if ipv4 is not None or ipv6 is not None:  # a human decision: wins over PeeringDB, checked
        v4 = check_address(inv, lan, ipv4, 4, used=used, flag="--ipv4") if ipv4 else \
            (next_free(lan.ipv4, skip) if lan.ipv4 is not None else None)
        if v4 is not None:
            used.add(v4)
            skip.add(v4)
        v6 = check_address(inv, lan6, ipv6, 6, used=used, flag="--ipv6") if ipv6 else _auto6(lan6, v4, skip)
        pdb4 = {r.ipaddr4 for r in rows if r.ipaddr4} | {r.ipaddr6 for r in rows if r.ipaddr6}
        for given in (a for a in (ipv4 and v4, ipv6 and v6) if a):
            if pdb4 and str(given) not in pdb4:
                notes.append(f"{given} differs from this network's PeeringDB registration at the IXP "
                             f"({', '.join(sorted(pdb4))}): ask the member to update PeeringDB")
        return [_plan(lan, v4, v6, "--ipv4" if ipv4 else "next free", "--ipv6" if ipv6 else "next free")]
    for row in rows:
        v4 = _from_peeringdb(inv, row.ipaddr4, lan.ipv4, used, notes, 4)
        v6 = _from_peeringdb(inv, row.ipaddr6, lan6.ipv6, used, notes, 6)
        if v4 is None and v6 is None:
            continue
        used |= {a for a in (v4, v6) if a is not None}
        plans.append(_plan(lan, v4, v6, "peeringdb" if v4 else None, "peeringdb" if v6 else None,
                           route_server=True))
    if plans:
        return plans
    v4 = next_free(lan.ipv4, skip) if lan.ipv4 is not None else None
    if v4 is not None:
        skip.add(v4)
    v6 = _auto6(lan6, v4, skip) if lan6.ipv6 is not None else None
    return [_plan(lan, v4, v6, "next free" if v4 else None, "next free" if v6 else None)]


def _auto6(lan: PeeringLan, v4: IPv4Address | None, used: set) -> IPv6Address | None:
    if lan.ipv6 is None:
        return None
    if v4 is not None:
        mirror = mirrored_ipv6(v4, lan.ipv6)
        if mirror is not None and mirror not in used:
            return mirror
    return next_free(lan.ipv6, used)


def _plan(lan: PeeringLan, v4, v6, src4: str | None, src6: str | None, *,
          route_server: bool = True) -> ConnectionPlan:
    return ConnectionPlan(lan.name, str(v4) if v4 else None, str(v6) if v6 else None,
                          src4 if v4 else None, src6 if v6 else None, route_server=route_server)


# --- switch ports ----------------------------------------------------------------------------------

def used_ports(inv: Inventory, switch: Switch, *, exclude_asn: int | None = None) -> dict[str, str]:
    """Port name → who uses it ("AS64496 Djoliba Transit"), on ``switch``."""
    used: dict[str, str] = {}
    for member in inv.members:
        if member.asn == exclude_asn:
            continue
        for conn in member.connections:
            if conn.switch == switch.name:
                for port in conn.ports:
                    used[port] = f"AS{member.asn} {member.name}"
    return used


def pick_port(inv: Inventory, switch_name: str, port: str | None, *,
              exclude_asn: int | None = None) -> tuple[str, int | None]:
    """A free member port on ``switch_name`` (``port`` when given and free): (name, speed)."""
    switch = inv.switch(switch_name)
    if switch is None:
        known = ", ".join(s.name for s in inv.switches) or "none in the inventory"
        raise OnboardRefused(f"--switch {switch_name}: unknown switch", fix=f"use one of: {known}")
    used = used_ports(inv, switch, exclude_asn=exclude_asn)
    if port is not None:
        found = switch.port(port)
        if found is None:
            raise OnboardRefused(f"--port {port}: {switch.name} has no such port",
                                 fix=f"ports of {switch.name}: {', '.join(p.name for p in switch.ports)}")
        if port in switch.uplinks:
            raise OnboardRefused(f"--port {port} is an uplink of {switch.name}, never a member port",
                                 fix="pick another port, or leave --port out to get a free one")
        if port in used:
            raise OnboardRefused(f"--port {port} on {switch.name} is already used by {used[port]}",
                                 fix="leave --port out to get a free one, or pick another port")
        return found.name, found.speed
    for candidate in switch.ports:
        if candidate.name not in used and candidate.name not in switch.uplinks:
            return candidate.name, candidate.speed
    raise OnboardRefused(f"{switch.name} has no free member port",
                         fix="add ports to the switch in the inventory, or use another --switch")


def normalise_macs(macs: Iterable[str]) -> list[str]:
    """``--mac`` values checked and written like the inventory model does (lower case, colons)."""
    out = []
    for mac in macs:
        if not MAC_RE.match(mac):
            raise OnboardRefused(f"--mac {mac}: not a MAC address",
                                 fix="write it like 02:00:5e:10:00:01 (also accepted: 0200.5e10.0001)")
        digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
        normal = ":".join(digits[i:i + 2] for i in range(0, 12, 2))
        if normal not in out:
            out.append(normal)
    return out


def used_macs(inv: Inventory, *, exclude_asn: int | None = None) -> dict[str, str]:
    return {mac: f"AS{m.asn} {m.name}" for m in inv.members if m.asn != exclude_asn
            for conn in m.connections for mac in conn.macs}


def check_macs_free(inv: Inventory, macs: list[str], *, exclude_asn: int | None = None) -> None:
    taken = used_macs(inv, exclude_asn=exclude_asn)
    for mac in macs:
        if mac in taken:
            raise OnboardRefused(f"--mac {mac} is already recorded for {taken[mac]}",
                                 fix="check the MAC address (a copy-paste from another member?)")
