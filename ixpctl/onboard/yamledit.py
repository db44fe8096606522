"""Add a member to an operator-owned inventory file without touching a byte of anything else.

Why text insertion guided by ruamel.yaml rather than a full round-trip dump: ruamel keeps comments,
but a full dump can still re-indent, re-wrap long lines or re-quote scalars elsewhere in the file,
and the git diff of an onboarding must show the new member and nothing else. So ruamel's round-trip
loader tells us where the ``members:`` list is and how its items are indented, ruamel dumps the new
block in that style, the block is spliced into the original text, and the result is parsed again
with the round-trip loader to prove the list grew by exactly that member.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..base.yamlio import load_yaml, to_plain
from ..errors import InputError
from ..inventory.loader import inventory_files
from .model import ConnectionPlan


@dataclass(frozen=True)
class Insertion:
    """Where the new member goes: the file, its original text and the text with the member added."""

    path: Path
    before: str
    after: str


def member_files(inventory_path: Path) -> list[Path]:
    """Inventory files that have a top-level ``members:`` key, in load order."""
    out = []
    for path in inventory_files(Path(inventory_path)):
        doc = load_yaml(path, what="inventory file")
        if "members" in doc.node:
            out.append(path)
    return out


def choose_file(inventory_path: Path, explicit: Path | None = None) -> Path:
    """``--file`` when given (it must belong to the inventory), else the last file with ``members:``.

    The last one, because the loader concatenates member lists in file order: appending there keeps
    the new member last, the order ``ixpctl validate`` and the configs show.
    """
    files = inventory_files(Path(inventory_path))
    if explicit is not None:
        explicit = Path(explicit)
        root = Path(inventory_path)
        inside = root.is_dir() and explicit.resolve().is_relative_to(root.resolve())
        if explicit.resolve() not in {f.resolve() for f in files} and not (inside and explicit.suffix in (".yml", ".yaml")):
            raise InputError.at("--file is not part of the inventory", explicit,
                                fix=f"give one of: {', '.join(str(f) for f in files)}, or a new .yml file "
                                    f"inside {root}/ when the inventory is a directory")
        return explicit
    with_members = member_files(inventory_path)
    if with_members:
        return with_members[-1]
    for path in files:
        if "ixp" in load_yaml(path, what="inventory file").node:
            return path
    return files[0]


def member_mapping(asn: int, name: str, *, as_sets: list[str], contact: str | None,
                   connections: list[ConnectionPlan], md5_env: str | None = None,
                   md5_file: str | None = None, joined: date | None = None,
                   status: str = "active") -> CommentedMap:
    """The new member as ruamel nodes, in the key order and flow style of the MLIX example."""
    member = CommentedMap()
    member["asn"] = asn
    member["name"] = name
    if status != "active":
        member["status"] = status
    if as_sets:
        member["as_set"] = as_sets[0] if len(as_sets) == 1 else _flow(as_sets)
    if contact:
        member["contact"] = contact
    if md5_env:
        member["md5"] = _flow_map({"env": md5_env})
    elif md5_file:
        member["md5"] = _flow_map({"file": md5_file})
    if joined is not None:
        member["joined"] = joined
    conns = CommentedSeq()
    for plan in connections:
        conn = CommentedMap()
        for key in ("ipv4", "ipv6", "switch"):
            if getattr(plan, key):
                conn[key] = getattr(plan, key)
        if plan.ports:
            conn["ports"] = _flow(plan.ports)
        if plan.speed:
            conn["speed"] = plan.speed
        if plan.macs:
            conn["macs"] = _flow([DoubleQuotedScalarString(m) for m in plan.macs])
        if not plan.route_server:
            conn["route_server"] = False
        conns.append(conn)
    member["connections"] = conns
    return member


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _flow_map(items: dict[str, Any]) -> CommentedMap:
    node = CommentedMap(items)
    node.fa.set_flow_style()
    return node


def render_block(member: CommentedMap, *, indent: int, comments: list[str]) -> str:
    """The member as a YAML list item indented by ``indent`` columns, comments on top."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never wrap: one key per line, like a human writes it
    buf = io.StringIO()
    yaml.dump([member], buf)
    pad = " " * indent
    lines = [pad + "# " + c if c else pad + "#" for comment in comments for c in comment.splitlines()]
    lines += [pad + line.removeprefix("  ") if line.strip() else "" for line in buf.getvalue().splitlines()]
    return "\n".join(lines) + "\n"


