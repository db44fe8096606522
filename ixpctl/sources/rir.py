"""The RIR delegated-extended statistics of the IXP's country: which ASNs and address blocks exist there.

Every RIR publishes the same format (AFRINIC: ``delegated-afrinic-extended-latest``)::

    2.3|afrinic|20261201|4533|19870101|20261130|+0000          version line
    afrinic|*|asn|*|2200|summary                                summary lines (one per type)
    afrinic|ML|asn|37010|1|20080130|allocated|F36B8A2C          registry|cc|type|start|value|date|status|opaque-id
    afrinic|ML|ipv4|41.73.96.0|8192|20080130|allocated|F36B8A2C
    afrinic|ML|ipv6|2c0f:f0a8::|32|20080130|allocated|F36B8A2C

``value`` is a count of addresses for ipv4 (not always a power of two), a prefix length for ipv6
and a count of ASNs for asn. ``opaque-id`` is the same for every resource of one holder: it is how
the report groups ASNs and blocks into "networks of the country" without any name.

Only ``allocated`` and ``assigned`` rows of the IXP's country are kept (``available`` and
``reserved`` rows carry no country). The result is stored in the facts snapshot as ``rir.json``
with its own manifest entry (provenance, hash): ``snapshot_write`` carries it over when the other
sources are refreshed, and builds never read it (only ``ixpctl report`` does).
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from netaddr import IPNetwork, IPRange

from ..base.ranges import merge, size
from ..errors import Problem, SnapshotInvalid, SourceError
from ..inventory.sources_config import RirSource
from .facts import Provenance
from .snapshot import MANIFEST, data_sha256, file_sha256, iso_utc, read_manifest, utc_now

FILE = "rir.json"
SOURCE = "rir"
KEPT_STATUS = ("allocated", "assigned")
TYPES = ("asn", "ipv4", "ipv6")


@dataclass
class RirRecord:
    """One row of the file, kept as written (``start``/``value`` as the RIR gives them)."""

    type: str  # asn / ipv4 / ipv6
    start: str
    value: int
    date: str
    status: str
    holder: str  # the opaque-id; "" when the file has none (non-extended files)
    registry: str = ""

    def asns(self) -> range:
        first = int(self.start)
        return range(first, first + self.value)

    def range(self) -> tuple[int, int]:
        """The (first, last) addresses of an ipv4 or ipv6 row, as integers."""
        if self.type == "ipv6":
            net = IPNetwork(f"{self.start}/{self.value}")
            return net.first, net.last
        first = IPNetwork(f"{self.start}/32").first
        return first, first + self.value - 1

    def blocks(self) -> list[IPNetwork]:
        """The CIDR blocks of an ipv4 range (``value`` addresses) or the one ipv6 prefix."""
        if self.type == "ipv6":
            return [IPNetwork(f"{self.start}/{self.value}")]
        first = IPNetwork(f"{self.start}/32").first
        return list(IPRange(first, first + self.value - 1).cidrs())


@dataclass
class CountryStats:
    country: str
    registry: str  # the registry of the file's version line (afrinic)
    serial: str = ""  # the file's own date (version line)
    records: list[RirRecord] = field(default_factory=list)
    # PeeringDB's view of the country, from the local PeeringDB cache at refresh time (may be empty):
    # {"facilities": [{id, name, city}], "networks": [{asn, name, org_country, facilities: [id]}]}
    peeringdb: dict[str, Any] = field(default_factory=dict)

    def of_type(self, kind: str) -> list[RirRecord]:
        return [r for r in self.records if r.type == kind]

    def asns(self) -> set[int]:
        return {a for r in self.of_type("asn") for a in r.asns()}

    def ranges(self, family: int) -> list[tuple[int, int]]:
        """The country's addresses of one family as merged integer ranges (``base/ranges.py``)."""
        return merge(r.range() for r in self.of_type(f"ipv{family}"))

    def counts(self) -> dict[str, int]:
        return {"asn": len(self.asns()), "ipv4": size(self.ranges(4)), "ipv6_blocks": len(self.of_type("ipv6"))}

    def to_json(self) -> dict[str, Any]:
        return {"country": self.country, "registry": self.registry, "serial": self.serial,
                "peeringdb": self.peeringdb, "records": [asdict(r) for r in self.records]}


