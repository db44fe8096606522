"""Pinned facts on disk: the snapshot a build is a function of.

A snapshot is a directory::

    manifest.json    ixpctl version, creation time, per source: provenance, file hash, size, counts
    peeringdb.json   {"peeringdb": {...networks by ASN...}, "netixlan": [...]}
    irr.json         {"irr": {...expansions by query, prefixes as "192.0.2.0/24" or "192.0.2.0/23^23-24"...}}
    rpki.json        {"vrps": ["192.0.2.0/24-24 AS64496", ...], "aspas": ["AS64496 > AS64500 AS64501", ...]}
                     ("aspas" only when the RPKI source has ASPA records; snapshots before it have none)

(Format 2. Format 1, still read, held prefixes and VRPs as JSON arrays; see ``sources/compact.py``.)

Why a directory of plain JSON: it can be committed next to the inventory, diffed in review (one
entry per line), copied to pin a build, and checked by hash before a build trusts it. It is written
atomically (temp dir + rename, ``sources/snapshot_write.py``) so a crash or a full disk never leaves
half a snapshot that a build could pick up; a file edited or truncated afterwards is caught by its hash.

Failed refreshes fall back to the last good snapshot, loudly (``sources/last_good.py``), and stale
data keeps working with a warning: an IXP must not drop every member's prefixes because PeeringDB
or an IRR mirror was down for an hour.

This module: the format, reading it (every file checked against its hash), staleness and status.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from ..errors import SourceError
from ..inventory.sources_config import SourcesConfig
from .facts import Facts, Provenance
from .snapshot_schema import check_manifest, check_part

SOURCES: tuple[str, ...] = ("peeringdb", "irr", "rpki")
MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: compact prefix/VRP strings (sources/compact.py); 1 is still read
SOURCE_TITLES = {"peeringdb": "PeeringDB", "irr": "IRR", "rpki": "RPKI",
                 "rir": "RIR statistics"}  # rir: a side source, for reports only (sources/rir.py)

Health = Literal["ok", "stale", "missing", "corrupt"]


# --- time and hashing ----------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO-8601 UTC with a Z, to the second: the form Provenance.fetched_at uses."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def human_age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def data_sha256(data: Any) -> str:
    """Hash of the canonical JSON of ``data``: what Provenance.sha256 holds, so two builds can prove
    they used the same facts whatever the file layout."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- splitting Facts into per-source files -------------------------------------------------------


def facts_parts(facts: Facts) -> dict[str, dict[str, Any]]:
    data = facts.to_json()
    return {
        "peeringdb": {"peeringdb": data["peeringdb"], "netixlan": data["netixlan"],
                      "never_via_rs": data["never_via_rs"]},
        "irr": {"irr": data["irr"]},
        "rpki": {"vrps": data["vrps"], **({"aspas": data["aspas"]} if "aspas" in data else {})},
    }


def entry_counts(facts: Facts, source: str) -> dict[str, int]:
    """What a human wants to see per source in `ixpctl sources status`."""
    if source == "peeringdb":
        return {"networks": len(facts.peeringdb), "netixlan": len(facts.netixlan)}
    if source == "irr":
        return {"queries": len(facts.irr),
                "prefixes4": sum(len(e.prefixes4) for e in facts.irr.values()),
                "prefixes6": sum(len(e.prefixes6) for e in facts.irr.values())}
    v4 = sum(1 for p, _, _ in facts.vrps if ":" not in p)
    counts = {"vrps": len(facts.vrps), "ipv4": v4, "ipv6": len(facts.vrps) - v4}
    return {**counts, "aspas": len(facts.aspas)} if facts.aspas else counts


# --- reading -------------------------------------------------------------------------------------


def _refresh_fix(source: str | None = None) -> str:
    flag = f"--{source}" if source else "--all"
    return f"run `ixpctl sources refresh {flag}`, or restore the snapshot from git (git checkout -- <dir>)"


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.exists():
        what = "does not exist" if not Path(directory).exists() else f"has no {MANIFEST}"
        raise SourceError(f"no facts snapshot: {directory} {what}", fix=_refresh_fix())
    try:
        text = path.read_text(encoding="utf-8")
        manifest = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SourceError(f"{path} cannot be read as JSON ({err})", fix=_refresh_fix()) from None
    if not isinstance(manifest, dict) or "sources" not in manifest:
        raise SourceError(f"{path} is not an ixpctl snapshot manifest (no \"sources\")", fix=_refresh_fix())
    check_manifest(manifest, path, text)  # every key ixpctl reads has the right type (SnapshotInvalid)
    if manifest.get("format", 1) > FORMAT_VERSION:
        raise SourceError(f"{path} was written by a newer ixpctl (snapshot format {manifest['format']})",
                          fix="upgrade ixpctl, or refresh the snapshot with this version")
    return manifest


def _verified_part(directory: Path, source: str, entry: Mapping[str, Any], file_format: int) -> dict[str, Any]:
    path = Path(directory) / entry.get("file", f"{source}.json")
    if not path.exists():
        raise SourceError(f"snapshot file {path} is missing ({SOURCE_TITLES[source]} data)",
                          fix=_refresh_fix(source))
    actual = file_sha256(path)
    if actual != entry.get("sha256"):
        raise SourceError(f"snapshot file {path} does not match its hash in {MANIFEST} "
                          f"(expected {str(entry.get('sha256'))[:12]}…, found {actual[:12]}…): it was "
                          "edited or truncated after the snapshot was written", fix=_refresh_fix(source))
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SourceError(f"snapshot file {path} cannot be read as JSON ({err})", fix=_refresh_fix(source)) from None
    return check_part(source, data, path, text, file_format)  # decoded, or SnapshotInvalid with file:line


