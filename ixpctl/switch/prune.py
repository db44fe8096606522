"""Replace semantics for one member interface on platforms whose merge only adds lines.

IOS, NX-OS and VRP apply a candidate line by line: a static MAC deleted from the inventory, an old
VLAN or a stale ACL rule stays on the device. Before loading the candidate, push.py reads the running
config back, and this module lists, per interface (and per member ACL on VRP) the candidate
configures, the running lines the candidate no longer has, negated (``no ...`` / ``undo ...``).
Those lines go in front of the candidate, so the diff shows them and the commit removes them.

What is never removed, because it would bounce the port or change what the port *is* (the candidate
sets the intended value anyway, or a human must decide): ``shutdown``, ``speed``, ``duplex``,
``negotiation``, LAG membership, the switchport mode; and ``no ...`` / ``undo ...`` lines (they turn
a default off; negating them would turn something on that nobody asked for). A removal is also
skipped when the candidate sets the same single-valued command (``description``, ``switchport access
vlan``...): the new value overwrites the old in place, with no window without a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Removing these could bounce the port, or silently change its role: left alone, reported.
_PROTECTED = re.compile(r"^(shutdown|speed|duplex|negotiation|undo negotiation|channel-group|eth-trunk|mode lacp"
                        r"|switchport mode|switchport$|port link-type)\b")
# Commands that hold one value: a new value replaces the old one, nothing to remove first.
_SINGLE = re.compile(r"^(description|switchport access vlan|switchport trunk allowed vlan"
                     r"|switchport trunk encapsulation|switchport port-security maximum"
                     r"|switchport port-security violation|storm-control \S+ level|port default vlan"
                     r"|port-security max-mac-num|port-security protect-action|broadcast-suppression"
                     r"|multicast-suppression|unicast-suppression|lldp admin-status|rule \d+)\b")


@dataclass
class Pruning:
    text: str = ""  # the removal lines, ready to go in front of the candidate ("" = nothing stale)
    removed: dict[str, list[str]] = field(default_factory=dict)  # block → running lines removed
    kept: list[str] = field(default_factory=list)  # stale lines left on purpose (warnings)


def _is_comment(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith(("!", "#")) or s in ("end", "return")


def parse_blocks(text: str) -> dict[str, list[str]]:
    """Top-level line → its indented children (stripped), in order; comments and separators dropped."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        if _is_comment(raw):
            continue
        line = raw.rstrip()
        if line[:1].isspace():
            if current is not None:
                current.append(line.strip())
            continue
        current = blocks.setdefault(line.strip(), [])
    return blocks


def _managed(key: str, dialect: str) -> bool:
    if key.startswith("interface "):
        return True
    # Cisco member ACLs are rebuilt by the templates (`no mac access-list` first); VRP's are edited in place.
    return dialect == "huawei_vrp" and key.startswith("acl name IXP-IN-")


def _negate(line: str, dialect: str) -> str:
    if dialect == "huawei_vrp":
        m = re.match(r"^rule (\d+)\b", line)
        return f"undo rule {m.group(1)}" if m else f"undo {line}"
    return f"no {line}"


def _single_key(line: str) -> str | None:
    m = _SINGLE.match(line)
    return m.group(0) if m else None


def removals(dialect: str, candidate: str, running: str) -> Pruning:
    """The ``no``/``undo`` lines that make each interface of ``candidate`` equal to it on the device."""
    cand = parse_blocks(candidate)
    run = parse_blocks(running)
    indent = next((m.group(1) for m in re.finditer(r"^(\s+)\S", candidate, re.MULTILINE)), " ")
    out = Pruning()
    chunks: list[str] = []
    for key, wanted in cand.items():
        if not _managed(key, dialect) or key not in run:
            continue
        wanted_set = set(wanted)
        overwritten = {k for k in (_single_key(w) for w in wanted) if k}
        stale = []
        for line in run[key]:
            if line in wanted_set or line.startswith(("no ", "undo ")):
                continue
            if _PROTECTED.match(line):
                out.kept.append(f"{key}: '{line}' is on the device, not in the candidate; left in place "
                                "(removing it could bounce the port)")
                continue
            if _single_key(line) in overwritten:
                continue
            stale.append(line)
        if stale:
            out.removed[key] = stale
            chunks.append(key + "\n" + "".join(f"{indent}{_negate(s, dialect)}\n" for s in stale))
    out.text = "".join(chunks)
    return out
