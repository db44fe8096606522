"""Checking a snapshot's files before anything uses them: every shape and every number.

The hashes in the manifest prove that a file is the one that was written, not that what wrote it
(a hand edit with a recomputed hash, another tool, another ixpctl version) wrote something ixpctl
can use: ``"format": "2"``, a list where an object belongs, a VRP with maxLength 200 or a negative
ASN used to end in a traceback or in a config BIRD refused ("this is an ixpctl bug"). Here the
manifest and each part are checked against the shapes of ``sources/facts.py`` (pydantic, strict
types, 32-bit bounds) and the prefix and VRP lists by ``sources/compact.py``; every problem is a
``SnapshotInvalid`` naming the file, the line (the files hold one entry per line) and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictStr, TypeAdapter, ValidationError

from ..base.yamlio import dotted
from ..errors import Problem, SnapshotInvalid
from .compact import BadEntry, decode_aspas, decode_ranges, decode_vrps, encode_range, encode_vrp
from .facts import U32, Count, IrrExpansion, PdbNetIxLan, PdbNetwork, Provenance

MAX_PROBLEMS = 10


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceEntry(BaseModel):
    """One source in the manifest. Unknown keys are allowed: a newer ixpctl of the same format
    may record more about a source."""

    model_config = ConfigDict(extra="allow")
    # a file name in the snapshot directory, never a path out of it
    file: Annotated[str, Strict(), Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.json$")]
    sha256: StrictStr
    size: Count | None = None
    entries: dict[str, Count] = {}
    provenance: Provenance | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")
    format: Annotated[int, Strict(), Field(ge=1)] = 1
    sources: dict[str, Any]
    warnings: list[StrictStr] = []


class PeeringdbPart(_Shape):
    peeringdb: dict[Annotated[str, Field(pattern=r"^[0-9]{1,10}$")], PdbNetwork] = {}
    netixlan: list[PdbNetIxLan] = []
    never_via_rs: list[U32] = []


class IrrPart(_Shape):
    irr: dict[StrictStr, IrrExpansion] = {}


_MANIFEST = TypeAdapter(Manifest)
_ENTRY = TypeAdapter(SourceEntry)
_PARTS: dict[str, TypeAdapter] = {"peeringdb": TypeAdapter(PeeringdbPart), "irr": TypeAdapter(IrrPart)}


def _refresh_fix(source: str | None) -> str:
    flag = f"--{source}" if source else "--all"
    return (f"run `ixpctl sources refresh {flag}` to write it again, or restore the snapshot from git "
            "(git checkout -- <dir>)")


def line_of(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The line of ``loc`` in a snapshot file as ixpctl writes them: objects broken over lines,
    the entries of each top-level list and object one per line, an entry's own keys on its line."""
    lines = text.splitlines()
    found: int | None = None
    for key in loc:
        opener = found is None or lines[found].rstrip().endswith(("{", "["))
        if isinstance(key, int):
            if found is None or not lines[found].rstrip().endswith("["):
                break  # a list written on one line: its entries are on that line
            found += 1 + key
            continue
        needle = json.dumps(key, ensure_ascii=False) + ":"
        where = range((found + 1) if found is not None else 0, len(lines)) if opener else [found]
        hit = next((n for n in where if n is not None and n < len(lines) and needle in lines[n]), None)
        if hit is None:
            break
        found = hit
    return None if found is None or found >= len(lines) else found + 1


def _problems(exc: ValidationError, path: Path, text: str, prefix: tuple = ()) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False)[:MAX_PROBLEMS]:
        loc = prefix + tuple(err["loc"])
        is_key = loc[-1:] == ("[key]",)  # pydantic's marker for a dict key (e.g. a network's ASN)
        loc = loc[:-1] if is_key else loc
        where = loc[:-1] if err["type"] == "missing" else loc  # a missing key: its parent's line
        message = err["msg"] if err["type"] == "missing" else f"{err['msg']} (got {_short(err.get('input'))})"
        message = f"key: {message}" if is_key else message
        out.append(Problem(message, str(path), line_of(text, where), dotted(loc)))
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _invalid(problems: list[Problem], path: Path, source: str | None) -> SnapshotInvalid:
    noun = "problem" if len(problems) == 1 else "problems"
    return SnapshotInvalid(f"facts snapshot file {path} is invalid ({len(problems)} {noun}):",
                           problems=problems, fix=_refresh_fix(source))


