"""Reading operator-owned YAML so that every error can point at a file and a line.

ruamel.yaml's round-trip loader keeps the line of every mapping key and sequence item; we keep the
loaded node next to the plain data so that a pydantic error location such as
``("members", 3, "connections", 0, "ipv4")`` can be turned back into ``inventory/mlix.yml:57``.

ruamel is pure Python and slow on large files: ``ixpctl.base.yaml_fast`` reads the common,
unambiguous case with libyaml and steps aside on anything else, and :class:`YamlDoc` then parses
with ruamel only when a line is asked for.

Two hostile shapes are refused here, with their line: a value YAML itself cannot build (an
impossible date such as ``2018-02-30``, ``!!int x``), and alias bombs ("billion laughs": a few
hundred bytes of nested aliases that expand to hundreds of millions of nodes once turned into
plain data). The fast path never expands an alias (it hands any anchor to ruamel), so the cap on
what aliases add (:data:`MAX_EXPANDED_NODES`) is checked once, on the ruamel node.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import InputError, Problem

if TYPE_CHECKING:
    from .yaml_fast import Lines

Loc = tuple[str | int, ...]

# How many nodes aliases may add to a document once expanded into plain data. A large inventory has
# a few hundred thousand nodes and few aliases; a 1 KB alias bomb adds hundreds of millions.
MAX_EXPANDED_NODES = 1_000_000


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, with the line of any value it cannot build: an impossible
    date raises a bare ValueError from ``datetime.date`` otherwise (a traceback, no line)."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise ConstructorError(None, None, f"{node.value!r} is not a valid {tag} ({exc})",
                                   node.start_mark) from None


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False  # a duplicated key is almost always a copy-paste mistake
    return yaml


class YamlDoc:
    """A loaded YAML file: its path and the ruamel node (with line numbers).

    A file read by the fast path has no node yet: ``parse`` builds it from the same text the first
    time a line is asked for (an error or a warning), so a clean load never pays for ruamel.
    """

    __slots__ = ("_node", "_parse", "lines", "path")

    def __init__(self, path: Path, node: Any = None, *, parse: Callable[[], Any] | None = None,
                 lines: Lines | None = None) -> None:
        self.path = path
        self._node = node
        self._parse = parse
        self.lines = lines  # from the fast path: the same lines as the ruamel node, without parsing it

    @property
    def node(self) -> Any:
        if self._parse is not None:
            self._node = self._parse()
            self._parse = None  # only after success: a failed parse raises again, never returns None
        return self._node

    def line_of(self, loc: Loc) -> int | None:
        if self.lines is not None and self._parse is not None:
            return self.lines.line_of(loc)
        return line_of(self.node, loc)

    def __repr__(self) -> str:
        state = "not parsed yet" if self._parse is not None else type(self._node).__name__
        return f"YamlDoc({str(self.path)!r}, {state})"


def load_yaml(path: Path, *, what: str = "file", expect: type = dict) -> YamlDoc:
    """Load one YAML file or raise an InputError that names the file and line and says how to fix it."""
    path = Path(path)
    return parse_yaml(read_yaml_text(path, what=what), path, what=what, expect=expect)


def read_yaml_text(path: Path, *, what: str = "file") -> str:
    """The text of a YAML file, or an InputError saying why it cannot be read."""
    if not path.exists():
        raise InputError.at(f"{what} not found", path, fix=f"create {path} or pass the right path")
    if path.is_dir():
        raise InputError.at(f"{what} is a directory, expected a YAML file", path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.at(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path,
                            fix="save the file as UTF-8") from None
    except OSError as exc:
        raise InputError.at(f"cannot read {what}: {exc.strerror}", path) from None


def parse_yaml(text: str, path: Path, *, what: str = "file", expect: type = dict) -> YamlDoc:
    """Parse ``text`` (read from ``path``) with ruamel; errors name the file and line."""
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        fix = "fix the YAML syntax at that line (indentation, a missing ':' or an unclosed quote)"
        if "duplicate key" in str(exc) or "found duplicate key" in problem:
            fix = "remove or rename one of the two entries with the same key"
        elif isinstance(exc, ConstructorError):
            fix = "write a valid value (dates as YYYY-MM-DD), or quote it to keep it as text"
        raise InputError.at(f"invalid YAML: {problem}", path, line, fix=fix) from None
    except YAMLError as exc:
        raise InputError.at(f"invalid YAML: {exc}", path, fix="fix the YAML syntax") from None
    except RecursionError:
        raise InputError.at("invalid YAML: nested too deeply", path) from None
    _check_aliases(node, path)
    if node is None:
        raise InputError.at(f"{what} is empty", path,
                            fix="add content, or delete the file if it is not needed")
    if expect is dict and not isinstance(node, dict):
        raise InputError.at(f"{what} must be a mapping of keys to values, found {_kind(node)}", path, 1,
                            fix="start the file with top-level keys such as 'ixp:' or 'members:'")
    return YamlDoc(path, node)


def _children(node: Any) -> list[tuple[str | int, Any]]:
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, list):
        return list(enumerate(node))
    return []


def _expanded_sizes(root: Any) -> tuple[dict[int, int], int]:
    """Nodes of each collection once aliases are expanded (by id; a shared node counts once per
    use), and how many nodes the document actually writes — without expanding anything: one
    iterative pass over the distinct nodes. A collection that contains itself gets -1."""
    sizes: dict[int, int] = {}
    written = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            kids = [sizes.get(id(c), -1) if isinstance(c, (dict, list)) else 1 for _, c in _children(node)]
            sizes[key] = -1 if -1 in kids else 1 + sum(kids)
            continue
        if key in sizes:
            continue
        if key in open_:
            sizes[key] = -1  # a recursive alias: the node contains itself
            continue
        open_.add(key)
        children = _children(node)
        written += 1 + sum(1 for _, c in children if not isinstance(c, (dict, list)))
        stack.append((node, True))
        stack += [(c, False) for _, c in children if isinstance(c, (dict, list)) and id(c) not in sizes]
    return sizes, written


def _check_aliases(node: Any, path: Path) -> None:
    """Refuse a document whose aliases add more than MAX_EXPANDED_NODES nodes, or that contains
    itself, at the line of the alias use where the expansion becomes too large."""
    if not isinstance(node, (dict, list)):
        return
    sizes, written = _expanded_sizes(node)
    total = sizes[id(node)]
    if total != -1 and total - written <= MAX_EXPANDED_NODES:
        return
    line = node.lc.line + 1
    seen: set[int] = set()
    cur = node
    while id(cur) not in seen:  # down to the deepest place that alone is too large
        seen.add(id(cur))
        big = next(((k, c) for k, c in _children(cur) if isinstance(c, (dict, list))
                    and not 0 <= sizes[id(c)] <= MAX_EXPANDED_NODES), None)
        if big is None:
            break
        key, cur_next = big
        line = (cur.lc.key(key) if isinstance(cur, dict) else cur.lc.item(key))[0] + 1
        cur = cur_next
    what = ("refers to itself through a YAML alias" if total == -1 else
            f"YAML aliases here expand to more than {MAX_EXPANDED_NODES} nodes (an alias bomb?)")
    raise InputError.at(what, path, line, fix="write the values out, or use far fewer nested aliases")


def _kind(node: Any) -> str:
    if isinstance(node, list):
        return "a list"
    if isinstance(node, str):
        return "a plain string"
    return type(node).__name__


def line_of(node: Any, loc: Loc) -> int | None:
    """Best line (1-based) for a location: the deepest node along ``loc`` that the YAML file has."""
    best: int | None = None
    cur = node
    for key in loc:
        if isinstance(cur, CommentedMap) and key in cur:
            line = cur.lc.key(key)[0]
            best = line + 1
            cur = cur[key]
        elif isinstance(cur, CommentedSeq) and isinstance(key, int) and 0 <= key < len(cur):
            line = cur.lc.item(key)[0]
            best = line + 1
            cur = cur[key]
        else:
            if best is None and isinstance(cur, (CommentedMap, CommentedSeq)):
                best = cur.lc.line + 1
            break
    return best


def to_plain(node: Any) -> Any:
    """ruamel types → plain dict/list/str/int/float/bool, so models never see ruamel subclasses."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (int, bool)) else k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)  # dates and other scalars: keep their text, the models decide


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# --- pydantic error → Problem -------------------------------------------------------------------

