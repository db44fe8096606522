"""Reading operator-owned YAML so that every error can point at a file and a line.

ruamel.yaml's round-trip loader keeps the line of every mapping key and sequence item; we keep the
loaded node next to the plain data so that a pydantic error location such as
``("members", 3, "connections", 0, "ipv4")`` can be turned back into ``inventory/mlix.yml:57``.

ruamel is pure Python and slow on large files, so :func:`fast_load` reads the common, unambiguous
case with libyaml (PyYAML's C parser) and gives up (:class:`UseSlowPath`) on anything where the
result could differ from ruamel's; callers then load with ruamel, which also words every error.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

from ..errors import InputError, Problem

try:  # libyaml is optional: without it every file goes through ruamel
    import yaml as _pyyaml
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _pyyaml = None  # type: ignore[assignment]
    _CParser = None  # type: ignore[assignment,misc]

Loc = tuple[str | int, ...]


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
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
        raise InputError.at(f"invalid YAML: {problem}", path, line, fix=fix) from None
    except YAMLError as exc:
        raise InputError.at(f"invalid YAML: {exc}", path, fix="fix the YAML syntax") from None
    except RecursionError:
        raise InputError.at("invalid YAML: nested too deeply", path) from None
    if node is None:
        raise InputError.at(f"{what} is empty", path,
                            fix="add content, or delete the file if it is not needed")
    if expect is dict and not isinstance(node, dict):
        raise InputError.at(f"{what} must be a mapping of keys to values, found {_kind(node)}", path, 1,
                            fix="start the file with top-level keys such as 'ixp:' or 'members:'")
    return YamlDoc(path, node)


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


# --- fast path: libyaml for the common, unambiguous case -----------------------------------------
#
# libyaml implements YAML 1.1 and ruamel (round-trip) YAML 1.2, and ruamel refuses things libyaml
# accepts (duplicate keys, a tab after a value). So we take only libyaml's *syntax* (events, with
# the raw text of each scalar and its quoting) and resolve plain scalars ourselves with ruamel's own
# YAML 1.2 rules, accepting a small set of results we can build exactly as ruamel + to_plain do.
# Everything else raises UseSlowPath, and the caller loads the file with ruamel as before.


class Lines:
    """Where each key and list item of a fast-loaded document starts: what ruamel's ``lc`` holds,
    recorded from libyaml's marks while reading (0-based, like ruamel's)."""

    __slots__ = ("children", "items", "keys", "line")

    def __init__(self, line: int) -> None:
        self.line = line  # where the mapping or sequence itself starts
        self.keys: dict[Any, int] = {}
        self.items: list[int] = []
        self.children: dict[Any, Lines] = {}  # by key or index, for nested collections

    def line_of(self, loc: Loc) -> int | None:
        """Same answer as :func:`line_of` on the ruamel node of the same text."""
        best: int | None = None
        cur: Lines | None = self
        for key in loc:
            if cur is None:
                break
            if isinstance(key, str) and key in cur.keys:
                best = cur.keys[key] + 1
            elif isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(cur.items):
                best = cur.items[key] + 1
            else:
                if best is None:
                    best = cur.line + 1
                break
            cur = cur.children.get(key)
        return best


class UseSlowPath(Exception):
    """The fast path cannot prove it reads this text exactly as ruamel would: load it with ruamel."""


_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"

# Text we leave to ruamel outright: anything outside printable characters, a tab (a tab after a
# value is an error for ruamel only), a backslash (escape sequences differ between YAML 1.1 and
# 1.2), the YAML 1.1 line breaks NEL/LS/PS, a BOM, and directives (%YAML/%TAG at a line start).
_RISKY_TEXT = re.compile(
    r"[^\n\x20-\x5b\x5d-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|^%",
    re.MULTILINE)
# Inside [...] and {...} the two parsers split plain scalars at ':', '?' and '#' differently, and
# disagree on a ':' that is not followed by a space (libyaml reads ["a":b] as a mapping, ruamel refuses).
_RISKY_IN_FLOW = re.compile("[:?#]")
_TIGHT_COLON = re.compile(":[^ \n]")
# The only non-string plain scalars we build ourselves; other spellings (0x1F, 1_000, 1e3, .inf,
# 0123, full timestamps...) have ruamel-specific constructors and go to ruamel.
_DECIMAL_INT = re.compile("-?(?:0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile("-?(?:0|[1-9][0-9]*)[.][0-9]+")
_DATE = re.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})")

_Table = dict[Any, list[tuple[str, Any]]]


@functools.cache
def _rules_1_2() -> _Table:
    """The implicit resolvers YAML(typ="rt") uses for a document without %YAML: ruamel's own."""
    return VersionedResolver(version=(1, 2)).versioned_resolver