# --- parsing -------------------------------------------------------------------------------------


def _bad(path: str, line: int, why: str, field_name: str = "") -> Problem:
    return Problem(why, path, line, field_name or None,
                   "use the RIR's delegated-extended file as published (registry|cc|type|start|value|date|status|opaque-id)")


def parse(text: str, country: str, *, path: str = "<rir stats>") -> CountryStats:
    """The ``country`` rows of a delegated(-extended) file; SnapshotInvalid naming the line of a bad row.

    Comment lines (``#``), the version line and the summary lines (``...|*|type|*|count|summary``)
    are skipped; any other row must have at least 7 fields with a valid start and value.
    """
    country = country.upper()
    stats = CountryStats(country, "")
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split("|")
        if not stats.registry and fields[0][:1].isdigit() and len(fields) >= 6:  # version line
            stats.registry, stats.serial = fields[1], fields[5] if len(fields) > 5 else ""
            continue
        if len(fields) >= 6 and fields[5] == "summary":
            continue
        if len(fields) < 7:
            problems.append(_bad(path, number, f"expected at least 7 '|'-separated fields, found {len(fields)}"))
            continue
        registry, cc, kind, start, value, date, status = (f.strip() for f in fields[:7])
        if kind not in TYPES:
            problems.append(_bad(path, number, f"unknown type {kind!r} (asn, ipv4 or ipv6)", "type"))
            continue
        if cc.upper() != country or status not in KEPT_STATUS:
            continue
        record = _record(kind, start, value, date, status, fields[7].strip() if len(fields) > 7 else "",
                         registry, path, number, problems)
        if record is not None:
            stats.records.append(record)
        if len(problems) >= 10:
            break
    if problems:
        raise SnapshotInvalid(f"RIR statistics {path} are invalid ({len(problems)} problem(s)):",
                              problems=problems, fix="download the file again (ixpctl sources refresh --rir)")
    return stats


def _record(kind: str, start: str, value: str, date: str, status: str, holder: str, registry: str,
            path: str, number: int, problems: list[Problem]) -> RirRecord | None:
    if not value.isdigit() or int(value) < 1:
        problems.append(_bad(path, number, f"value {value!r} is not a positive number", "value"))
        return None
    record = RirRecord(kind, start, int(value), date, status, holder, registry)
    try:
        if kind == "asn":
            if not start.isdigit() or int(start) + int(value) - 1 > 4294967295:
                raise ValueError("not an ASN range")
        elif kind == "ipv4":
            if ":" in start or IPNetwork(f"{start}/32").first + int(value) - 1 > 2**32 - 1:
                raise ValueError("not an IPv4 range")
        else:
            if ":" not in start or int(value) > 128:
                raise ValueError("not an IPv6 prefix")
        record.range() if kind != "asn" else None
    except (ValueError, TypeError, Exception) as err:  # noqa: BLE001 - netaddr raises its own AddrFormatError
        problems.append(_bad(path, number, f"{kind} {start}|{value} is invalid: {err}", "start"))
        return None
    return record


# --- fetching -------------------------------------------------------------------------------------


def fetch_text(settings: RirSource, repo_root: Path, *, source: str | None = None) -> tuple[str, str]:
    """The file's text and where it came from: ``source`` (a path or an http(s) URL) when given,
    else ``settings.file``, else ``settings.url``. Downloads are bounded by ``settings.max_bytes``."""
    where = source or settings.file or settings.url
    if where.startswith(("http://", "https://")):
        return _download(where, settings), where
    path = Path(where)
    path = path if path.is_absolute() else repo_root / path
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SourceError(f"cannot read RIR statistics {path}: {err.strerror or err}",
                          fix="give the path of a delegated-extended file, or set sources.rir.url") from None
    return raw.decode("utf-8", errors="replace"), str(where)


