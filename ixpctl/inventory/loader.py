"""Load an inventory from one YAML file or a directory of them, merged, with file:line errors.

Files merge by top-level key: ``ixp`` must appear in exactly one file; ``route_servers``, ``switches``
and ``members`` lists are concatenated in file-name order (so ``inventory/members/*.yml`` works).
Loading is all or nothing: any problem in any file raises one InputError listing every problem.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..base.yaml_fast import UseSlowPath, fast_load_with_lines
from ..base.yamlio import (
    Loc,
    YamlDoc,
    load_yaml,
    parse_yaml,
    problems_from_validation,
    read_yaml_text,
    to_plain,
)
from ..errors import InputError, Problem
from .models import Inventory

LIST_KEYS = ("route_servers", "switches", "members", "critical_services")
SINGLE_KEYS = ("ixp", "sources", "apply")
TOP_KEYS = SINGLE_KEYS + LIST_KEYS


@dataclass
class SourceMap:
    """Where each part of the merged inventory came from, to point errors at file:line."""

    single: dict[str, YamlDoc] = field(default_factory=dict)
    items: dict[str, list[tuple[YamlDoc, int]]] = field(default_factory=lambda: {k: [] for k in LIST_KEYS})
    files: list[Path] = field(default_factory=list)

    def locate(self, loc: Loc) -> tuple[str | None, int | None]:
        if not loc:
            return (str(self.files[0]) if self.files else None), None
        head = loc[0]
        if head in self.single:
            return str(self.single[head].path), self.single[head].line_of(loc)
        if head in self.items and len(loc) >= 2 and isinstance(loc[1], int):
            entries = self.items[head]
            if 0 <= loc[1] < len(entries):
                doc, index = entries[loc[1]]
                return str(doc.path), doc.line_of((head, index) + tuple(loc[2:]))
        if self.items.get(head):
            doc = self.items[head][0][0]
            return str(doc.path), doc.line_of((head,))
        return (str(self.files[0]) if self.files else None), None


@dataclass
class LoadedInventory:
    inventory: Inventory
    sources: SourceMap

    def locate(self, loc: Loc) -> tuple[str | None, int | None]:
        return self.sources.locate(loc)


def inventory_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise InputError.at("no inventory files (*.yml) in this directory", path,
                                fix="add an inventory file such as inventory/ixp.yml")
        return files
    return [path]


def load_inventory(path: str | Path) -> LoadedInventory:
    """Load, merge and validate the inventory at ``path``; raise InputError on any problem.

    A valid inventory is read with libyaml (fast); anything the fast path cannot vouch for, and every
    invalid inventory, is loaded again with ruamel so that errors and their lines are the usual ones.
    """
    files = inventory_files(Path(path))
    loaded = _load_fast(files)
    return loaded if loaded is not None else _load_checked(files)


def _load_fast(files: list[Path]) -> LoadedInventory | None:
    """The inventory read with libyaml, or None if any file or the result needs the ruamel path."""
    docs: list[tuple[YamlDoc, dict]] = []
    for file in files:
        try:
            text = read_yaml_text(file, what="inventory file")
            data, lines = fast_load_with_lines(text)
        except (InputError, UseSlowPath):
            return None
        if not isinstance(data, dict):
            return None
        docs.append((YamlDoc(file, parse=_ruamel_node(text, file), lines=lines), data))
    plain, smap, problems = _merge(docs, files)
    if problems:
        return None  # the ruamel path reports them, worded and located as always
    try:
        inventory = Inventory.model_validate(plain)
    except ValidationError:
        return None  # the ruamel path reports it, with lines
    return LoadedInventory(inventory, smap)


def _ruamel_node(text: str, file: Path) -> Callable[[], Any]:
    """Parse ``text`` with ruamel when a line is first needed (same text, so the same lines)."""
    return lambda: parse_yaml(text, file, what="inventory file").node


def _merge(docs: list[tuple[YamlDoc, Mapping]], files: list[Path]) -> tuple[dict, SourceMap, list[Problem]]:
    """Merge the files' top-level sections (``data`` is a file's content: the ruamel node, or the
    fast path's plain dict); every problem is located through the doc, whichever path read it."""
    smap = SourceMap(files=files)
    problems: list[Problem] = []
    merged: dict = {k: [] for k in LIST_KEYS}
    for doc, data in docs:
        for key in data:
            if key not in TOP_KEYS:
                close = difflib.get_close_matches(str(key), TOP_KEYS, n=1)
                problems.append(Problem(
                    f"unknown top-level key '{key}'", str(doc.path), doc.line_of((key,)), str(key),
                    (f"did you mean '{close[0]}'? " if close else "")
                    + f"an inventory file may contain: {', '.join(TOP_KEYS)}"))
        for key in SINGLE_KEYS:
            if key not in data:
                continue
            if key in smap.single:
                first = smap.single[key]
                problems.append(Problem(
                    f"'{key}' is already defined in {first.path}:{first.line_of((key,))}",
                    str(doc.path), doc.line_of((key,)), key, f"keep the '{key}' section in one file only"))
            else:
                smap.single[key] = doc
                merged[key] = data[key]
        for key in LIST_KEYS:
            value = data.get(key)
            if value is None:
                continue
            if not isinstance(value, list):
                problems.append(Problem(f"'{key}' must be a list (items start with '- ')", str(doc.path),
                                        doc.line_of((key,)), key, f"write '{key}:' followed by '- ...' items"))
                continue
            for index, item in enumerate(value):
                smap.items[key].append((doc, index))
                merged[key].append(item)
    if "ixp" not in smap.single:
        problems.append(Problem("no file defines the 'ixp' section", str(files[0]), None, "ixp",
                                "add an 'ixp:' section with name, rs_asn and lans"))
    return merged, smap, problems


def _load_checked(files: list[Path]) -> LoadedInventory:
    """Load with ruamel, reporting every problem with its file and line."""
    problems: list[Problem] = []
    docs: list[YamlDoc] = []
    for file in files:
        try:
            docs.append(load_yaml(file, what="inventory file"))
        except InputError as err:
            problems.append(err.located or Problem(err.message, str(file)))
    if problems:
        raise _failed(problems)

    merged, smap, problems = _merge([(doc, doc.node) for doc in docs], files)
    if problems:
        raise _failed(problems)

    try:
        plain = to_plain(merged)
    except RecursionError:
        raise _failed([Problem("the YAML refers to itself (recursive alias)", str(files[0]))]) from None
    try:
        inventory = Inventory.model_validate(plain)
    except ValidationError as exc:
        raise _failed(problems_from_validation(exc, Inventory, smap.locate)) from None
    return LoadedInventory(inventory, smap)


def _failed(problems: list[Problem]) -> InputError:
    noun = "problem" if len(problems) == 1 else "problems"
    return InputError(f"inventory is invalid ({len(problems)} {noun}):", problems=problems)
