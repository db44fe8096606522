"""Pinned facts on disk: the snapshot a build is a function of.

A snapshot is a directory::

    manifest.json    ixpctl version, creation time, per source: provenance, file hash, size, counts
    peeringdb.json   {"peeringdb": {...networks by ASN...}, "netixlan": [...]}
    irr.json         {"irr": {...expansions by query, prefixes as "192.0.2.0/24" or "192.0.2.0/23^23-24"...}}
    rpki.json        {"vrps": ["192.0.2.0/24-24 AS64496", ...]}

(Format 2. Format 1, still read, held prefixes and VRPs as JSON arrays; see ``sources/compact.py``.)

Why a directory of plain JSON: it can be committed next to the inventory, diffed in review (one
entry per line), copied to pin a build, and checked by hash before a build trusts it. It is written
atomically (temp dir + rename) so a crash or a full disk never leaves half a snapshot that a build
could pick up; a file edited or truncated afterwards is caught by its hash.

Failed refreshes fall back to the last good snapshot, loudly (``merge_with_last_good``), and stale
data keeps working with a warning: an IXP must not drop every member's prefixes because PeeringDB
or an IRR mirror was down for an hour.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .. import __version__
from ..errors import SourceError
from ..inventory.sources_config import SourcesConfig
from .compact import decode_ranges, decode_vrps, encode_range, encode_vrp
from .facts import Facts, IrrExpansion, Provenance

SOURCES: tuple[str, ...] = ("peeringdb", "irr", "rpki")
MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: compact prefix/VRP strings (sources/compact.py); 1 is still read
SOURCE_TITLES = {"peeringdb": "PeeringDB", "irr": "IRR", "rpki": "RPKI"}

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
        "rpki": {"vrps": data["vrps"]},
    }


def file_parts(facts: Facts) -> dict[str, dict[str, Any]]:
    """``facts_parts`` as the snapshot files hold them: prefix entries and VRPs in compact form,
    encoded straight from the tuples (not via ``to_json``'s list copies of 1.3 M entries)."""
    parts = facts_parts(replace(facts, irr={}, vrps=[]))
    parts["irr"]["irr"] = {
        query: {**asdict(replace(e, prefixes4=[], prefixes6=[])),  # same keys, same order as asdict(e)
                "prefixes4": [encode_range(p) for p in e.prefixes4],
                "prefixes6": [encode_range(p) for p in e.prefixes6]}
        for query, e in sorted(facts.irr.items())}
    parts["rpki"]["vrps"] = [encode_vrp(vrp) for vrp in facts.vrps]
    return parts


def _decode_part(data: dict[str, Any]) -> None:
    """Format 2 → the in-memory shapes, in place: tuples for prefix entries and VRPs."""
    for expansion in (data.get("irr") or {}).values():
        for key in ("prefixes4", "prefixes6"):
            expansion[key] = decode_ranges(expansion.get(key, []))
    if "vrps" in data:
        data["vrps"] = decode_vrps(data["vrps"])


def entry_counts(facts: Facts, source: str) -> dict[str, int]:
    """What a human wants to see per source in `ixpctl sources status`."""
    if source == "peeringdb":
        return {"networks": len(facts.peeringdb), "netixlan": len(facts.netixlan)}
    if source == "irr":
        return {"queries": len(facts.irr),
                "prefixes4": sum(len(e.prefixes4) for e in facts.irr.values()),
                "prefixes6": sum(len(e.prefixes6) for e in facts.irr.values())}
    v4 = sum(1 for p, _, _ in facts.vrps if ":" not in p)
    return {"vrps": len(facts.vrps), "ipv4": v4, "ipv6": len(facts.vrps) - v4}


def _has_data(facts: Facts, source: str) -> bool:
    if source == "peeringdb":
        return bool(facts.peeringdb or facts.netixlan)
    if source == "irr":
        return bool(facts.irr)
    return bool(facts.vrps)


def _dumps_lines(part: Mapping[str, Any]) -> str:
    """JSON with one entry per line: valid JSON, small, and a git diff shows which entries changed."""
    out = ["{"]
    keys = list(part)
    for i, key in enumerate(keys):
        value = part[key]
        comma = "," if i < len(keys) - 1 else ""
        if isinstance(value, list) and value:
            items = [json.dumps(v, separators=(",", ":"), ensure_ascii=False) for v in value]
            out.append(f"{json.dumps(key)}: [")
            out.append(",\n".join(items))
            out.append(f"]{comma}")
        elif isinstance(value, dict) and value:
            items = [f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'), ensure_ascii=False)}"
                     for k, v in value.items()]
            out.append(f"{json.dumps(key)}: {{")
            out.append(",\n".join(items))
            out.append(f"}}{comma}")
        else:
            out.append(f"{json.dumps(key)}: {json.dumps(value)}{comma}")
    out.append("}")
    return "\n".join(out) + "\n"


# --- writing -------------------------------------------------------------------------------------


def _write_file(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2); False where the kernel or libc cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _replace_dir(new: Path, target: Path) -> None:
    """Put the fully written directory ``new`` in place of ``target``; the old one is removed."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):  # now ``new`` holds the old snapshot
        shutil.rmtree(new, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)  # a reader between these two renames sees no snapshot, never half of one
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise SourceError(f"{directory} exists and is not a directory, so it cannot hold a snapshot",
                          fix="point sources.snapshot_dir at a directory")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MANIFEST).exists():
        raise SourceError(f"{directory} is not empty and is not an ixpctl snapshot (no {MANIFEST}); "
                          "refusing to replace it", fix="choose an empty or new directory")


def _atomic_write_dir(directory: Path, files: Mapping[str, str]) -> None:
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    _check_replaceable(directory)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
    try:
        for name, text in files.items():  # the manifest comes last in ``files``
            _write_file(tmp / name, text)
        _fsync_dir(tmp)
        _replace_dir(tmp, directory)
        _fsync_dir(directory.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build_manifest(facts: Facts, file_texts: Mapping[str, str], *, now: datetime | None = None) -> dict:
    sources: dict[str, Any] = {}
    for source in SOURCES:
        name = f"{source}.json"
        raw = file_texts[name].encode()
        prov = facts.provenance.get(source)
        sources[source] = {
            "file": name,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "size": len(raw),
            "entries": entry_counts(facts, source),
            "provenance": asdict(prov) if prov else None,
        }
    return {
        "format": FORMAT_VERSION,
        "ixpctl_version": __version__,
        "created_at": iso_utc(now or utc_now()),
        "sources": sources,
        "warnings": list(facts.warnings),
    }


def write_snapshot(facts: Facts, directory: Path, *, now: datetime | None = None) -> Path:
    """Write ``facts`` as a snapshot at ``directory``, atomically (all of it or nothing)."""
    directory = Path(directory)
    texts = {f"{source}.json": _dumps_lines(part) for source, part in file_parts(facts).items()}
    manifest = build_manifest(facts, texts, now=now)
    texts[MANIFEST] = json.dumps(manifest, indent=2) + "\n"
    try:
        _atomic_write_dir(directory, texts)
    except OSError as err:
        raise SourceError(f"cannot write the facts snapshot to {directory}: {err.strerror or err}",
                          fix="check free space and permissions; the previous snapshot is unchanged") from None
    return directory


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
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SourceError(f"{path} cannot be read as JSON ({err})", fix=_refresh_fix()) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sources"), dict):
        raise SourceError(f"{path} is not an ixpctl snapshot manifest (no \"sources\")", fix=_refresh_fix())
    if manifest.get("format", 0) > FORMAT_VERSION:
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
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SourceError(f"snapshot file {path} cannot be read as JSON ({err})", fix=_refresh_fix(source)) from None
    if not isinstance(data, dict):
        raise SourceError(f"snapshot file {path} does not hold a JSON object", fix=_refresh_fix(source))
    if file_format >= 2:
        try:
            _decode_part(data)
        except (TypeError, ValueError, AttributeError) as err:
            raise SourceError(f"snapshot file {path} has a malformed entry ({err})",
                              fix=_refresh_fix(source)) from None
    return data


def read_snapshot(directory: Path, *, max_ages: Mapping[str, timedelta] | None = None,
                  now: datetime | None = None) -> Facts:
    """Load the facts of a snapshot after checking every file against its hash.

    Raises SourceError (naming the file and how to repair it) when the manifest or a file is missing
    or a file does not match its hash. With ``max_ages``, sources older than their limit add a loud
    warning to ``Facts.warnings``: the build still runs on them.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    data: dict[str, Any] = {"provenance": {}, "warnings": list(manifest.get("warnings", []))}
    for source, entry in manifest["sources"].items():
        if source not in SOURCES:
            continue  # written by a newer ixpctl with more sources: ignore what we do not know
        data.update(_verified_part(directory, source, entry, int(manifest.get("format", 1))))
        if entry.get("provenance"):
            data["provenance"][source] = entry["provenance"]
    try:
        facts = Facts.from_json(data)
    except (TypeError, ValueError, KeyError) as err:
        raise SourceError(f"the facts snapshot in {directory} has an unexpected shape ({err})",
                          fix=_refresh_fix()) from None
    if max_ages is not None:
        facts.warnings.extend(staleness_warnings(facts.provenance, max_ages, now=now))
    return facts


def copy_snapshot(source: Path, target: Path, *, overwrite: bool = False) -> Path:
    """Copy a verified snapshot byte for byte (to pin a build); atomic like write_snapshot."""
    source, target = Path(source), Path(target)
    manifest = read_manifest(source)
    read_snapshot(source)  # verifies every hash before we copy anything
    if target.exists() and (target / MANIFEST).exists() and not overwrite:
        raise SourceError(f"{target} already holds a snapshot", fix="pass --force to replace it, or choose a new directory")
    names = [e.get("file", f"{s}.json") for s, e in manifest["sources"].items()] + [MANIFEST]
    texts = {name: (source / name).read_text(encoding="utf-8") for name in names}
    try:
        _atomic_write_dir(target, texts)
    except OSError as err:
        raise SourceError(f"cannot copy the snapshot to {target}: {err.strerror or err}",
                          fix="check free space and permissions") from None
    return target


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


# --- last-good fallback --------------------------------------------------------------------------


def copy_facts(facts: Facts) -> Facts:
    return Facts(peeringdb=dict(facts.peeringdb), netixlan=list(facts.netixlan),
                 never_via_rs=list(facts.never_via_rs), irr=dict(facts.irr),
                 vrps=list(facts.vrps), provenance=dict(facts.provenance), warnings=list(facts.warnings))


def _since(prov: Provenance | None, now: datetime | None) -> str:
    if prov is None:
        return "an unknown time"
    age = source_age(prov, now)
    return f"{prov.fetched_at} ({human_age(age)} ago)" if age is not None else prov.fetched_at


def _fallback_source(result: Facts, last_good: Facts, source: str, why: str, now: datetime | None) -> None:
    title = SOURCE_TITLES[source]
    if source not in last_good.provenance and not _has_data(last_good, source):
        result.warnings.append(f"FAILED: {title} refresh failed{why} and there is no last-good {title} data; "
                               f"builds use no {title} facts until `ixpctl sources refresh --{source}` succeeds")
        return
    if source == "peeringdb":
        result.peeringdb, result.netixlan = dict(last_good.peeringdb), list(last_good.netixlan)
        result.never_via_rs = list(last_good.never_via_rs)
    elif source == "irr":
        result.irr = dict(last_good.irr)
    else:
        result.vrps = list(last_good.vrps)
    prov = last_good.provenance.get(source)
    if prov is not None:
        result.provenance[source] = prov
    else:
        result.provenance.pop(source, None)
    result.warnings.append(f"FAILED: {title} refresh failed{why}; kept the last-good {title} data from "
                           f"{_since(prov, now)}")


def _fallback_irr_query(result: Facts, last_good: Facts, query: str, why: str, now: datetime | None) -> bool:
    old = last_good.irr.get(query)
    since = _since(last_good.provenance.get("irr"), now)
    if old is None:
        result.warnings.append(f"FAILED: IRR {query}: {why}, and there is no last-good expansion; "
                               "members using it get no prefixes from it")
        return False
    result.irr[query] = old
    result.warnings.append(f"FAILED: IRR {query}: {why}; kept the last-good expansion from {since} "
                           f"({len(old.prefixes4)} IPv4, {len(old.prefixes6)} IPv6 prefixes)")
    return True


def merge_with_last_good(new: Facts, last_good: Facts, failed: set[str] | Mapping[str, str], *,
                         keep_on_empty: bool = True, now: datetime | None = None) -> Facts:
    """``new`` with the last good data of everything that failed, plus a loud warning for each.

    ``failed`` names whole sources ("peeringdb", "irr", "rpki") or single IRR queries
    ("irr:RIPE::AS-FOO"); a mapping also gives the reason of each. With ``keep_on_empty`` an IRR query that expands to nothing now but had
    data before is treated as failed too: bgpq4 exits 0 on a missing AS-SET, and replacing a member's
    prefix list by an empty one would drop all of its routes on the route servers.
    """
    reasons: Mapping[str, str] = failed if isinstance(failed, Mapping) else {}
    result = copy_facts(new)
    for source in SOURCES:
        if source in failed:
            why = f" ({reasons[source]})" if reasons.get(source) else ""
            _fallback_source(result, last_good, source, why, now)
    if "irr" in failed:
        return result
    kept: list[str] = []
    for key in sorted(q for q in failed if q.startswith("irr:")):
        query = key.removeprefix("irr:")
        why = f"the query failed ({reasons[key]})" if reasons.get(key) else "the query failed"
        if _fallback_irr_query(result, last_good, query, why, now):
            kept.append(query)
    if keep_on_empty:
        for query, expansion in sorted(result.irr.items()):
            old = last_good.irr.get(query)
            if query not in kept and isinstance(expansion, IrrExpansion) and expansion.empty \
                    and old is not None and not old.empty:
                _fallback_irr_query(result, last_good, query,
                                    "now expands to nothing (a deleted or unreachable AS-SET?)", now)
                kept.append(query)
    if kept and "irr" in result.provenance:
        prov = result.provenance["irr"]
        detail = dict(prov.detail, last_good_queries=sorted(kept))
        result.provenance["irr"] = Provenance(prov.source, prov.origin, prov.fetched_at, prov.sha256, detail)
    return result


def add_staleness_warnings(facts: Facts, limits: Mapping[str, timedelta], *, now: datetime | None = None) -> Facts:
    """Append a STALE warning for each source older than its limit (and return ``facts``)."""
    facts.warnings.extend(w for w in staleness_warnings(facts.provenance, limits, now=now)
                          if w not in facts.warnings)
    return facts
