"""Every number of the impact report, as pure functions of (inventory, facts, RIR statistics, RS state).

Definitions (the README says the same to readers):

- *country ASNs*: the ASNs the RIR lists as allocated or assigned to the IXP's country;
  *members* are the inventory's active members; a member *sends routes* when at least one of its
  routes is accepted by at least one route server.
- *reachable space*: the country's allocated/assigned addresses covered by at least one accepted
  route, on any route server; overlapping routes (a /22 and a /24 inside it, rs1 and rs2) are
  counted once (merged address ranges, ``base/ranges.py``). Per member: the same with that member's accepted routes only.
- a *route* is (member, prefix), whichever route servers hold it: accepted when one accepts it,
  else filtered with the first reason seen.
- *networks of the country*: the RIR's holders (opaque-id) with their ASNs and blocks; *not at the
  IXP* when none of their ASNs is an active member, largest IPv4 space first, then IPv6.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from netaddr import IPNetwork, IPRange

from ..base.ranges import Range, intersect, merge, size, span
from ..inventory.models import Inventory
from ..policy.chain import CHAIN
from ..sources.facts import Facts
from ..sources.irr import member_queries
from ..sources.rir import CountryStats
from .coverage import IrrIndex, RoaIndex
from .per_rs import Disagreement, RouteServerImpact, disagreements, per_route_server
from .state import RsRoute, RsState

TITLES = {c.name: (c.title, c.title_fr) for c in CHAIN}
# reasons that name no check of the chain: an OpenBGPD route server drops a malformed update or an
# AS_SET before its filters run (RFC 7606), or a filtered route carries no reason community
TITLES["treated_as_withdraw"] = ("treated as withdrawn before the filters (malformed, AS_SET: RFC 7606)",
                                 "traitée comme un retrait avant les filtres (malformée, AS_SET : RFC 7606)")
TITLES["unknown"] = ("reason not recorded", "raison non enregistrée")
NO_CHECK_REASONS = (None, "unknown", "treated_as_withdraw")


def share(part: int, whole: int) -> float | None:
    """part / whole as a fraction, None when there is no whole (no country data)."""
    return part / whole if whole else None


@dataclass
class MemberImpact:
    asn: int
    name: str
    in_country: bool
    sessions_up: int
    sessions: int
    accepted: int
    filtered: int
    filtered_by_reason: dict[str, int]
    irr_covered: int  # accepted routes registered in the member's IRR data
    roa: dict[str, int]  # accepted and filtered routes by ROA state: valid / invalid / not-found
    space4: int  # the country's IPv4 addresses reachable through this member
    space6: int
    share4: float | None
    share6: float | None
    contact_email: bool = False
    contact_phone: bool = False
    invalid_prefixes: list[str] = field(default_factory=list)  # RPKI invalid (accepted or filtered)
    unregistered_prefixes: list[str] = field(default_factory=list)  # not in the member's IRR data

    @property
    def irr_share(self) -> float | None:
        return share(self.irr_covered, self.accepted)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "irr_share": self.irr_share}


@dataclass
class Network:
    """A holder of the country's resources in the RIR file (one opaque-id)."""

    holder: str
    asns: list[int]
    space4: int
    space6: int  # IPv6 addresses (2**(128-len) per block): compare them, show /48s or shares
    blocks: list[str]
    in_peeringdb: list[int] = field(default_factory=list)  # its ASNs with a PeeringDB record in the snapshot
    at_ix_in_peeringdb: list[int] = field(default_factory=list)  # ...registered at this IXP (netixlan)
    names: list[str] = field(default_factory=list)  # PeeringDB names, when known
    facilities: list[str] = field(default_factory=list)  # local facilities (PeeringDB) where it is present

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Impact:
    ixp: str
    country: str | None
    collected_at: str
    members: int  # active members
    members_sending: int
    country_asns: int
    members_in_country: int
    sending_in_country: int
    space4_total: int
    space6_total: int
    space4_reachable: int
    space6_reachable: int
    routes_accepted: int
    routes_filtered: int
    filtered_by_reason: dict[str, int]
    per_member: list[MemberImpact]
    not_at_ixp: list[Network]
    at_ixp: list[Network]
    sources: dict[str, Any] = field(default_factory=dict)  # provenance of the country data and the RS state
    notes: list[str] = field(default_factory=list)
    per_rs: list[RouteServerImpact] = field(default_factory=list)  # each route server's own numbers
    disagreements: list[Disagreement] = field(default_factory=list)  # accepted on one, not on another
    disagreements_total: int = 0

    @property
    def shares(self) -> dict[str, float | None]:
        return {"members_of_country_asns": share(self.members_in_country, self.country_asns),
                "sending_of_country_asns": share(self.sending_in_country, self.country_asns),
                "space4": share(self.space4_reachable, self.space4_total),
                "space6": share(self.space6_reachable, self.space6_total),
                "filtered": share(self.routes_filtered, self.routes_accepted + self.routes_filtered)}

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["per_member"] = [m.to_json() for m in self.per_member]
        data["per_rs"] = [r.to_json() for r in self.per_rs]
        data["disagreements"] = [d.to_json() for d in self.disagreements]
        data["shares"] = self.shares
        return data


