"""RPKI: validated ROA payloads (VRPs) from a relying-party export, and RFC 6811 origin validation.

Route servers get RPKI data in one of two ways: over RTR from a validator (``protocol rpki`` in
BIRD), or as static ``roa4``/``roa6`` tables rendered from a VRP file. Either way the build and
``policy.evaluate`` need the same VRP set in Python, so that the evaluator's verdicts match BIRD's.

Formats read here (all of them are what validators actually export):

* JSON — rpki-client ``-j``, Routinator ``--format json``/``jsonext``, StayRTR cache files:
  ``{"roas": [{"prefix": "198.51.100.0/24", "maxLength": 24, "asn": "AS64496" | 64496, ...}]}``.
* ASPA records in the same JSON (``"aspas"``): read by ``sources/aspa.py``, kept beside the VRPs.
* CSV — Routinator ``--format csv`` and rpki-client ``-c``: a header ``ASN,IP Prefix,Max Length,
  Trust Anchor[,...]`` then one VRP per row, ASN written ``AS64496`` or ``64496``.

A malformed entry is skipped and counted (validators have shipped broken rows before; one bad row
must not discard a 500 k VRP set), but a file that yields *no* VRP at all is an error: an empty set
would silently turn every route into "not-found", which looks healthy and filters nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import ipaddress
import json
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytricia

from ..errors import SourceError
from .aspa import parse_aspas
from .facts import Aspa, Vrp

RovState = Literal["valid", "invalid", "not-found"]

MAX_REJECT_EXAMPLES = 5
_ASN_TEXT = re.compile(r"^\s*(?:AS)?(\d{1,10})\s*$", re.IGNORECASE)
_MAX_ASN = 4294967295


class MalformedVrp(ValueError):
    """One VRP entry is unusable; it is skipped and counted, the rest of the file is kept."""


# --- loading -------------------------------------------------------------------------------------


@dataclass
class VrpLoad:
    """The result of reading one VRP export: the good VRPs and an account of what was thrown away."""

    path: str
    format: str  # "json" | "csv"
    vrps: list[Vrp]  # deduplicated, sorted (IPv4 first, then by address, length, maxLength, ASN)
    rejected: int = 0
    reject_examples: list[str] = field(default_factory=list)  # the first few, "where: why"
    duplicates: int = 0
    aspas: list[Aspa] = field(default_factory=list)  # ASPA records of a JSON export (sources/aspa.py)

    @property
    def counts(self) -> dict[str, int]:
        v4 = sum(1 for p, _, _ in self.vrps if ":" not in p)
        counts = {"vrps": len(self.vrps), "ipv4": v4, "ipv6": len(self.vrps) - v4,
                  "rejected": self.rejected, "duplicates": self.duplicates}
        return {**counts, "aspas": len(self.aspas)} if self.aspas else counts

    def warnings(self) -> list[str]:
        """Loud, human-readable notes about skipped entries (empty when the file was clean)."""
        if not self.rejected:
            return []
        shown = "; ".join(self.reject_examples)
        noun = "entry" if self.rejected == 1 else "entries"
        message = (f"RPKI: {self.rejected} malformed VRP {noun} skipped in {self.path} (first: {shown}); "
                   "ask the validator's operator to check its export")
        return [message]


class _Collector:
    """Validates raw (prefix, maxLength, asn) triples, counts rejects and deduplicates."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, int, int, int, int], str] = {}
        self.rejected = 0
        self.examples: list[str] = []
        self.duplicates = 0

    def reject(self, where: str, why: str) -> None:
        self.rejected += 1
        if len(self.examples) < MAX_REJECT_EXAMPLES:
            self.examples.append(f"{where}: {why}")

    def add(self, where: str, prefix: Any, max_length: Any, asn: Any) -> None:
        try:
            version, number, length, text = _parse_prefix(prefix)
            maxlen = _parse_max_length(max_length, text, length, 32 if version == 4 else 128)
            origin = _parse_asn(asn)
        except MalformedVrp as err:
            self.reject(where, str(err))
            return
        key = (version, number, length, maxlen, origin)
        if key in self.seen:
            self.duplicates += 1
        else:
            self.seen[key] = text

    def result(self, path: str, fmt: str) -> VrpLoad:
        vrps = [(self.seen[k], k[3], k[4]) for k in sorted(self.seen)]
        return VrpLoad(path=path, format=fmt, vrps=vrps, rejected=self.rejected,
                       reject_examples=self.examples, duplicates=self.duplicates)