@functools.cache
def _rules_1_1() -> _Table:
    """PyYAML's YAML 1.1 resolvers, only to refuse scalars whose meaning changed between versions."""
    assert _pyyaml is not None
    return _pyyaml.resolver.Resolver.yaml_implicit_resolvers


def _implicit_tag(rules: _Table, value: str) -> str:
    """The tag a plain scalar resolves to, the way both libraries' resolvers look it up."""
    candidates: Iterable[tuple[str, Any]] = rules.get(value[:1], ())  # "" for the empty scalar
    if None in rules:
        candidates = [*candidates, *rules[None]]
    for tag, regexp in candidates:
        if regexp.match(value):
            return str(tag)
    return _STR


def _plain_scalar(value: str, *, is_key: bool, in_flow: bool) -> Any:
    """The value ruamel + to_plain give an untagged plain scalar, or UseSlowPath."""
    if in_flow and _RISKY_IN_FLOW.search(value):
        raise UseSlowPath(f"plain scalar {value!r} inside a flow collection")
    tag = _implicit_tag(_rules_1_2(), value)
    if tag != _implicit_tag(_rules_1_1(), value):
        raise UseSlowPath(f"{value!r} means different things in YAML 1.1 and 1.2")
    if tag == _STR:
        return value
    if is_key:
        raise UseSlowPath(f"mapping key {value!r} is not a string")
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() == "true"  # the 1.2 rule admits only true/false in three casings
    if tag == _INT and _DECIMAL_INT.fullmatch(value):
        return int(value)
    if tag == _FLOAT and _DECIMAL_FLOAT.fullmatch(value):
        return float(value)
    if tag == _TIMESTAMP and (date := _DATE.fullmatch(value)):
        try:  # ruamel builds a datetime.date (an impossible date is its error) and to_plain str()s it
            return datetime.date(*map(int, date.groups())).isoformat()
        except ValueError:
            raise UseSlowPath(f"{value!r} is not a valid date") from None
    raise UseSlowPath(f"plain scalar {value!r} resolves to {tag}")


def _scalar(event: Any, *, is_key: bool, in_flow: bool) -> Any:
    if event.anchor is not None or event.tag is not None:
        raise UseSlowPath("anchor or tag")
    if event.start_mark.line != event.end_mark.line:
        raise UseSlowPath("multi-line scalar")  # line folding and block scalars: leave to ruamel
    if event.style in ("'", '"'):
        return event.value  # a quoted scalar is a string in every YAML version
    if event.style:
        raise UseSlowPath("block scalar")
    return _plain_scalar(event.value, is_key=is_key, in_flow=in_flow)


_NO_KEY: Any = object()  # a mapping frame waiting for its next key


class _Frame:
    """An open mapping or sequence while building."""

    __slots__ = ("container", "flow", "key", "key_end", "lines")

    def __init__(self, container: dict | list, flow: bool, lines: Lines) -> None:
        self.container = container
        self.lines = lines
        self.flow = flow  # opened by '[' or '{' (or a single-pair mapping inside '[...]')
        self.key: Any = _NO_KEY if isinstance(container, dict) else None
        self.key_end = 0  # text index just after the pending key

    def add(self, value: Any, event: Any, child: Lines | None) -> None:
        line = event.start_mark.line
        if self.key is None:
            if child is not None:
                self.lines.children[len(self.container)] = child
            self.container.append(value)  # type: ignore[union-attr]
            self.lines.items.append(line)
        elif self.key is _NO_KEY:
            if value in self.container:
                raise UseSlowPath(f"duplicate key {value!r}")  # ruamel refuses it, with its line
            self.key, self.key_end = value, event.end_mark.index
            self.lines.keys[value] = line
        else:
            if child is not None:
                self.lines.children[self.key] = child
            self.container[self.key] = value  # type: ignore[index]
            self.key = _NO_KEY


