"""The decisions every importer takes the same way, member by member.

An importer hands over what the source says about one member router; :class:`Assembler` keeps
what the inventory can hold and notes the rest: the same ASN twice (one member, several
connections), an address outside the peering LAN or already taken (dropped, with the file and line),
bad or repeated MACs, special-purpose ASNs (not importable: they could not peer), the IXP's own
route-server ASN listed as a client (it is the route servers, not a member).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from ..inventory.asn import special_asn_reason
from ..inventory.models import MAC_RE
from .model import Imported
from .text import NAME_MAX, clean_as_sets, clean_text


@dataclass
class Where:
    file: str
    line: int | None = None
    field: str | None = None

    def kw(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field}


@dataclass
class Router:
    """One member router on the peering LAN, as the source describes it."""

    ipv4: str | None = None
    ipv6: str | None = None
    macs: list[str] = field(default_factory=list)
    speed: int | None = None
    route_server: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # importer-specific keys, e.g. {"md5": ...}


@dataclass
class Lan:
    name: str
    vlan: int | None  # None: not known (written without vlan:)
    ipv4: IPv4Network | None
    ipv6: IPv6Network | None
    # per-family VLANs: the LAN that carries this one's IPv6 (ipv6 above is its prefix, for the checks)
    ipv6_half: Lan | None = None

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.vlan is not None:
            out["vlan"] = self.vlan
        if self.ipv4 is not None:
            out["ipv4"] = str(self.ipv4)
        if self.ipv6_half is not None:
            out["ipv6_lan"] = self.ipv6_half.name
        elif self.ipv6 is not None:
            out["ipv6"] = str(self.ipv6)
        return out

    def all_yaml(self) -> list[dict[str, Any]]:
        """``ixp.lans``: this LAN, and the LAN carrying its IPv6 when that is another VLAN."""
        return [self.to_yaml(), *([self.ipv6_half.to_yaml()] if self.ipv6_half is not None else [])]


class Assembler:
    """Collects members for ``imported``; call :meth:`member` per source entry, then :meth:`finish`."""

    def __init__(self, imported: Imported, lan: Lan, rs_asn: int, *, rs_addresses: set[str] | None = None,
                 fictional: bool = False):
        self.imported, self.lan, self.rs_asn, self.fictional = imported, lan, rs_asn, fictional
        self.members: dict[int, dict[str, Any]] = {}
        self.addresses: dict[str, str] = {a: "a route server" for a in (rs_addresses or set())}
        self.macs: dict[str, str] = {}
        self.counts: dict[str, list[str]] = {"bare": [], "route_sets": [], "own": [], "families": [], "again": []}

    def _note(self, message: str, where: Where, fix: str | None = None, severity: str = "warning") -> None:
        self.imported.note(message, fix=fix, severity=severity, **where.kw())

    def member(self, asn: int, name: object, where: Where, *, as_sets: object = None,
               max_prefix: dict[str, int] | None = None, routers: list[Router],
               extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Add (or merge) one member; None when it cannot be imported (the reason is noted)."""
        label = f"AS{asn}"
        if asn == self.rs_asn:
            self._note(f"{label} is the route servers' own ASN: not imported as a member", where,
                       "the route servers are described under route_servers:")
            return None
        why = special_asn_reason(asn)
        if why and why.startswith("private"):
            # real exports hold one: a monitoring company's collector. Kept as a disabled monitor
            # (receives routes, none accepted) until the operator confirms it.
            self._note(f"{label} is a {why}: imported as a disabled monitor (type: monitor, status: disabled)",
                       where, "confirm it is a route collector/monitor and set status: active, or remove it")
            extra = {**(extra or {}), "status": "disabled", "type": "monitor",
                     "reason": f"private ASN in {self.imported.source} import: confirm it is a monitor/collector"}
        elif why and not (self.fictional and why.startswith("documentation")):
            self._note(f"{label} is a {why}: not imported (it cannot peer with the route servers)", where,
                       "ask the member for its public ASN and add it by hand")
            return None
        cleaned = clean_text(name, limit=NAME_MAX, fallback=label)
        if cleaned.changes:
            self._note(f"{label}: name {str(name)!r} → {cleaned.value!r}: " + "; ".join(cleaned.changes), where,
                       severity="info" if cleaned.changes == ("extra spaces removed",) else "warning")
        sets = clean_as_sets(as_sets, asn)
        if sets.dropped:
            self._note(f"{label}: {', '.join(repr(t) for t in sets.dropped)} is no AS-SET, aut-num or "
                       "route-set name: left out", where, "put the member's real AS-SET under as_set:")
        if sets.own_asn:
            self.counts["own"].append(label)
        self.counts["bare"] += [label] * bool(sets.bare)
        self.counts["route_sets"] += [label] * bool(sets.route_sets)
        connections = [c for r in routers if (c := self._connection(r, label, where)) is not None]
        if not connections:
            self._note(f"{label}: no usable address on the peering LAN: not imported", where,
                       "add the member by hand once it has an address on the LAN")
            return None
        entry = self.members.get(asn)
        if entry is not None:  # the same ASN again: another router of that member
            self.counts["again"].append(label)
            entry["connections"] += connections
            for s in sets.names:
                if s not in entry.setdefault("as_set", []):
                    entry["as_set"].append(s)
            return entry
        entry = {"asn": asn, "name": cleaned.value}
        if sets.names:
            entry["as_set"] = list(sets.names)
        limits = {k: v for k, v in (max_prefix or {}).items() if isinstance(v, int) and 0 < v <= 4294967295}
        if limits:
            entry["max_prefix"] = limits
        entry.update(extra or {})
        entry["connections"] = connections
        self.members[asn] = entry
        return entry

    def _connection(self, router: Router, label: str, where: Where) -> dict[str, Any] | None:
        conn: dict[str, Any] = {}
        for fam, raw in (("ipv4", router.ipv4), ("ipv6", router.ipv6)):
            if raw is None or raw == "":
                continue
            net = getattr(self.lan, fam)
            try:
                addr = ip_address(str(raw).strip().split("/")[0])
            except ValueError:
                self._note(f"{label}: {raw!r} is not an IP address: left out", where)
                continue
            if (fam == "ipv4") != (addr.version == 4):
                self._note(f"{label}: {addr} given as {fam}: left out", where)
                continue
            if net is None or addr not in net or addr == net.network_address or \
                    (addr.version == 4 and addr == net.broadcast_address):
                self._note(f"{label}: {addr} is not a host address of the peering LAN "
                           f"{net or '(no ' + fam + ' prefix)'}: left out", where)
                continue
            key = str(addr)
            if key in self.addresses:
                self._note(f"{label}: {addr} is already used by {self.addresses[key]}: left out", where,
                           "ask which of the two really holds the address")
                continue
            self.addresses[key] = label
            conn[fam] = key
        if not conn:
            return None
        if router.speed and router.speed >= 10:
            conn["speed"] = router.speed
        macs = []
        for mac in router.macs:
            text = str(mac).strip().lower()
            if not MAC_RE.match(text):
                self._note(f"{label}: {mac!r} is not a MAC address: left out", where)
                continue
            hexdigits = "".join(ch for ch in text if ch in "0123456789abcdef")
            norm = ":".join(hexdigits[i:i + 2] for i in range(0, 12, 2))
            if int(norm[:2], 16) & 1:
                self._note(f"{label}: MAC {norm} is a multicast address: left out", where)
            elif norm in self.macs and self.macs[norm] != label:
                self._note(f"{label}: MAC {norm} is already registered for {self.macs[norm]}: left out", where)
            elif norm not in macs:
                self.macs[norm] = label
                macs.append(norm)
        if macs:
            conn["macs"] = macs
        if not router.route_server:
            conn["route_server"] = False
        conn.update(router.extra)
        return conn

    def finish(self) -> list[dict[str, Any]]:
        """The members in ASN order, and one summary note per kind of harmless decision."""
        file = self.imported.origin
        summaries = {
            "bare": "AS-SET names without an IRR source (e.g. AS-FOO): kept as they are; bgpq4 looks them "
                    "up in the inventory's sources.irr.sources, in order",
            "route_sets": "route-set names (RS-...) as AS-SETs: kept; bgpq4 expands them to their prefixes",
            "own": "the member's own ASN given as its AS-SET: left out (the route servers use the member's "
                   "ASN when it has no AS-SET)",
            "families": "different AS-SETs for IPv4 and IPv6: as_set (IPv4) and as_set_ipv6, each used on its "
                        "family's sessions",
            "again": "entries listed more than once (one per router): merged into one member each",
        }
        for kind, labels in self.counts.items():
            if labels:
                shown = ", ".join(labels[:8]) + (" …" if len(labels) > 8 else "")
                self.imported.note(f"{len(labels)} member(s) with {summaries[kind]}: {shown}", file=file,
                                   severity="info")
        return [self.members[a] for a in sorted(self.members)]