def _parse_prefix(value: Any) -> tuple[int, int, int, str]:
    """(IP version, network as int, length, canonical text); ValueError says what is wrong.

    IPv4 takes a fast path through inet_pton (two thirds of the load time of a full VRP set went
    into ``ipaddress`` otherwise); IPv6 uses ``ipaddress`` for its RFC 5952 canonical text.
    """
    if not isinstance(value, str) or "/" not in value:
        raise MalformedVrp(f"prefix {value!r} is not an address/length")
    addr, _, length_text = value.strip().partition("/")
    if not (length_text.isascii() and length_text.isdigit()):
        raise MalformedVrp(f"prefix {value!r} has no valid length")
    length = int(length_text)
    if ":" not in addr:
        try:
            number = int.from_bytes(socket.inet_pton(socket.AF_INET, addr), "big")
        except (OSError, ValueError):  # ValueError: an embedded NUL
            raise MalformedVrp(f"prefix {value!r} is not a valid IP prefix") from None
        if length > 32:
            raise MalformedVrp(f"prefix {value!r} is longer than 32 bits")
        if number & ((1 << (32 - length)) - 1):
            raise MalformedVrp(f"prefix {value!r} has host bits set")
        return 4, number, length, f"{addr}/{length}"
    try:
        net = ipaddress.IPv6Network(value.strip(), strict=True)
    except ValueError as err:
        if "host bits set" in str(err):
            raise MalformedVrp(f"prefix {value!r} has host bits set") from None
        raise MalformedVrp(f"prefix {value!r} is not a valid IP prefix") from None
    return 6, int(net.network_address), net.prefixlen, str(net)


def _parse_max_length(value: Any, prefix: str, length: int, bits: int) -> int:
    if value is None or value == "":
        return length  # RFC 6482: an absent maxLength means the prefix length
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise MalformedVrp(f"maxLength {value!r} is not a number")
    try:
        maxlen = int(value)
    except ValueError:
        raise MalformedVrp(f"maxLength {value!r} is not a number") from None
    if maxlen < length:
        raise MalformedVrp(f"maxLength {maxlen} is shorter than the prefix length of {prefix}")
    if maxlen > bits:
        raise MalformedVrp(f"maxLength {maxlen} is longer than {bits} for {prefix}")
    return maxlen


def _parse_asn(value: Any) -> int:
    if isinstance(value, bool):
        raise MalformedVrp(f"ASN {value!r} is not an AS number")
    if isinstance(value, int):
        asn = value
    elif isinstance(value, str) and (m := _ASN_TEXT.match(value)):
        asn = int(m.group(1))
    else:
        raise MalformedVrp(f"ASN {value!r} is not an AS number (expected 64496 or AS64496)")
    if not 0 <= asn <= _MAX_ASN:
        raise MalformedVrp(f"ASN {value!r} is outside 0..{_MAX_ASN}")
    return asn


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SourceError(f"cannot read the VRP file {path}: {err.strerror or err}",
                          fix="check rpki.vrp_file in the inventory's sources section") from None
    if raw[:2] == b"\x1f\x8b":  # validators often publish vrps.json.gz
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise SourceError(f"{path} looks gzip-compressed but cannot be decompressed: {err}",
                              fix="download the file again") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{path} is not a text file, so not a VRP export (JSON or CSV)",
                          fix="point rpki.vrp_file at rpki-client/Routinator/StayRTR JSON or CSV output") from None