def _check_flow_value(text: str, frame: _Frame, event: Any) -> None:
    """Refuse a flow mapping value whose ':' is not followed by a space (from the key to the value)."""
    # +1 so that the character after a ':' right before the value is seen; marks count characters
    if _TIGHT_COLON.search(text, frame.key_end, event.start_mark.index + 1):
        raise UseSlowPath("':' not followed by a space inside a flow collection")


def _build(events: Callable[[], Any], text: str) -> tuple[Any, Lines | None]:
    """Plain data of one document's events, from just after DocumentStart to its last node, and the
    lines of its keys and items (None for a document that is one scalar)."""
    ev = _pyyaml.events  # type: ignore[union-attr]
    stack: list[_Frame] = []
    flow = 0  # how many open collections are flow collections
    while True:
        event = events()
        kind = type(event)
        top = stack[-1] if stack else None
        wants_key = top is not None and top.key is _NO_KEY
        if flow and top is not None and top.key not in (None, _NO_KEY):
            _check_flow_value(text, top, event)
        if kind is ev.ScalarEvent:
            value = _scalar(event, is_key=wants_key, in_flow=flow > 0)
        elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise UseSlowPath("anchor or tag")
            if wants_key:
                raise UseSlowPath("a mapping or sequence used as a key")
            value = {} if kind is ev.MappingStartEvent else []
        elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
            done = stack.pop()
            flow -= done.flow
            if not stack:
                return done.container, done.lines
            continue
        else:
            raise UseSlowPath(f"unexpected {kind.__name__}")  # AliasEvent, mostly
        child = Lines(event.start_mark.line) if isinstance(value, (dict, list)) else None
        if top is not None:
            top.add(value, event, child)  # a collection is filled in place after it is attached
        elif child is None:
            return value, None  # the document is one scalar
        if child is not None:
            stack.append(_Frame(value, bool(event.flow_style), child))
            flow += stack[-1].flow


def fast_load(text: str) -> Any:
    """The plain data ``to_plain(ruamel round-trip load)`` gives for ``text``, read with libyaml.

    Raises UseSlowPath whenever that cannot be guaranteed (see the rules above), including every
    text ruamel would reject, so the caller can always fall back to :func:`parse_yaml`.
    """
    return fast_load_with_lines(text)[0]


def fast_load_with_lines(text: str) -> tuple[Any, Lines | None]:
    """:func:`fast_load`, plus the line of every key and item (what ruamel's ``lc`` would say)."""
    if _CParser is None:
        raise UseSlowPath("PyYAML with libyaml is not installed")
    if _RISKY_TEXT.search(text):
        raise UseSlowPath("characters or directives left to ruamel")
    ev = _pyyaml.events  # type: ignore[union-attr]
    parser = _CParser(text)
    try:
        if type(parser.get_event()) is not ev.StreamStartEvent:
            raise UseSlowPath("no stream start")
        start = parser.get_event()
        if type(start) is not ev.DocumentStartEvent or start.version is not None or start.tags:
            raise UseSlowPath("empty text or a directive")  # ruamel words "is empty" and the rest
        data_and_lines = _build(parser.get_event, text)
        if type(parser.get_event()) is not ev.DocumentEndEvent or \
                type(parser.get_event()) is not ev.StreamEndEvent:
            raise UseSlowPath("more than one document")
        return data_and_lines
    except _pyyaml.YAMLError as exc:  # type: ignore[union-attr]
        raise UseSlowPath(f"libyaml: {exc}") from None
    except RecursionError:
        raise UseSlowPath("nested too deeply") from None
    finally:
        parser.dispose()


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
