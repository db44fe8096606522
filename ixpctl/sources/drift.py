"""Drift: where PeeringDB and the inventory disagree about the exchange's members.

PeeringDB is what the rest of the Internet reads about a member's presence at the IXP, and the
inventory is what the IXP actually configures. When they differ, one of them is wrong: either the
member forgot to update PeeringDB (the IXP tells them) or the inventory is stale (the IXP fixes it).
Pure function of (inventory, facts): no I/O, so it runs in unit tests and in ``validate`` alike.

Severities: "error" — the two sources contradict each other in a way that hurts (an address of one
member registered by another); "warning" — something for the member or the IXP to fix; "info" —
worth knowing, nothing is wrong (e.g. the inventory pins a different AS-SET than PeeringDB lists).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from ipaddress import ip_address
from typing import Any, Literal

from ..inventory.irr_names import split_irr_as_set
from ..inventory.models import Inventory, Member
from .facts import Facts, PdbNetIxLan

Severity = Literal["info", "warning", "error"]

# kinds, stable strings for --json consumers
NO_IX_ID = "no_ix_id"
MISSING_NETWORK = "missing_network"
NETIXLAN_MISSING = "netixlan_missing"  # an inventory address PeeringDB does not list
NETIXLAN_EXTRA = "netixlan_extra"  # a PeeringDB address of this member the inventory does not have
ADDRESS_CONFLICT = "address_conflict"  # a member's PeeringDB address belongs to another member
NOT_A_MEMBER = "not_a_member"  # registered at this IXP in PeeringDB, absent from the inventory
NOT_RS_PEER = "not_rs_peer"  # peers with the route servers, PeeringDB says is_rs_peer false
AS_SET_DIFFERS = "as_set_differs"
AS_SET_UNUSABLE = "as_set_unusable"  # as_set: from_peeringdb, but PeeringDB has nothing usable


@dataclass(frozen=True)
class Drift:
    asn: int | None  # None: about the exchange as a whole
    kind: str
    message: str
    severity: Severity = "warning"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def peeringdb_drift(inventory: Inventory, facts: Facts) -> list[Drift]:
    """Every disagreement between the inventory's members and PeeringDB, members in inventory order.

    Only active members are compared: a planned member may not have registered yet and a disabled one
    may still be listed. Rows of the route servers' own ASN are not membership rows and are skipped.
    ``facts.netixlan`` must hold the exchange's rows (what :func:`ixpctl.sources.peeringdb.lookup`
    returns for ``ixp.peeringdb_ix_id``).
    """
    ix_id = inventory.ixp.peeringdb_ix_id
    drifts: list[Drift] = []
    if ix_id is None:
        drifts.append(Drift(None, NO_IX_ID, "ixp.peeringdb_ix_id is not set: PeeringDB registrations at this "
                            "exchange cannot be compared (fix: set it to the number in "
                            "https://www.peeringdb.com/ix/<id>)", "warning"))
    owners = _address_owners(inventory)
    for member in inventory.members:
        if not member.is_active:
            continue
        network = facts.network(member.asn)
        if network is None:
            drifts.append(Drift(member.asn, MISSING_NETWORK,
                                f"AS{member.asn} ({member.name}) has no network record in PeeringDB", "warning"))
        else:
            drifts.extend(_as_set_drift(member, network.irr_as_set))
        if ix_id is not None:
            drifts.extend(_address_drift(member, facts.netixlan_of(member.asn), owners, ix_id))
    if ix_id is not None:
        drifts.extend(_strangers(inventory, facts, ix_id))
    return drifts


# --- addresses ------------------------------------------------------------------------------------
def _addresses(member: Member) -> dict[str, bool]:
    """Inventory address (canonical text) → does that connection peer with the route servers."""
    out: dict[str, bool] = {}
    for conn in member.connections:
        for addr in (conn.ipv4, conn.ipv6):
            if addr is not None:
                out[str(addr)] = out.get(str(addr), False) or conn.route_server
    return out


def _address_owners(inventory: Inventory) -> dict[str, int]:
    return {addr: m.asn for m in inventory.members for addr in _addresses(m)}


def _canonical(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return str(ip_address(text))
    except ValueError:
        return text


def _row_addresses(row: PdbNetIxLan) -> list[str]:
    return [a for a in (_canonical(row.ipaddr4), _canonical(row.ipaddr6)) if a]


def _address_drift(member: Member, rows: list[PdbNetIxLan], owners: dict[str, int], ix_id: int) -> list[Drift]:
    mine = _addresses(member)
    registered = {addr: row for row in rows for addr in _row_addresses(row)}
    who = f"AS{member.asn} ({member.name})"
    out: list[Drift] = []
    for addr in mine:
        if addr not in registered:
            out.append(Drift(member.asn, NETIXLAN_MISSING,
                             f"{who}: {addr} is in the inventory but not registered at this exchange "
                             f"(PeeringDB ix {ix_id}); ask the member to add it", "warning"))
    for addr, row in registered.items():
        if addr in mine:
            continue
        owner = owners.get(addr)
        if owner is not None and owner != member.asn:
            out.append(Drift(member.asn, ADDRESS_CONFLICT,
                             f"{who}: PeeringDB lists {addr}, which the inventory assigns to AS{owner}",
                             "error"))
        else:
            out.append(Drift(member.asn, NETIXLAN_EXTRA,
                             f"{who}: PeeringDB lists {addr} at this exchange, the inventory does not "
                             "(stale PeeringDB entry, or a connection missing from the inventory)", "warning"))
    for row in rows:
        rs_addrs = [a for a in _row_addresses(row) if mine.get(a)]
        if rs_addrs and not row.is_rs_peer:
            out.append(Drift(member.asn, NOT_RS_PEER,
                             f"{who}: peers with the route servers on {', '.join(rs_addrs)} but PeeringDB says "
                             "is_rs_peer false; ask the member to tick 'RS peer'", "warning"))
    return out


def _strangers(inventory: Inventory, facts: Facts, ix_id: int) -> list[Drift]:
    """ASNs registered at the exchange that the inventory does not know (e.g. about to join)."""
    known = {m.asn for m in inventory.members} | {inventory.ixp.rs_asn}
    by_asn: dict[int, list[str]] = {}
    for row in facts.netixlan:
        if row.asn not in known:
            by_asn.setdefault(row.asn, []).extend(_row_addresses(row))
    out = []
    for asn, addrs in sorted(by_asn.items()):
        network = facts.network(asn)
        name = f" ({network.name})" if network else ""
        out.append(Drift(asn, NOT_A_MEMBER,
                         f"AS{asn}{name} is registered at this exchange in PeeringDB (ix {ix_id}: "
                         f"{', '.join(addrs) or 'no address'}) but is not in the inventory", "warning"))
    return out


# --- AS-SETs --------------------------------------------------------------------------------------
def _as_set_drift(member: Member, irr_as_set: str) -> list[Drift]:
    names, bad = split_irr_as_set(irr_as_set)
    who = f"AS{member.asn} ({member.name})"
    if member.as_set_from_peeringdb:
        if names:
            return []
        detail = f"'{irr_as_set}' cannot be parsed" if irr_as_set.strip() else "it is empty"
        return [Drift(member.asn, AS_SET_UNUSABLE,
                      f"{who}: as_set is from_peeringdb but PeeringDB's irr_as_set {detail}; "
                      "set as_set in the inventory or ask the member to fix PeeringDB", "warning")]
    pinned = list(member.as_sets) if isinstance(member.as_sets, list) else []
    if set(pinned) == set(names) and not bad:
        return []
    shown = " ".join(names + bad) or "nothing"
    ours = " ".join(pinned) or f"none (AS{member.asn} is used)"
    return [Drift(member.asn, AS_SET_DIFFERS,
                  f"{who}: inventory AS-SET {ours}, PeeringDB irr_as_set lists {shown}", "info")]