def parse_vrps(text: str, *, origin: str = "<text>") -> VrpLoad:
    """Parse VRP JSON or CSV text (format detected from the content, not the file name)."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _parse_json(text, origin)
    return _parse_csv(text, origin)


def load_vrps(path: Path) -> VrpLoad:
    """Read a VRP export (JSON or CSV, optionally gzip-compressed) and refuse an empty one.

    Raises SourceError when the file cannot be read, is neither VRP JSON nor VRP CSV, or holds no
    usable VRP: an empty set must never reach a route server as "everything is not-found".
    """
    path = Path(path)
    load = parse_vrps(_read_text(path), origin=str(path))
    if not load.vrps:
        detail = f" ({load.rejected} malformed entries, first: {'; '.join(load.reject_examples)})" \
            if load.rejected else ""
        raise SourceError(f"{path} contains no usable VRP{detail}",
                          fix="an empty VRP set would make every route RPKI not-found; check that the "
                              "validator finished its run and exported its ROAs, then refresh again")
    return load


def _parse_json(text: str, origin: str) -> VrpLoad:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SourceError(f"{origin} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})",
                          fix="export the VRPs again (rpki-client -j, routinator vrps --format json)") from None
    roas = data.get("roas") if isinstance(data, dict) else None
    if not isinstance(roas, list):
        raise SourceError(f"{origin} is JSON but has no \"roas\" list, so it is not a VRP export",
                          fix="use rpki-client/Routinator/StayRTR JSON: {\"roas\": [{\"prefix\", "
                              "\"maxLength\", \"asn\"}]}")
    col = _Collector()
    for i, roa in enumerate(roas):
        where = f"roas[{i}]"
        if not isinstance(roa, dict):
            col.reject(where, f"entry is {type(roa).__name__}, not an object")
            continue
        col.add(where, roa.get("prefix"), roa.get("maxLength", roa.get("max_length")), roa.get("asn"))
    aspas = parse_aspas(data, col.reject)
    load = col.result(origin, "json")
    load.aspas = aspas
    return load


_CSV_COLUMNS = {
    "asn": ("asn",),
    "prefix": ("ip prefix", "prefix"),
    "maxlen": ("max length", "maxlength", "max_length"),
}


def _csv_layout(header: list[str], origin: str) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    layout: dict[str, int] = {}
    for key, options in _CSV_COLUMNS.items():
        for option in options:
            if option in names:
                layout[key] = names.index(option)
                break
    if len(layout) != len(_CSV_COLUMNS):
        shown = ",".join(header)[:80]
        raise SourceError(f"{origin} is neither VRP JSON nor VRP CSV (first line: {shown!r})",
                          fix="use rpki-client/Routinator/StayRTR JSON, or CSV with the header "
                              "'ASN,IP Prefix,Max Length,Trust Anchor'")
    return layout


def _parse_csv(text: str, origin: str) -> VrpLoad:
    rows: Iterator[list[str]] = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        raise SourceError(f"{origin} is empty", fix="export the VRPs again")
    layout = _csv_layout(header, origin)
    need = max(layout.values()) + 1
    col = _Collector()
    for lineno, row in enumerate(rows, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        where = f"line {lineno}"
        if len(row) < need:
            col.reject(where, f"{len(row)} columns, expected at least {need}")
            continue
        col.add(where, row[layout["prefix"]].strip(), row[layout["maxlen"]].strip(), row[layout["asn"]])
    return col.result(origin, "csv")


# --- RFC 6811 origin validation ------------------------------------------------------------------


class RovTable:
    """Route origin validation exactly as RFC 6811 section 2, for IPv4 and IPv6.

    A VRP *covers* a route when the VRP prefix contains the route prefix (VRP length <= route
    length). The route is ``valid`` when some covering VRP has the route's origin ASN and a
    maxLength >= the route length (a VRP for AS0 never matches, RFC 6483), ``invalid`` when VRPs
    cover it but none matches, ``not-found`` when none covers it.

    Why this shape: each stored prefix keeps ``{asn: largest maxLength}`` (only the largest
    maxLength per ASN can decide), and a tuple of that dict plus the dicts of every shorter stored
    prefix containing it. A lookup is then one longest-prefix match in C (pytricia) and a walk over
    a handful of dicts — 1 M routes validate in seconds.
    """

    def __init__(self, vrps: Iterable[Vrp]) -> None:
        self._v4 = pytricia.PyTricia(32)
        self._v6 = pytricia.PyTricia(128)
        for prefix, maxlen, asn in vrps:
            tree = self._v6 if ":" in prefix else self._v4
            entry = tree.get(prefix) if tree.has_key(prefix) else None  # exact match only
            if entry is None:
                entry = tree[prefix] = {}
            if asn != 0 and entry.get(asn, -1) < maxlen:  # AS0: covers, never matches
                entry[asn] = maxlen
        self.size = len(self._v4) + len(self._v6)
        self._chain_up(self._v4)
        self._chain_up(self._v6)
        self._v4.freeze()
        self._v6.freeze()

    @staticmethod
    def _chain_up(tree: pytricia.PyTricia) -> None:
        """Replace each node's dict by (own dict, parent's dict, grandparent's dict, ...)."""
        keys = sorted(tree.keys(), key=lambda k: int(k.rpartition("/")[2]))
        for key in keys:  # shorter prefixes first: a parent's chain is always ready
            parent = tree.parent(key)
            chain = (tree[key],) + (tree[parent] if parent is not None else ())
            tree[key] = chain

    def validate(self, prefix: str, origin_asn: int) -> RovState:
        """The RFC 6811 state of a route; ``prefix`` is "198.51.100.0/24" or "2001:db8::/32"."""
        tree = self._v6 if ":" in prefix else self._v4
        chain = tree.get(prefix)
        if chain is None:
            return "not-found"
        _, slash, length_text = prefix.rpartition("/")
        length = int(length_text) if slash else (128 if tree is self._v6 else 32)
        for entry in chain:
            maxlen = entry.get(origin_asn)
            if maxlen is not None and length <= maxlen:
                return "valid"
        return "invalid"

    def __len__(self) -> int:
        return self.size


