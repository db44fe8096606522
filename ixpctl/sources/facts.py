"""Facts: what the outside world (PeeringDB, IRR, RPKI) says about the members.

This is the contract between ``ixpctl.sources`` (which fetch and snapshot facts) and the pure core
(policy compilation, rendering, evaluation). Plain dataclasses with JSON round-trip: a full VRP set is
~500 k entries, so VRPs and prefixes are tuples rather than validated models.

The annotations say what a snapshot may hold (strict types, 32-bit bounds): reading a snapshot
checks its files against them with pydantic (``sources/snapshot_schema.py``); the dataclasses
themselves never validate, so building Facts in code costs nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from pydantic import ConfigDict, Field, Strict, StrictBool, StrictStr

MAX_U32 = 4294967295
U32 = Annotated[int, Strict(), Field(ge=0, le=MAX_U32)]  # ASNs (AS0 included), BIRD's 32-bit numbers
Count = Annotated[int, Strict(), Field(ge=0)]
_SNAPSHOT = ConfigDict(extra="forbid")  # an unknown key in a snapshot file is an error, not ignored

# (network "198.51.100.0/24", min length, max length) — a bgpq4 entry "198.51.100.0/24 le 25"
# is ("198.51.100.0/24", 24, 25); an exact prefix has min == max == its own length.
PrefixRange = tuple[str, int, int]
# (prefix, maxLength, origin ASN)
Vrp = tuple[str, int, int]
# (customer ASN, its provider ASNs, sorted): one validated ASPA; no providers (or only AS0) means
# the customer has none (draft-ietf-sidrops-aspa-profile)
Aspa = tuple[int, tuple[int, ...]]


@dataclass
class Provenance:
    __pydantic_config__ = _SNAPSHOT

    source: StrictStr  # "peeringdb" | "irr" | "rpki"
    origin: StrictStr  # URL, IRR host list or file the data came from
    fetched_at: StrictStr  # ISO-8601 UTC, e.g. 2026-11-22T10:00:00Z
    sha256: StrictStr  # hash of the canonical JSON of the data, so two builds can prove they used the same
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Contact:
    __pydantic_config__ = _SNAPSHOT

    role: StrictStr
    name: StrictStr = ""
    email: StrictStr = ""
    phone: StrictStr = ""


@dataclass
class PdbNetwork:
    __pydantic_config__ = _SNAPSHOT

    asn: U32
    name: StrictStr
    irr_as_set: StrictStr = ""  # raw PeeringDB field; parse with ixpctl.inventory.irr_names.split_irr_as_set
    info_prefixes4: U32 | None = None  # a max-prefix limit is a 32-bit number in BIRD
    info_prefixes6: U32 | None = None
    never_via_route_servers: StrictBool = False
    policy_general: StrictStr = ""
    website: StrictStr = ""
    contacts: list[Contact] = field(default_factory=list)


@dataclass
class PdbNetIxLan:
    __pydantic_config__ = _SNAPSHOT

    asn: U32
    ixlan_id: Count
    ipaddr4: StrictStr | None = None
    ipaddr6: StrictStr | None = None
    speed: Count = 0  # Mbit/s
    is_rs_peer: StrictBool = False
    operational: StrictBool = True


@dataclass
class IrrExpansion:
    __pydantic_config__ = _SNAPSHOT

    query: StrictStr  # normalised AS-SET ("RIPE::AS-FOO", "AS-FOO") or an aut-num ("AS64496")
    asns: list[U32] = field(default_factory=list)
    # checked and decoded by sources/compact.py (C-speed, 1 M entries), not by pydantic
    prefixes4: list[PrefixRange] = field(default_factory=list)
    prefixes6: list[PrefixRange] = field(default_factory=list)
    warnings: list[StrictStr] = field(default_factory=list)
    truncated: StrictBool = False  # a size limit was hit; the lists are NOT complete

    @property
    def empty(self) -> bool:
        return not self.asns and not self.prefixes4 and not self.prefixes6


@dataclass
class Facts:
    peeringdb: dict[int, PdbNetwork] = field(default_factory=dict)  # by ASN
    netixlan: list[PdbNetIxLan] = field(default_factory=list)  # rows of this IXP's ixlan(s)
    never_via_rs: list[int] = field(default_factory=list)  # every PeeringDB network with that flag
    irr: dict[str, IrrExpansion] = field(default_factory=dict)  # by query
    vrps: list[Vrp] = field(default_factory=list)
    aspas: list[Aspa] = field(default_factory=list)  # from the RPKI source too, sorted by customer
    provenance: dict[str, Provenance] = field(default_factory=dict)  # by source name
    warnings: list[str] = field(default_factory=list)  # e.g. "IRR data is 9 days old (stale)"

    def network(self, asn: int) -> PdbNetwork | None:
        return self.peeringdb.get(asn)

    def netixlan_of(self, asn: int) -> list[PdbNetIxLan]:
        return [row for row in self.netixlan if row.asn == asn]

    # --- JSON ------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "peeringdb": {str(k): asdict(v) for k, v in sorted(self.peeringdb.items())},
            "netixlan": [asdict(r) for r in self.netixlan],
            "never_via_rs": sorted(self.never_via_rs),
            "irr": {k: asdict(v) for k, v in sorted(self.irr.items())},
            "vrps": [list(v) for v in self.vrps],
            **({"aspas": [[c, list(p)] for c, p in self.aspas]} if self.aspas else {}),
            "provenance": {k: asdict(v) for k, v in sorted(self.provenance.items())},
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        def net(d: dict) -> PdbNetwork:
            d = dict(d)
            d["contacts"] = [Contact(**c) for c in d.get("contacts", [])]
            return PdbNetwork(**d)

        def irr(d: dict) -> IrrExpansion:
            d = dict(d)
            d["prefixes4"] = list(map(tuple, d.get("prefixes4", [])))  # tuple(a tuple) is the same object
            d["prefixes6"] = list(map(tuple, d.get("prefixes6", [])))
            return IrrExpansion(**d)

        def vrps(items: list) -> list[Vrp]:
            if all(type(v) is tuple for v in items):  # already decoded (snapshot format 2)
                return items
            return [(str(p), int(m), int(a)) for p, m, a in items]

        return cls(
            peeringdb={int(k): net(v) for k, v in data.get("peeringdb", {}).items()},
            netixlan=[PdbNetIxLan(**r) for r in data.get("netixlan", [])],
            never_via_rs=[int(a) for a in data.get("never_via_rs", [])],
            irr={k: irr(v) for k, v in data.get("irr", {}).items()},
            vrps=vrps(data.get("vrps", [])),
            aspas=[(int(c), tuple(int(a) for a in p)) for c, p in data.get("aspas", [])],  # absent before ASPA
            provenance={k: Provenance(**v) for k, v in data.get("provenance", {}).items()},
            warnings=list(data.get("warnings", [])),
        )
