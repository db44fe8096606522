"""Set values in the policy file by editing its text, so every comment, alignment and flow mapping
of the documented policy stays exactly as it is and the diff shows the imported values only.

Why not a ruamel round-trip dump: it rewrites ``null`` as nothing, re-aligns flow mappings and
moves comments: the policy file is the IXP's published policy, read line by line in review. A key
whose value does not sit on its own line (a block mapping) or is missing is set through ruamel
instead, and the result is parsed again to prove every value is the one asked for.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..base.yamlio import parse_yaml, to_plain

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:/-]*$")
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "~"}


def flow(value: Any) -> str:
    """``value`` as a one-line YAML flow value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    text = str(value)
    return text if _PLAIN.match(text) and text.lower() not in _WORDS else json.dumps(text, ensure_ascii=False)


def _lookup(node: Any, dotted: str) -> tuple[CommentedMap | None, str]:
    *heads, last = dotted.split(".")
    for head in heads:
        if not isinstance(node, CommentedMap) or head not in node:
            return None, last
        node = node[head]
    return (node if isinstance(node, CommentedMap) and last in node else None), last


def set_values(text: str, path: Path, values: dict[str, Any], dump) -> str:
    """``text`` with each dotted key set to its value; ``dump`` is the ruamel fallback's dumper."""
    node = parse_yaml(text, path).node
    lines = text.splitlines(keepends=True)
    fallback: dict[str, Any] = {}
    for dotted, value in values.items():
        parent, key = _lookup(node, dotted)
        current = parent[key] if parent is not None else None
        block = isinstance(current, CommentedMap | CommentedSeq) and not current.fa.flow_style()
        if parent is None or block:
            fallback[dotted] = value
            continue
        row = parent.lc.key(key)[0]
        match = re.match(rf"^(?P<head>\s*{re.escape(key)}:\s*)(?P<val>.*?)(?P<tail>\s+#.*)?(?P<nl>\r?\n?)$",
                         lines[row])
        if match is None:
            fallback[dotted] = value
            continue
        head, old, tail = match["head"], match["val"], match["tail"] or ""
        new = flow(value)
        if tail:
            column = len(head) + len(old) + len(tail) - len(tail.lstrip())
            tail = " " * max(1, column - len(head) - len(new)) + tail.lstrip()
        lines[row] = head + new + tail + match["nl"]
    result = "".join(lines)
    if fallback:
        tree = parse_yaml(result, path).node
        for dotted, value in fallback.items():
            *heads, last = dotted.split(".")
            target = tree
            for part in heads:
                if part not in target or not isinstance(target[part], dict):
                    target[part] = CommentedMap()
                target = target[part]
            target[last] = value
        result = dump(tree)
    check = to_plain(parse_yaml(result, path).node)
    for dotted, value in values.items():
        got: Any = check
        for part in dotted.split("."):
            got = got.get(part) if isinstance(got, dict) else None
        if json.dumps(got, default=str, sort_keys=True) != json.dumps(value, default=str, sort_keys=True):
            raise ValueError(f"policy edit of {dotted} did not hold: {got!r} != {value!r}")  # a bug
    return result