def _unwrap(tp: Any) -> list[Any]:
    """The concrete types an annotation may hold (Optional/Union/Annotated peeled off)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(tp):
            out += _unwrap(arg)
        return out
    return [tp]


def allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names valid at ``loc`` (used to suggest the right spelling of an unknown key)."""
    candidates: list[Any] = [model]
    for key in loc:
        nxt: list[Any] = []
        for tp in candidates:
            for t in _unwrap(tp):
                origin = typing.get_origin(t)
                if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(key, str):
                    fld = t.model_fields.get(key)
                    if fld is None:
                        fld = next((f for f in t.model_fields.values() if f.alias == key), None)
                    if fld is not None:
                        nxt.append(fld.annotation)
                elif origin in (list, tuple, set, frozenset) and isinstance(key, int):
                    nxt += list(typing.get_args(t)[:1])
                elif origin is dict:
                    args = typing.get_args(t)
                    if len(args) == 2:
                        nxt.append(args[1])
        candidates = nxt
    keys: list[str] = []
    for tp in candidates:
        for t in _unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                keys += [f.alias or name for name, f in t.model_fields.items()]
    return keys


def problems_from_validation(exc: ValidationError, model: type[BaseModel],
                             locate: typing.Callable[[Loc], tuple[str | None, int | None]],
                             prefix: Loc = ()) -> list[Problem]:
    """Turn every pydantic error into a Problem with file, line, dotted field and a fix."""
    problems = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p and p.endswith("]")))
        # pydantic puts union/tagged-union branch names into loc; keep only real keys/indices
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
        full = prefix + loc
        file, line = locate(full)
        etype = err["type"]
        msg = err["msg"]
        fix = None
        if etype == "extra_forbidden":
            key = str(loc[-1])
            allowed = allowed_keys(model, loc[:-1])
            close = difflib.get_close_matches(key, allowed, n=1)
            msg = f"unknown key '{key}'"
            fix = (f"did you mean '{close[0]}'? " if close else "") + (
                f"allowed keys here: {', '.join(sorted(allowed))}" if allowed else "remove it")
        elif etype == "missing":
            msg = f"required key '{loc[-1]}' is missing"
            fix = f"add '{loc[-1]}:'"
            full = prefix + loc  # line of the parent mapping is the best we have
        elif etype.endswith(("_type", "_parsing")):
            got = err.get("input")
            msg = f"{msg} (got {got!r})"
        elif etype == "value_error":
            msg = msg.removeprefix("Value error, ")
            ctx_fix = (err.get("ctx") or {}).get("error")
            if ctx_fix is not None and hasattr(ctx_fix, "fix"):
                fix = ctx_fix.fix
        elif etype == "literal_error":
            got = err.get("input")
            msg = f"{msg} (got {got!r})"
        problems.append(Problem(msg, file, line, dotted(full) or None, fix))
    return problems