def unique_routes(routes: list[RsRoute]) -> dict[tuple[int, str], RsRoute]:
    """(member, prefix) → the route as the report counts it: accepted on any route server wins;
    filtered everywhere, the first route server that says why (OpenBGPD treats a malformed route as
    withdrawn before any filter, without a reason tag, where BIRD names the check)."""
    out: dict[tuple[int, str], RsRoute] = {}
    for route in sorted(routes, key=lambda r: (not r.accepted, r.reason in NO_CHECK_REASONS, r.rs)):
        key = (route.member_asn, route.prefix)  # BIRD prints prefixes in canonical form
        out.setdefault(key, route)
    return out


def _ranges(prefixes: list[str]) -> list[Range]:
    return merge(span(p)[1] for p in prefixes)


def _reach(routes: list[RsRoute], space: dict[int, list[Range]]) -> dict[int, int]:
    """Addresses of ``space`` covered by the accepted ``routes``, per family, overlaps once."""
    return {f: size(intersect(_ranges([r.prefix for r in routes if r.accepted and r.family == f]), space[f]))
            for f in (4, 6)}


def _irr_index(inventory: Inventory, facts: Facts, asn: int) -> IrrIndex:
    member = inventory.member(asn)
    if member is None:
        return IrrIndex([])
    ranges = []
    for query in member_queries(member, facts.peeringdb.get(asn)):
        expansion = facts.irr.get(query)
        if expansion is not None:
            ranges += list(expansion.prefixes4) + list(expansion.prefixes6)
    return IrrIndex(ranges)


def _contacts(inventory: Inventory, facts: Facts, asn: int) -> tuple[bool, bool]:
    member = inventory.member(asn)
    network = facts.peeringdb.get(asn)
    contacts = network.contacts if network else []
    email = bool(member and member.contact) or any(c.email for c in contacts)
    return email, bool(member and member.phone) or any(c.phone for c in contacts)


def _member(inventory: Inventory, facts: Facts, asn: int, routes: list[RsRoute], state: RsState,
            country_asns: set[int], space: dict[int, list[Range]], roa: RoaIndex) -> MemberImpact:
    member = inventory.member(asn)
    accepted = [r for r in routes if r.accepted]
    filtered = [r for r in routes if not r.accepted]
    irr = _irr_index(inventory, facts, asn)
    roa_states: Counter[str] = Counter()
    invalid, unregistered = [], []
    for r in routes:
        status = roa.state(r.prefix, r.origin_asn)
        roa_states[status] += 1
        if status == "invalid":
            invalid.append(r.prefix)
        if not irr.covers(r.prefix):
            unregistered.append(r.prefix)
    reach = _reach(accepted, space)
    totals = {f: size(space[f]) for f in (4, 6)}
    sessions = [s for s in state.sessions if s.member_asn == asn]
    email, phone = _contacts(inventory, facts, asn)
    return MemberImpact(
        asn, member.name if member else f"AS{asn}", asn in country_asns,
        sum(s.established for s in sessions), len(sessions), len(accepted), len(filtered),
        dict(Counter(r.reason or "unknown" for r in filtered).most_common()),
        sum(irr.covers(r.prefix) for r in accepted),
        {k: roa_states.get(k, 0) for k in ("valid", "invalid", "not-found")},
        reach[4], reach[6], share(reach[4], totals[4]), share(reach[6], totals[6]),
        email, phone, sorted(invalid), sorted(unregistered))


def _block_text(first: int, last: int, family: int) -> str:
    """A block as CIDR when it is one (the usual case), else its CIDRs joined with '+'."""
    count = last - first + 1
    if count & (count - 1) == 0 and first % count == 0:
        return str(IPNetwork((first, (32 if family == 4 else 128) - count.bit_length() + 1), version=family))
    return "+".join(str(c) for c in IPRange(first, last).cidrs())