def _item_indent(text_lines: list[str], seq: CommentedSeq) -> int:
    """Column of the '-' of the list's items (2 in the MLIX example)."""
    if len(seq):
        line_no = seq.lc.item(len(seq) - 1)[0]
        line = text_lines[line_no]
        dash = line.find("-")
        if dash >= 0 and line[:dash].strip() == "":
            return dash
        return max(0, seq.lc.item(len(seq) - 1)[1] - 2)
    return 2


def _end_of_members(text_lines: list[str], node: CommentedMap) -> int:
    """Index of the first line after the members list (before the next top-level key's comments)."""
    keys = list(node.keys())
    after = keys[keys.index("members") + 1:] if "members" in keys else []
    end = node.lc.key(after[0])[0] if after else len(text_lines)
    while end > 0 and (not text_lines[end - 1].strip() or
                       (text_lines[end - 1].startswith("#") and after)):
        end -= 1  # blank lines and column-0 comments just above the next key belong to it
    return end


def insert_member(path: Path, member: CommentedMap, *, comments: list[str]) -> Insertion:
    """The file's text with ``member`` appended to its ``members:`` list (created when absent)."""
    path = Path(path)
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    node = load_yaml(path, what="inventory file").node if before.strip() else CommentedMap()
    lines = before.splitlines(keepends=True)
    seq = node.get("members")
    if "members" not in node:
        block = render_block(member, indent=2, comments=comments)
        sep = "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
        after = before + sep + "members:\n" + block
    elif seq is None or (isinstance(seq, CommentedSeq) and not len(seq)):
        key_line = node.lc.key("members")[0]
        lines[key_line] = "members:\n"  # "members:" or "members: []" → a block list
        block = render_block(member, indent=2, comments=comments)
        after = "".join(lines[:key_line + 1]) + block + "".join(lines[key_line + 1:])
    elif isinstance(seq, CommentedSeq):
        plain_lines = before.splitlines()
        if seq.fa.flow_style():
            raise InputError.at("the members list is written in flow style ([...]); cannot append safely",
                                path, node.lc.key("members")[0] + 1, "members",
                                fix="write it as a block list ('- asn: ...' items), or use --file")
        indent = _item_indent(plain_lines, seq)
        end = _end_of_members(plain_lines, node)
        block = render_block(member, indent=indent, comments=comments)
        head = "".join(lines[:end])
        if head and not head.endswith("\n"):
            head += "\n"
        after = head + "\n" + block + "".join(lines[end:])
    else:
        raise InputError.at("'members' is not a list", path, node.lc.key("members")[0] + 1, "members",
                            fix="write 'members:' followed by '- asn: ...' items")
    _verify(path, before, after, member)
    return Insertion(path, before, after)


def _verify(path: Path, before: str, after: str, member: CommentedMap) -> None:
    """Parse the new text again: the members list must be the old one plus exactly ``member``."""
    yaml = YAML(typ="rt")
    old = to_plain((yaml.load(before) or {}).get("members") or []) if before.strip() else []
    new = to_plain(YAML(typ="rt").load(after).get("members") or [])
    if new[:-1] != old or new[-1] != to_plain(member):
        raise InputError.at("internal error: inserting the member would change other entries", path,
                            fix="report this as an ixpctl bug; add the member by hand meanwhile")


def remove_ruamel(value: Any) -> Any:
    """Plain data of a ruamel node (for JSON output)."""
    return to_plain(value)