def _download(url: str, settings: RirSource) -> str:
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "ixpctl (RIR statistics)"})
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            raw = response.read(settings.max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise SourceError(f"cannot download RIR statistics from {url}: {getattr(err, 'reason', err)}",
                          fix="check sources.rir.url, or import a local copy with --rir-from FILE") from None
    if len(raw) > settings.max_bytes:
        raise SourceError(f"RIR statistics from {url} are larger than sources.rir.max_bytes "
                          f"({settings.max_bytes} bytes): refusing them", fix="raise sources.rir.max_bytes")
    return raw.decode("utf-8", errors="replace")


# --- the snapshot part ---------------------------------------------------------------------------


def _dumps(stats: CountryStats) -> str:
    head = {k: v for k, v in stats.to_json().items() if k != "records"}
    rows = [json.dumps(asdict(r), separators=(",", ":")) for r in stats.records]
    body = ",\n".join(rows)
    return (json.dumps(head)[:-1] + ', "records": [\n' + body + "\n]}\n") if rows else \
        json.dumps({**head, "records": []}) + "\n"


def store(stats: CountryStats, snapshot_dir: Path, origin: str, *, now: datetime | None = None,
          peeringdb_origin: str | None = None) -> Provenance:
    """Write ``rir.json`` into an existing snapshot and add its entry to the manifest (atomically:
    the whole directory is rewritten, the other sources' files byte for byte)."""
    from .snapshot_write import replace_files

    directory = Path(snapshot_dir)
    manifest = read_manifest(directory)  # a snapshot must exist: the RIR data sits next to the facts
    text = _dumps(stats)
    raw = text.encode()
    prov = Provenance(SOURCE, origin, iso_utc(now or utc_now()), data_sha256(stats.to_json()),
                      {"country": stats.country, "registry": stats.registry, "serial": stats.serial,
                       "records": len(stats.records),
                       **({"peeringdb": {"origin": peeringdb_origin,
                                         "networks": len(stats.peeringdb.get("networks", [])),
                                         "facilities": len(stats.peeringdb.get("facilities", []))}}
                          if peeringdb_origin else {})})
    manifest["sources"][SOURCE] = {"file": FILE, "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw),
                                   "entries": stats.counts(), "provenance": asdict(prov)}
    replace_files(directory, {FILE: text}, manifest)
    return prov


def load(snapshot_dir: Path, country: str | None = None) -> tuple[CountryStats, Provenance] | None:
    """The RIR part of a snapshot (hash checked), or None when the snapshot has none."""
    directory = Path(snapshot_dir)
    entry = read_manifest(directory)["sources"].get(SOURCE)
    if not entry:
        return None
    path = directory / FILE
    if not path.exists() or file_sha256(path) != entry.get("sha256"):
        raise SourceError(f"snapshot file {path} is missing or does not match its hash in {MANIFEST}",
                          fix="run `ixpctl sources refresh --rir`, or restore the snapshot from git")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stats = CountryStats(data["country"], data.get("registry", ""), data.get("serial", ""),
                             [RirRecord(**r) for r in data["records"]], dict(data.get("peeringdb") or {}))
    except (ValueError, KeyError, TypeError) as err:
        raise SnapshotInvalid(f"snapshot file {path} is invalid: {err}",
                              problems=[Problem(str(err), str(path), None, None)],
                              fix="run `ixpctl sources refresh --rir`") from None
    if country and stats.country != country.upper():
        raise SourceError(f"{path} holds the RIR statistics of {stats.country}, not of {country}",
                          fix="run `ixpctl sources refresh --rir` after changing ixp.country")
    return stats, Provenance(**entry["provenance"])


def refresh(settings: RirSource, country: str | None, snapshot_dir: Path, repo_root: Path, *,
            source: str | None = None, now: datetime | None = None,
            peeringdb: tuple[dict[str, Any], str] | None = None) -> tuple[CountryStats, Provenance]:
    """Fetch (or read) the statistics, keep the country's rows, store them in the snapshot."""
    if not country:
        raise SourceError("the inventory has no ixp.country, so the RIR statistics cannot be filtered",
                          fix="set ixp.country to the ISO 3166 code of the IXP's country (e.g. ML)")
    text, origin = fetch_text(settings, repo_root, source=source)
    stats = parse(text, country, path=origin)
    if not stats.records:
        raise SourceError(f"{origin} lists no allocated or assigned resource for {country}",
                          fix="check that the file is the right RIR's (AFRINIC for African countries)")
    if peeringdb is not None:  # (country data from the PeeringDB cache, where the cache came from)
        stats.peeringdb = peeringdb[0]
    return stats, store(stats, snapshot_dir, origin, now=now, peeringdb_origin=peeringdb[1] if peeringdb else None)