def networks(country: CountryStats | None, facts: Facts, ix_asns: set[int]) -> list[Network]:
    """The country's resource holders, largest IPv4 space first (then IPv6, then presence at local
    facilities), plus the networks PeeringDB shows at a local facility that the RIR file does not
    list in the country (e.g. a foreign content network with a cache in town)."""
    if country is None:
        return []
    by_holder: dict[str, list] = {}
    for record in country.records:
        # rows without an opaque-id (non-extended files) each stand alone
        key = record.holder or f"{record.type}:{record.start}"
        by_holder.setdefault(key, []).append(record)
    at_ix = {row.asn for row in facts.netixlan}
    pdb = {int(n["asn"]): n for n in country.peeringdb.get("networks", [])}
    fac_names = {int(f["id"]): str(f["name"]) for f in country.peeringdb.get("facilities", [])}

    def known(asns: list[int]) -> tuple[list[int], list[str], list[str]]:
        found = [a for a in asns if a in facts.peeringdb or a in pdb]
        names = [facts.peeringdb[a].name if a in facts.peeringdb else str(pdb[a]["name"]) for a in found]
        facs = sorted({fac_names.get(f, f"facility {f}") for a in asns for f in pdb.get(a, {}).get("facilities", [])})
        return found, names, facs

    out = []
    listed: set[int] = set()
    for holder, records in by_holder.items():
        asns = sorted({a for r in records if r.type == "asn" for a in r.asns()})
        listed |= set(asns)
        blocks = {f: merge(r.range() for r in records if r.type == f"ipv{f}") for f in (4, 6)}
        found, names, facs = known(asns)
        out.append(Network(holder, asns, size(blocks[4]), size(blocks[6]),
                           [_block_text(first, last, f) for f in (4, 6) for first, last in blocks[f]],
                           found, [a for a in asns if a in at_ix], names, facs))
    for asn, entry in sorted(pdb.items()):
        if asn not in listed and asn not in ix_asns and entry.get("facilities"):
            found, names, facs = known([asn])
            out.append(Network(f"PeeringDB AS{asn}", [asn], 0, 0, [], found, [asn] if asn in at_ix else [],
                               names, facs))
    out.sort(key=lambda n: (-n.space4, -n.space6, -len(n.facilities), n.asns[0] if n.asns else 0, n.holder))
    return out


def compute(inventory: Inventory, facts: Facts, country: CountryStats | None, state: RsState) -> Impact:
    active = [m for m in inventory.members if m.is_active]
    member_asns = {m.asn for m in active}
    routes = unique_routes([r for r in state.routes if r.member_asn in member_asns])
    space = {f: country.ranges(f) if country else [] for f in (4, 6)}
    country_asns = country.asns() if country else set()
    roa = RoaIndex(facts.vrps)
    by_member: dict[int, list[RsRoute]] = {m.asn: [] for m in active}
    for (asn, _), route in routes.items():
        by_member[asn].append(route)
    per_member = [_member(inventory, facts, asn, rs, state, country_asns, space, roa)
                  for asn, rs in by_member.items()]
    accepted = [r for r in routes.values() if r.accepted]
    filtered = [r for r in routes.values() if not r.accepted]
    sending = {r.member_asn for r in accepted}
    reach = _reach(accepted, space)
    holders = networks(country, facts, member_asns | {inventory.ixp.rs_asn})
    total, differ = disagreements(state, member_asns)
    notes = []
    if country is None:
        notes.append("no RIR statistics in the snapshot: run `ixpctl sources refresh --rir` for the country shares")
    return Impact(
        inventory.ixp.name, inventory.ixp.country, state.collected_at, len(active), len(sending),
        len(country_asns), len(member_asns & country_asns), len(sending & country_asns),
        size(space[4]), size(space[6]), reach[4], reach[6], len(accepted), len(filtered),
        dict(Counter(r.reason or "unknown" for r in filtered).most_common()),
        sorted(per_member, key=lambda m: (-m.space4, -m.accepted, m.asn)),
        [n for n in holders if not set(n.asns) & member_asns],
        [n for n in holders if set(n.asns) & member_asns],
        notes=notes, per_rs=per_route_server(state, member_asns, space), disagreements=differ,
        disagreements_total=total)