def read_snapshot(directory: Path, *, max_ages: Mapping[str, timedelta] | None = None,
                  now: datetime | None = None) -> Facts:
    """Load the facts of a snapshot after checking every file against its hash.

    Raises SourceError (naming the file and how to repair it) when the manifest or a file is missing
    or a file does not match its hash, and SnapshotInvalid (exit 2, file:line) when a file holds what
    ixpctl cannot use. With ``max_ages``, sources older than their limit add a loud
    warning to ``Facts.warnings``: the build still runs on them.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    facts = Facts(warnings=list(manifest.get("warnings", [])))
    for source, entry in manifest["sources"].items():
        if source not in SOURCES:
            continue  # written by a newer ixpctl with more sources: ignore what we do not know
        for key, value in _verified_part(directory, source, entry, manifest.get("format", 1)).items():
            setattr(facts, key, value)  # checked and decoded (sources/snapshot_schema.py)
        if entry.get("provenance"):
            facts.provenance[source] = Provenance(**entry["provenance"])
    if max_ages is not None:
        facts.warnings.extend(staleness_warnings(facts.provenance, max_ages, now=now))
    return facts


# --- staleness and status ------------------------------------------------------------------------


def max_ages(config: SourcesConfig) -> dict[str, timedelta]:
    """The max age of each source as configured in the inventory's ``sources:`` section."""
    return {
        "peeringdb": timedelta(hours=config.peeringdb.max_age_hours),
        "irr": timedelta(hours=config.irr.max_age_hours),
        "rpki": timedelta(hours=config.rpki.max_age_hours),
    }


def source_age(prov: Provenance, now: datetime | None = None) -> timedelta | None:
    fetched = parse_iso(prov.fetched_at)
    return None if fetched is None else (now or utc_now()) - fetched


def staleness_warnings(provenance: Mapping[str, Provenance], limits: Mapping[str, timedelta], *,
                       now: datetime | None = None) -> list[str]:
    """One loud line per source older than its max age (or with an unreadable fetch time)."""
    warnings = []
    for source, limit in limits.items():
        prov = provenance.get(source)
        if prov is None:
            continue
        age = source_age(prov, now)
        title = SOURCE_TITLES.get(source, source)
        if age is None:
            warnings.append(f"STALE: {title} data has an unreadable fetch time {prov.fetched_at!r}; "
                            f"run `ixpctl sources refresh --{source}`")
        elif age > limit:
            warnings.append(f"STALE: {title} data is {human_age(age)} old (fetched {prov.fetched_at}, "
                            f"max age {human_age(limit)}); building with it anyway — "
                            f"run `ixpctl sources refresh --{source}`")
    return warnings


@dataclass
class SourceStatus:
    source: str
    health: Health
    file: str | None = None
    origin: str | None = None
    fetched_at: str | None = None
    age_seconds: float | None = None
    max_age_seconds: float | None = None
    size: int | None = None
    sha256: str | None = None
    entries: dict[str, int] = field(default_factory=dict)
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _status_of(directory: Path, source: str, entry: Mapping[str, Any] | None, limit: timedelta | None,
               now: datetime) -> SourceStatus:
    if not entry or not entry.get("provenance"):
        return SourceStatus(source, "missing", message=f"never fetched; run `ixpctl sources refresh --{source}`")
    prov = Provenance(**entry["provenance"])
    path = directory / entry.get("file", f"{source}.json")
    st = SourceStatus(source, "ok", file=str(path), origin=prov.origin, fetched_at=prov.fetched_at,
                      size=entry.get("size"), sha256=entry.get("sha256"), entries=dict(entry.get("entries", {})),
                      max_age_seconds=limit.total_seconds() if limit else None)
    age = source_age(prov, now)
    st.age_seconds = age.total_seconds() if age is not None else None
    if not path.exists():
        st.health, st.message = "corrupt", f"{path.name} is missing; {_refresh_fix(source)}"
    elif file_sha256(path) != entry.get("sha256"):
        st.health, st.message = "corrupt", f"{path.name} does not match its hash; {_refresh_fix(source)}"
    elif age is None or (limit is not None and age > limit):
        st.health = "stale"
        st.message = f"older than {human_age(limit)}" if age is not None and limit else "unreadable fetch time"
    return st


def status(directory: Path, limits: Mapping[str, timedelta], *, now: datetime | None = None) -> list[SourceStatus]:
    """Health of each source in the snapshot at ``directory``: ok, stale, missing or corrupt."""
    directory = Path(directory)
    now = now or utc_now()
    try:
        manifest = read_manifest(directory)
    except SourceError as err:
        health: Health = "missing" if not (directory / MANIFEST).exists() else "corrupt"
        message = f"{err.message}; {err.fix}" if err.fix else err.message
        return [SourceStatus(s, health, message=message) for s in SOURCES]
    return [_status_of(directory, s, manifest["sources"].get(s), limits.get(s), now) for s in SOURCES]


def side_status(directory: Path, source: str, limit: timedelta | None, *,
                now: datetime | None = None) -> SourceStatus | None:
    """Health of a source that builds do not read (the RIR statistics), None when the snapshot has none."""
    try:
        entry = read_manifest(Path(directory))["sources"].get(source)
    except SourceError:
        return None
    return _status_of(Path(directory), source, entry, limit, now or utc_now()) if entry else None


def add_staleness_warnings(facts: Facts, limits: Mapping[str, timedelta], *, now: datetime | None = None) -> Facts:
    """Append a STALE warning for each source older than its limit (and return ``facts``)."""
    facts.warnings.extend(w for w in staleness_warnings(facts.provenance, limits, now=now)
                          if w not in facts.warnings)
    return facts
