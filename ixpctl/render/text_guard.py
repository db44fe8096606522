"""The escaping guard every renderer shares: a template may print only values known to be safe.

Each daemon's renderer has its own marker class (a string one of its filters produced) and its own
set of characters that would carry syntax; this module holds the logic once: the finalize check
Jinja runs on every ``{{ }}``, and the folding of member text into one safe line of ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ..errors import BuildError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def finalizer(safe: type[str], unsafe: re.Pattern[str], config: str, filter_name: str) -> Callable[[Any], Any]:
    """Jinja's ``finalize``: None prints as nothing, non-strings and ``safe`` strings pass, any other
    string with a character of ``unsafe`` is a template bug and stops the render."""
    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, safe) or not isinstance(value, str):
            return value
        if unsafe.search(value):
            raise BuildError(f"refusing to write {value!r} into {config}: it contains its syntax",
                             fix=f"this is a bug in a template: pass member text through |{filter_name}")
        return value
    return finalize


# Unicode line and paragraph separators and C1 controls: invisible, and some editors break lines there
_WIDE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def fold_text(value: Any, replacements: dict[str, str], limit: int, *, keep_utf8: bool = False) -> str:
    """Member text as one line: control characters as spaces, the daemon's string-ending characters
    replaced; accents folded to ASCII unless ``keep_utf8`` (BIRD strings carry UTF-8 bytes as they
    are: "Université" stays readable in `birdc show protocols all`)."""
    if keep_utf8:
        text = _WIDE_CONTROL.sub(" ", unicodedata.normalize("NFC", str(value)))
    else:
        text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    text = _CONTROL.sub(" ", text)
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text[:limit]


def one_line(value: Any, limit: int) -> str:
    """Text for a comment: control characters (a newline would end it) as spaces."""
    return _CONTROL.sub(" ", str(value))[:limit]
