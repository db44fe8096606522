"""Writing a facts snapshot: per-source files one entry per line, a manifest of their hashes, and
the whole directory replaced in one step (temp dir + rename) so a reader never sees half of one.
The format and reading it are in ``sources/snapshot.py``.
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
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import SourceError
from .compact import encode_aspa, encode_range, encode_vrp
from .facts import Facts
from .snapshot import (
    FORMAT_VERSION,
    MANIFEST,
    SOURCES,
    entry_counts,
    facts_parts,
    iso_utc,
    read_manifest,
    read_snapshot,
    utc_now,
)


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
    if facts.aspas:
        parts["rpki"]["aspas"] = [encode_aspa(a) for a in facts.aspas]
    return parts


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


def _side_sources(directory: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Manifest entries and files of the sources Facts does not hold (the RIR statistics,
    ``sources/rir.py``), so that refreshing PeeringDB, IRR or RPKI keeps them byte for byte."""
    if not (directory / MANIFEST).exists():
        return {}, {}
    try:
        sources = read_manifest(directory)["sources"]
    except SourceError:
        return {}, {}
    entries, texts = {}, {}
    for source, entry in sources.items():
        name = entry.get("file") if isinstance(entry, dict) else None
        if source in SOURCES or not isinstance(name, str) or not (directory / name).is_file():
            continue
        entries[source] = entry
        texts[name] = (directory / name).read_text(encoding="utf-8")
    return entries, texts


def replace_files(directory: Path, files: Mapping[str, str], manifest: Mapping[str, Any]) -> Path:
    """Rewrite a snapshot with ``files`` added or replaced and ``manifest`` as its manifest; every
    other file of the manifest is kept byte for byte. Atomic like write_snapshot."""
    directory = Path(directory)
    texts = {}
    for entry in manifest["sources"].values():
        name = entry.get("file")
        if name and name not in files and (directory / name).is_file():
            texts[name] = (directory / name).read_text(encoding="utf-8")
    texts.update(files)
    texts[MANIFEST] = json.dumps(manifest, indent=2) + "\n"
    try:
        _atomic_write_dir(directory, texts)
    except OSError as err:
        raise SourceError(f"cannot write the facts snapshot to {directory}: {err.strerror or err}",
                          fix="check free space and permissions; the previous snapshot is unchanged") from None
    return directory


def write_snapshot(facts: Facts, directory: Path, *, now: datetime | None = None) -> Path:
    """Write ``facts`` as a snapshot at ``directory``, atomically (all of it or nothing)."""
    directory = Path(directory)
    side_entries, side_texts = _side_sources(directory)
    texts = {f"{source}.json": _dumps_lines(part) for source, part in file_parts(facts).items()}
    manifest = build_manifest(facts, texts, now=now)
    manifest["sources"].update(side_entries)
    texts.update(side_texts)
    texts[MANIFEST] = json.dumps(manifest, indent=2) + "\n"
    try:
        _atomic_write_dir(directory, texts)
    except OSError as err:
        raise SourceError(f"cannot write the facts snapshot to {directory}: {err.strerror or err}",
                          fix="check free space and permissions; the previous snapshot is unchanged") from None
    return directory


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