# --- BIRD static ROA tables ----------------------------------------------------------------------


def roa_table_entries(vrps: Iterable[Vrp]) -> tuple[list[str], list[str]]:
    """BIRD 2 ``route P max M as A;`` lines for a static protocol filling a roa4 and a roa6 table."""
    v4: list[str] = []
    v6: list[str] = []
    for prefix, maxlen, asn in vrps:
        (v6 if ":" in prefix else v4).append(f"route {prefix} max {maxlen} as {asn};")
    return v4, v6


def bird_static_roa_config(vrps: Iterable[Vrp], *, table4: str = "r4", table6: str = "r6",
                           router_id: str | None = "192.0.2.254") -> str:
    """A complete minimal BIRD 2 config declaring two ROA tables filled by static protocols.

    Meant for tests and for checking a VRP file with ``bird -p``; the route-server template embeds
    :func:`roa_table_entries` itself.
    """
    v4, v6 = roa_table_entries(vrps)
    lines = ["# generated by ixpctl: static ROA tables"]
    if router_id:
        lines.append(f"router id {router_id};")
    lines += [f"roa4 table {table4};", f"roa6 table {table6};", ""]
    for proto, family, table, routes in (("roa4_static", "roa4", table4, v4),
                                         ("roa6_static", "roa6", table6, v6)):
        lines.append(f"protocol static {proto} {{")
        lines.append(f"  {family} {{ table {table}; }};")
        lines += [f"  {r}" for r in routes]
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


def write_bird_static_roa_config(vrps: Iterable[Vrp], path: Path, **kwargs: Any) -> Path:
    """Write :func:`bird_static_roa_config` to ``path`` and return it."""
    path = Path(path)
    path.write_text(bird_static_roa_config(vrps, **kwargs), encoding="utf-8")
    return path
