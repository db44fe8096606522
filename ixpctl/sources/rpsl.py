"""IRR data from an RPSL dump (an IRRd or RIR database export), expanded locally the way bgpq4
expands it against IRRd, for sites that fetch their IRR data elsewhere (``ixpctl sources import``).

Objects read: ``route``, ``route6`` (prefix + ``origin``), ``as-set`` and ``route-set``
(``members``/``mp-members``, ``mbrs-by-ref``), ``aut-num`` (``member-of``, ``mnt-by``); every other
class is skipped. A dump may hold several sources (each object's ``source:``).

The semantics follow bgpq4 1.9 on IRRd 4.5 (see ``sources/irr.py``), on the same ``-S`` source
list (:func:`ixpctl.sources.irr.sources_for`):

* ``SOURCE::NAME``: the set is looked up in SOURCE only; its nested sets in the ``-S`` sources in
  order (the first that has the name); its members' routes in every ``-S`` source;
* ``NAME``: the set is the first ``-S`` source's that has it, and so are its nested sets;
* ``AS<n>``: that ASN's routes;
* ``mbrs-by-ref``: an aut-num or set saying ``member-of: SET`` is a member when one of its
  ``mnt-by`` is listed (or the set says ``ANY``); loops and missing sets end a branch quietly;
* the ASNs bgpq4 calls invalid (AS0, AS_TRANS, documentation, private: ``BGPQ4_DROPPED``) are left out of the origin list unless
  ``allow_special_asns`` (bgpq4 without ``-p``), and, as bgpq4 does for ``SOURCE::`` queries
  (per-ASN route lookups), of their prefix lists too;
* prefixes longer than the family's max length are left out (``-m``); each is an exact entry;
  lists are sorted by address then length (bgpq4's output order) and without duplicates.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from .facts import PrefixRange

_ATTR = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")
_ASN = re.compile(r"^AS(\d+)$")
CLASSES = {"route", "route6", "as-set", "route-set", "aut-num"}
# What bgpq4 1.9 drops without -p ("Invalid AS number"): AS0, AS_TRANS, documentation, private and
# the last ASNs of each width. The IANA-reserved 65552-131071 it keeps, so this list is its own.
BGPQ4_DROPPED = ((0, 0), (23456, 23456), (64496, 65551), (4200000000, 4294967295))


def bgpq4_drops(asn: int) -> bool:
    return any(low <= asn <= high for low, high in BGPQ4_DROPPED)


@dataclass
class RpslObject:
    cls: str
    key: str
    source: str
    attrs: dict[str, list[str]]
    file: str
    line: int


@dataclass
class RpslDb:
    """The objects of one or more dumps, indexed for expansion."""

    sets: dict[tuple[str, str], RpslObject] = field(default_factory=dict)  # (SOURCE, NAME)
    routes: dict[tuple[int, int], list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    member_of: dict[str, list[RpslObject]] = field(default_factory=lambda: defaultdict(list))  # set name → objects
    files: list[str] = field(default_factory=list)
    objects: int = 0

    def find_set(self, name: str, sources: list[str]) -> RpslObject | None:
        return next((self.sets[(s, name)] for s in sources if (s, name) in self.sets), None)


def _tokens(values: list[str]) -> list[str]:
    return [t for v in values for t in re.split(r"[\s,]+", v.split("#", 1)[0].strip()) if t]


def parse_rpsl(text: str, file: str, db: RpslDb | None = None) -> RpslDb:
    """Add the objects of one RPSL text to ``db``; SourceError (file:line) on an object without
    ``source:`` or with a malformed prefix or origin."""
    db = db or RpslDb()
    db.files.append(file)
    attrs: dict[str, list[str]] = defaultdict(list)
    first: tuple[str, str] | None = None
    start = 0
    last_key: str | None = None

    def flush() -> None:
        nonlocal attrs, first, last_key
        if first is not None and first[0] in CLASSES:
            _add(db, first, dict(attrs), file, start)
        attrs, first, last_key = defaultdict(list), None, None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip():
            flush()
            continue
        if line.startswith(("%", "#")) and first is None:
            continue
        if line[:1] in (" ", "\t", "+") and first is not None:  # continuation of the last attribute
            if last_key is not None:
                attrs[last_key][-1] += " " + line[1:].strip()
            continue
        match = _ATTR.match(line)
        if match is None:
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if first is None:
            first, start = (key, value), number
        attrs[key].append(value)
        last_key = key
    flush()
    return db


def _add(db: RpslDb, first: tuple[str, str], attrs: dict[str, list[str]], file: str, line: int) -> None:
    cls, key = first
    sources = attrs.get("source") or []
    if not sources:
        raise SourceError(f"{file}:{line}: {cls} {key} has no source: attribute",
                          fix="give a dump with a source: line in every object (an IRRd/RIR export has them)")
    obj = RpslObject(cls, key.split("#", 1)[0].strip().upper(), sources[0].split("#", 1)[0].strip().upper(),
                     attrs, file, line)
    db.objects += 1
    if cls in ("route", "route6"):
        origin = (attrs.get("origin") or [""])[0].split("#", 1)[0].strip().upper()
        asn = _ASN.match(origin)
        try:
            net = ipaddress.ip_network(obj.key, strict=True)
        except ValueError:
            raise SourceError(f"{file}:{line}: {cls} {key} is not a prefix",
                              fix="fix or remove the object in the dump") from None
        if asn is None or (net.version == 4) != (cls == "route"):
            raise SourceError(f"{file}:{line}: {cls} {key}: origin {origin!r} is not an AS number (or wrong family)",
                              fix="fix or remove the object in the dump")
        db.routes[(int(asn.group(1)), net.version)].append((str(net), obj.source))
    elif cls in ("as-set", "route-set"):
        db.sets[(obj.source, obj.key)] = obj
    if cls in ("aut-num", "as-set", "route-set"):
        for name in _tokens(attrs.get("member-of", [])):
            db.member_of[name.upper()].append(obj)


def load_rpsl(paths: list[Path], db: RpslDb | None = None) -> RpslDb:
    db = db or RpslDb()
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            raise SourceError(f"cannot read RPSL dump {path}: {err.strerror}") from None
        parse_rpsl(text, str(path), db)
    return db


@dataclass
class Expanded:
    asns: list[int]
    prefixes4: list[PrefixRange]
    prefixes6: list[PrefixRange]
    dropped_special: list[int]


def expand(db: RpslDb, query: str, sources: list[str], *, max_length4: int, max_length6: int,
           allow_special_asns: bool) -> Expanded:
    """One canonical query (``SOURCE::NAME``, ``NAME`` or ``AS<n>``) against ``db``."""
    own_source, _, name = query.rpartition("::")
    asns: set[int] = set()
    ranges: dict[int, set[tuple[str, int, int]]] = {4: set(), 6: set()}
    aut = _ASN.match(name)
    if aut:
        asns.add(int(aut.group(1)))
    else:
        top = db.find_set(name, [own_source] if own_source else sources)
        if top is not None:
            _walk(db, top, sources, asns, ranges, seen=set())
    special = sorted(a for a in asns if bgpq4_drops(a))
    origins = sorted(asns) if allow_special_asns else sorted(asns - set(special))
    route_asns = origins if own_source or aut else sorted(asns)
    out: dict[int, list[PrefixRange]] = {}
    for family, limit in ((4, max_length4), (6, max_length6)):
        found = set(ranges[family])
        for asn in route_asns:
            for prefix, source in db.routes.get((asn, family), []):
                if source in sources:
                    length = int(prefix.rsplit("/", 1)[1])
                    found.add((prefix, length, length))
        kept = [r for r in found if r[2] <= limit]
        out[family] = sorted(kept, key=lambda r: (int(ipaddress.ip_network(r[0]).network_address), r[1], r[2]))
    return Expanded(origins, out[4], out[6], special if not allow_special_asns else [])


def _walk(db: RpslDb, obj: RpslObject, sources: list[str], asns: set[int], ranges: dict[int, set],
          seen: set[tuple[str, str]]) -> None:
    if (obj.source, obj.key) in seen:
        return  # a loop
    seen.add((obj.source, obj.key))
    members = _tokens(obj.attrs.get("members", []) + obj.attrs.get("mp-members", []))
    by_ref = [m.upper() for m in _tokens(obj.attrs.get("mbrs-by-ref", []))]
    if by_ref:
        for other in db.member_of.get(obj.key, []):
            maintainers = {m.upper() for m in _tokens(other.attrs.get("mnt-by", []))}
            if (other.source in sources) and ("ANY" in by_ref or maintainers & set(by_ref)):
                members.append(other.key)
    for member in members:
        token = member.upper()
        prefix = _prefix_member(token) if obj.cls == "route-set" else None
        if prefix is not None:
            ranges[prefix[0]].add(prefix[1])
            continue
        asn = _ASN.match(token)
        if asn:
            asns.add(int(asn.group(1)))
            continue
        nested = db.find_set(token, sources)
        if nested is not None:
            _walk(db, nested, sources, asns, ranges, seen)


def _prefix_member(token: str) -> tuple[int, PrefixRange] | None:
    """A route-set member ``192.0.2.0/24``, ``...^+``, ``^-``, ``^n`` or ``^n-m`` as a range."""
    base, _, op = token.partition("^")
    try:
        net = ipaddress.ip_network(base, strict=True)
    except ValueError:
        return None
    bits, length = net.max_prefixlen, net.prefixlen
    low, high = length, length
    if op == "+":
        high = bits
    elif op == "-":
        low, high = length + 1, bits
    elif re.match(r"^\d+$", op):
        low = high = int(op)
    elif re.match(r"^\d+-\d+$", op):
        low, high = (int(x) for x in op.split("-"))
    elif op:
        return None
    if not length <= low <= high <= bits:
        return None
    return net.version, (str(net), low, high)
