"""AS-SET names as operators and PeeringDB write them.

Canonical form is ``SOURCE::NAME`` (bgpq4 and IRRd understand it) or a bare ``NAME`` when no source is
given. We accept the other shapes seen in PeeringDB's ``irr_as_set`` field: ``NAME@SOURCE``,
``SOURCE:NAME``, lists separated by spaces, commas, '/' or '&', and plain ``AS<n>``.
"""

from __future__ import annotations

import re

# RPSL set names: AS-FOO, hierarchical AS64496:AS-CUSTOMERS, route-sets RS-FOO, plain AS<n>.
_SET_COMPONENT = r"(?:AS-[A-Z0-9_-]+|RS-[A-Z0-9_-]+|AS\d+)"
_SET_NAME_RE = re.compile(rf"^{_SET_COMPONENT}(?::{_SET_COMPONENT}){{0,4}}$")
_SOURCE_RE = re.compile(r"^[A-Z][A-Z0-9-]{1,31}$")
# The longest AS-SET name (the NAME of SOURCE::NAME, all its hierarchical components) accepted.
# RFC 2622 (sections 2 and 5) defines object and set names by their characters only, with no upper
# length; real names are a few dozen characters. The bound is for bgpq4, which takes the name into
# a fixed-size query buffer: bgpq4 1.9 against IRRd 4.5 hangs from about 251 characters and aborts
# ("buffer overflow detected") from about 260 (measured here; a source qualifier shifts it a little).
# 128 is half of that, far above any real name, so a name over it is an input error before bgpq4 runs.
MAX_AS_SET_NAME = 128


class AsSetNameError(ValueError):
    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.fix = fix


def normalise_as_set(text: str) -> str:
    """One AS-SET token → ``SOURCE::NAME`` or ``NAME`` (upper case). Raises AsSetNameError when malformed."""
    token = text.strip().upper()
    for prefix in ("IPV4:", "IPV6:"):
        token = token.removeprefix(prefix)
    source = None
    if "::" in token:
        source, name = token.split("::", 1)
    elif "@" in token:
        name, source = token.split("@", 1)
    elif re.match(r"^[A-Z][A-Z0-9-]*:AS", token) and not token.startswith(("AS-", "RS-")) \
            and not re.match(r"^AS\d+:", token):
        source, name = token.split(":", 1)
    else:
        name = token
    if len(name) > MAX_AS_SET_NAME:
        raise AsSetNameError(
            f"'{text.strip()[:40]}...' is {len(name)} characters long: an AS-SET name has at most "
            f"{MAX_AS_SET_NAME}",
            fix="write the set's name as it is registered in the IRR (e.g. AS-EXAMPLE or "
                "RIPE::AS64496:AS-CUSTOMERS); no registered set has a name that long")
    if source is not None and not _SOURCE_RE.match(source):
        raise AsSetNameError(f"'{text}': '{source}' is not an IRR source name",
                             fix="write it as SOURCE::AS-NAME, e.g. RIPE::AS-EXAMPLE")
    if not _SET_NAME_RE.match(name):
        raise AsSetNameError(
            f"'{text}' is not a valid AS-SET name",
            fix="AS-SET names look like AS-EXAMPLE, AS64496:AS-CUSTOMERS or RIPE::AS-EXAMPLE "
                "(letters, digits, '-' and '_' only)")
    return f"{source}::{name}" if source else name


# IRR databases PeeringDB accepts as a source prefix (peeringdb_server IRR_SOURCE), plus the
# NONAUTH mirrors; used only to recognise loosely spaced spellings such as "RIPE: AS-FOO".
KNOWN_IRR_SOURCES = frozenset({
    "AFRINIC", "ALTDB", "APNIC", "ARIN", "BELL", "BBOI", "CANARIE", "IDNIC", "JPIRR", "LACNIC", "LEVEL3",
    "NTTCOM", "RADB", "REACH", "RIPE", "TC", "RIPE-NONAUTH", "ARIN-NONAUTH",
})
_SOURCES_ALT = "|".join(sorted((re.escape(s) for s in KNOWN_IRR_SOURCES), key=len, reverse=True))
_SPACED_SOURCE_RE = re.compile(rf"(?<![\w:-])({_SOURCES_ALT}|IPV4|IPV6)\s*(::?)\s+", re.IGNORECASE)
_PAREN_SOURCE_RE = re.compile(rf"([\w:-]+)\s*\(\s*({_SOURCES_ALT})\s*\)", re.IGNORECASE)


def _tidy(field: str) -> str:
    """Undo the spacing people put inside one token: "RIPE: AS-FOO", "AS-FOO @ RIPE", "AS-FOO (RIPE)"."""
    text = re.sub(r"\s*@\s*", "@", field)
    text = re.sub(r"\s*::\s*", "::", text)
    text = _SPACED_SOURCE_RE.sub(lambda m: m.group(1) + m.group(2), text)
    return _PAREN_SOURCE_RE.sub(lambda m: f"{m.group(2)}::{m.group(1)}", text)


def split_irr_as_set(field: str | None) -> tuple[list[str], list[str]]:
    """PeeringDB ``irr_as_set`` → (normalised names, tokens that could not be understood)."""
    if not field:
        return [], []
    names, bad = [], []
    for token in re.split(r"[\s,/&;|]+", _tidy(field.strip())):
        if not token:
            continue
        try:
            name = normalise_as_set(token)
        except AsSetNameError:
            bad.append(token)
            continue
        if name not in names:
            names.append(name)
    return names, bad


def source_and_name(as_set: str) -> tuple[str | None, str]:
    if "::" in as_set:
        source, name = as_set.split("::", 1)
        return source, name
    return None, as_set
