"""The libyaml fast path for reading YAML: the common, unambiguous case at C speed.

ruamel (``ixpctl.base.yamlio``) is pure Python and slow on large files, so :func:`fast_load` reads
the text with libyaml (PyYAML's C parser) and gives up (:class:`UseSlowPath`) on anything where the
result could differ from ruamel's; callers then load with ruamel, which also words every error.
:class:`Lines` records where each key and item starts, so a fast-loaded file still points errors at
its lines without being parsed again.

Anchors and aliases are never expanded here: any anchor, alias or tag hands the text to ruamel,
where ``yamlio`` caps what aliases may add (an alias bomb is refused with its line). So the cap
holds on both paths without a second implementation of it.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ruamel.yaml.resolver import VersionedResolver

try:  # libyaml is optional: without it every file goes through ruamel
    import yaml as _pyyaml
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _pyyaml = None  # type: ignore[assignment]
    _CParser = None  # type: ignore[assignment,misc]

if TYPE_CHECKING:
    from .yamlio import Loc


# --- what the fast path accepts -------------------------------------------------------------------
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
        """Same answer as :func:`ixpctl.base.yamlio.line_of` on the ruamel node of the same text."""
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
    text ruamel would reject, so the caller can always fall back to
    :func:`ixpctl.base.yamlio.parse_yaml`.
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
