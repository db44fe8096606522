"""Member-supplied strings as real member lists hold them, made safe and honest.

Names arrive with tabs, newlines, quotes, ``&``, Windows-1252 bytes in a UTF-8 file and U+FFFD
where a character was already lost upstream. The decisions, the same for every importer:

- undecodable bytes are read as Windows-1252 (the usual leftover) and said so;
- control characters (C0, DEL, C1) become one space, runs of spaces one space, the ends are trimmed;
- quotes, ``&``, ``<`` and non-ASCII letters are kept: the inventory is UTF-8 and every renderer
  escapes what its daemon needs (BIRD strings carry UTF-8);
- a name longer than the inventory allows is cut, an empty one becomes ``AS<n>``.

AS-SET fields keep what bgpq4 can expand: ``AS-FOO`` without a source is kept bare (bgpq4 then
searches the inventory's IRR sources in order), an aut-num (``AS112``) is kept as an aut-num
(bgpq4 expands it to that AS's own routes) unless it is the member's own ASN, which is the default
anyway; route-sets (``RS-FOO``) are kept; tokens that are no IRR name at all are dropped, with a note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..inventory.irr_names import split_irr_as_set

NAME_MAX = 120
DESCRIPTION_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATES = re.compile(r"[\udc80-\udcff]+")


def decode_text(data: bytes) -> tuple[str, bool]:
    """``data`` as text: UTF-8, with any byte that is not UTF-8 read as Windows-1252.

    Returns (text, whether a byte had to be read as Windows-1252)."""
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    if not _SURROGATES.search(text):
        return text, False

    def as_cp1252(match: re.Match[str]) -> str:
        raw = match.group(0).encode("utf-8", errors="surrogateescape")
        return raw.decode("cp1252", errors="replace")

    return _SURROGATES.sub(as_cp1252, text), True


@dataclass(frozen=True)
class Cleaned:
    value: str
    changes: tuple[str, ...]  # what was done, for the note ("control characters replaced", ...)


def clean_text(raw: object, *, limit: int = NAME_MAX, fallback: str = "") -> Cleaned:
    """One member-supplied string, cleaned as the module docstring says."""
    changes: list[str] = []
    text = "" if raw is None else str(raw)
    text = unicodedata.normalize("NFC", text)
    if _CONTROL.search(text):
        changes.append("control characters (tab, newline...) replaced by spaces")
        text = _CONTROL.sub(" ", text)
    if "\ufffd" in text:
        changes.append("it holds U+FFFD: a character was already lost in the source")
    collapsed = re.sub(r" {2,}", " ", text).strip()
    if collapsed != text and not changes:
        changes.append("extra spaces removed")
    text = collapsed
    if len(text) > limit:
        text = text[:limit].rstrip()
        changes.append(f"cut to {limit} characters")
    if not text:
        if fallback:
            changes.append(f"empty: '{fallback}' used")
        text = fallback
    return Cleaned(text, tuple(changes))


@dataclass(frozen=True)
class AsSets:
    names: list[str]
    dropped: list[str]  # tokens that are no IRR name
    own_asn: bool  # the member's own ASN was given as its "AS-SET" (the default: dropped)
    bare: list[str]  # names without an IRR source
    route_sets: list[str]


def clean_as_sets(raw: object, asn: int) -> AsSets:
    """An AS-SET field (one name, several separated by spaces/commas, or a list) → names to expand."""
    tokens = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    dropped: list[str] = []
    own = False
    for token in tokens:
        if token is None:
            continue
        found, bad = split_irr_as_set(clean_text(token, limit=1000).value)
        dropped += bad
        for name in found:
            if name.split("::")[-1] == f"AS{asn}":
                own = True
            elif name not in names:
                names.append(name)
    bare = [n for n in names if "::" not in n]
    route_sets = [n for n in names if n.split("::")[-1].startswith("RS-")]
    return AsSets(names, dropped, own_asn=own, bare=bare, route_sets=route_sets)


def line_index(text: str, key: str) -> list[int]:
    """1-based line of every ``"key":`` in a JSON text, in order: JSON parsers keep no lines, and
    the notes must point into the file the operator has."""
    lines: list[int] = []
    pattern = re.compile(rf'"{re.escape(key)}"\s*:')
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        lines.append(line)
    return lines
