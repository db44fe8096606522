"""Three-way merge of a re-import into the operator's files: what the last import wrote (the base,
kept in ``DIR/.ixpctl-import/<source>.json``), what the operator's file holds now (mine) and what
the new import says (theirs).

Per key: mine == theirs → nothing to do; theirs == base → the operator's value stands (the source
did not change it); mine == base → take theirs (the source changed, the operator did not);
otherwise both changed it: a conflict, kept as the operator wrote it and reported exactly (field,
both values), unless ``overwrite``. Keys
the importer never writes (a contact, a policy override, switch ports added by hand) are never
touched. Members and route servers match by ASN and name, connections by address; an entry the
source dropped is removed only if the operator had not changed it since the last import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..base.yamlio import to_plain

MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    return json.dumps(to_plain(a), sort_keys=True, default=str) == json.dumps(to_plain(b), sort_keys=True, default=str)


@dataclass
class Conflict:
    where: str  # dotted field
    mine: Any
    theirs: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.where, "yours": to_plain(self.mine) if self.mine is not MISSING else None,
                "import": to_plain(self.theirs) if self.theirs is not MISSING else None}

    def describe(self) -> str:
        def show(v: Any) -> str:
            return "(absent)" if v is MISSING else json.dumps(to_plain(v), default=str, ensure_ascii=False)

        return f"{self.where}: yours {show(self.mine)}, the import says {show(self.theirs)}"


@dataclass
class Merger:
    overwrite: bool = False
    conflicts: list[Conflict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def mapping(self, mine: CommentedMap, base: dict[str, Any] | None, theirs: dict[str, Any], where: str,
                *, lists: dict[str, tuple[str, ...]] | None = None) -> None:
        """Merge ``theirs`` into ``mine`` in place, key by key; ``lists`` names keys holding lists of
        mappings merged item by item (key → identity fields)."""
        base = base or {}
        lists = lists or {}
        for key in list(dict.fromkeys([*base, *theirs])):
            b, t = base.get(key, MISSING), theirs.get(key, MISSING)
            m = mine.get(key, MISSING) if key in mine else MISSING
            if key in lists and isinstance(m, list) and isinstance(t, list):
                self.items(m, b if isinstance(b, list) else [], t, f"{where}.{key}", lists[key])
                continue
            if _same(m, t):
                continue
            if _same(t, b) and not self.overwrite:
                continue  # the source did not change it: the operator's edit stands
            if _same(m, b) or self.overwrite:
                if t is MISSING:
                    del mine[key]
                else:
                    _set_in_order(mine, key, t, theirs)
            else:
                self.conflicts.append(Conflict(f"{where}.{key}", m, t))

    def items(self, mine: list, base: list, theirs: list, where: str, ident: tuple[str, ...],
              *, label: Any = None) -> None:
        """Merge lists of mappings matched by any of the ``ident`` fields."""
        def keys(item: Any) -> set[tuple[str, str]]:
            return {(k, str(item[k])) for k in ident if isinstance(item, dict) and item.get(k) is not None}

        def find(items: list, item: Any) -> Any:
            wanted = keys(item)
            return next((x for x in items if keys(x) & wanted), None)

        for t_item in theirs:
            m_item, b_item = find(mine, t_item), find(base, t_item)
            name = f"{where}[{(label or _label)(t_item, ident)}]"
            if m_item is None:
                if b_item is not None and _same(b_item, t_item) and not self.overwrite:
                    continue  # removed by the operator, unchanged in the source: stays removed
                if b_item is not None and not self.overwrite:
                    # the operator removed what the last import wrote: a decision, not an accident
                    self.conflicts.append(Conflict(name, MISSING, t_item))
                else:
                    mine.append(_fresh(t_item))
                continue
            self.mapping(m_item, b_item, t_item, name, lists=_NESTED.get(where.rsplit(".", 1)[-1].split("[")[0]))
        for b_item in base:
            if find(theirs, b_item) is not None:
                continue
            m_item = find(mine, b_item)
            if m_item is None:
                continue
            name = f"{where}[{(label or _label)(b_item, ident)}]"
            if _same(m_item, b_item) or self.overwrite:
                mine.remove(m_item)
                self.removed.append(name)
            else:
                self.conflicts.append(Conflict(name, m_item, MISSING))


_NESTED: dict[str, dict[str, tuple[str, ...]]] = {"members": {"connections": ("ipv4", "ipv6")}}


def _label(item: dict[str, Any], ident: tuple[str, ...]) -> str:
    return next((f"{k}={item[k]}" for k in ident if item.get(k) is not None), "?")


def _fresh(value: Any) -> Any:
    """Plain data as ruamel round-trip objects, so it dumps in the file's block style."""
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _fresh(v)
        return out
    if isinstance(value, list):
        # block style even for short lists: plain scalars inside [..] send the inventory loader
        # to its slow path (base/yaml_fast.py), 20x slower on a 600-member file
        return CommentedSeq(_fresh(v) for v in value)
    return value


def _set_in_order(mine: CommentedMap, key: str, value: Any, theirs: dict[str, Any]) -> None:
    """Set ``mine[key]``; a new key goes where the import's key order puts it, not at the end."""
    if key in mine:
        mine[key] = _fresh(value)
        return
    order = list(theirs)
    after = [k for k in order[:order.index(key)] if k in mine]
    position = list(mine).index(after[-1]) + 1 if after else 0
    mine.insert(position, key, _fresh(value))


def fresh(value: Any) -> Any:
    return _fresh(value)