def check_manifest(data: Any, path: Path, text: str) -> dict[str, Any]:
    """The manifest, checked: its own keys and the entry of every source ixpctl knows."""
    problems: list[Problem] = []
    try:
        _MANIFEST.validate_python(data)
    except ValidationError as exc:
        raise _invalid(_problems(exc, path, text), path, None) from None
    for source in ("peeringdb", "irr", "rpki"):
        if source in data["sources"]:
            try:
                _ENTRY.validate_python(data["sources"][source])
            except ValidationError as exc:
                problems += _problems(exc, path, text, ("sources", source))
    if problems:
        raise _invalid(problems, path, None)
    return data


def check_part(source: str, data: Any, path: Path, text: str, file_format: int) -> dict[str, Any]:
    """One source file, checked and decoded into the shapes Facts holds (prefix and VRP tuples,
    dataclasses), or SnapshotInvalid."""
    if not isinstance(data, dict):
        raise _invalid([Problem(f"expected a JSON object, found {type(data).__name__}", str(path), 1)], path, source)
    if source == "rpki":
        return _rpki_part(data, path, text, file_format)
    lists: dict[tuple[str, str], Any] = {}
    if source == "irr" and isinstance(data.get("irr"), dict):
        for query, expansion in data["irr"].items():  # checked by compact.py below, not by pydantic
            if isinstance(expansion, dict):
                for key in ("prefixes4", "prefixes6"):
                    lists[(query, key)] = expansion.pop(key, [])
    try:
        part = _PARTS[source].validate_python(data)
    except ValidationError as exc:
        raise _invalid(_problems(exc, path, text), path, source) from None
    if source == "peeringdb":
        bad = [Problem(f"the key {key!r} is not the network's ASN ({net.asn})", str(path),
                       line_of(text, ("peeringdb", key)), f"peeringdb.{key}.asn")
               for key, net in part.peeringdb.items() if int(key) != net.asn]
        if bad:
            raise _invalid(bad, path, source)
        return {"peeringdb": {net.asn: net for net in part.peeringdb.values()}, "netixlan": part.netixlan,
                "never_via_rs": part.never_via_rs}
    for (query, key), items in lists.items():
        family = 4 if key == "prefixes4" else 6
        loc = ("irr", query, key)
        entries = _format1(items, encode_range) if file_format < 2 else items
        if not isinstance(entries, list):
            raise _invalid([Problem(f"expected a list, found {type(items).__name__}", str(path),
                                    line_of(text, loc), dotted(loc))], path, source)
        try:
            setattr(part.irr[query], key, decode_ranges(entries, family))
        except BadEntry as bad:
            raise _invalid([_bad_entry(bad, path, text, loc, f"an IPv{family} prefix range")], path, source) from None
    return {"irr": part.irr}


def _rpki_part(data: dict[str, Any], path: Path, text: str, file_format: int) -> dict[str, Any]:
    unknown = [key for key in data if key not in ("vrps", "aspas")]
    items = data.get("vrps", [])
    if unknown or not isinstance(items, list):
        field = unknown[0] if unknown else "vrps"
        why = f"unknown key {field!r}" if unknown else f"expected a list, found {type(items).__name__}"
        raise _invalid([Problem(why, str(path), line_of(text, (field,)), field)], path, "rpki")
    try:
        out: dict[str, Any] = {"vrps": decode_vrps(_format1(items, encode_vrp) if file_format < 2 else items)}
    except BadEntry as bad:
        raise _invalid([_bad_entry(bad, path, text, ("vrps",), "a VRP")], path, "rpki") from None
    if "aspas" in data:  # ASPA records (customer > providers), only in snapshots that have them
        aspas = data["aspas"]
        try:
            if not isinstance(aspas, list) or not all(isinstance(a, str) for a in aspas):
                raise ValueError("expected a list of 'ASn > ASn ...' strings")
            out["aspas"] = decode_aspas(aspas)
        except ValueError as exc:
            raise _invalid([Problem(f"aspas: {exc}", str(path), line_of(text, ("aspas",)), "aspas")],
                           path, "rpki") from None
    return out


def _format1(items: Any, encode) -> Any:
    """Format-1 entries (JSON arrays) in the text form, so that one decoder checks both formats;
    an entry of the wrong shape stays as it is and is refused there."""
    if not isinstance(items, list):
        return items
    return [encode(tuple(e)) if isinstance(e, list) and len(e) == 3 and isinstance(e[0], str)
            and all(type(v) is int for v in e[1:]) else e for e in items]


def _bad_entry(bad: BadEntry, path: Path, text: str, loc: tuple, what: str) -> Problem:
    where = loc + (bad.index,) if bad.index >= 0 else loc
    return Problem(f"{_short(bad.entry)} is not {what}: {bad.why}", str(path), line_of(text, where), dotted(where))
