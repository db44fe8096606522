"""Replace semantics for one member interface on platforms whose merge only adds lines.

IOS, NX-OS and VRP apply a candidate line by line: a static MAC deleted from the inventory, an old
VLAN or a stale ACL rule stays on the device. Before loading the candidate, push.py reads the running
config back, and this module lists, per interface (and per ixpctl ACL on NX-OS and VRP, whose
entries are numbered) the candidate configures, the running lines the candidate no longer has,
negated (``no ...`` / ``undo ...``). Those lines go first in their block of the candidate, so the
diff shows them and the commit removes them before anything else in that interface changes.

Two lines of the candidate are also left out when they are already true, because they could never
match the running config and would keep the diff from ever being empty: ``no shutdown`` for a port
that is up (IOS, VRP), and the rebuild of an IOS ACL the device already holds entry for entry.

A member's own MAC ACL (``IXP-IN-<interface>``, ``switch.intent.acl_name``) is deleted when the
candidate no longer has it — the member left, or moved to another port — and no interface of the
running config or of the candidate still binds it; the deletions come last, after the interfaces
let go of it. Only names of ixpctl's own scheme are touched: an ACL a human made is never removed.

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

from .intent import acl_name

# Removing these could bounce the port, or silently change its role: left alone, reported.
_PROTECTED = re.compile(r"^(shutdown|speed|duplex|negotiation|undo negotiation|channel-group|eth-trunk|mode lacp"
                        r"|switchport mode|switchport$|port link-type)\b")
# Commands that hold one value: a new value replaces the old one, nothing to remove first.
_SINGLE = re.compile(r"^(description|switchport access vlan|switchport trunk allowed vlan"
                     r"|switchport trunk encapsulation|switchport port-security maximum"
                     r"|switchport port-security violation|storm-control \S+ level|port default vlan"
                     r"|port-security max-mac-num|port-security protect-action|broadcast-suppression"
                     r"|multicast-suppression|unicast-suppression|lldp admin-status|rule \d+)\b")


# ixpctl's per-member ACLs as the running config shows them (the name as switch.intent.acl_name makes it).
_MEMBER_ACL = {
    "ios": re.compile(r"^mac access-list extended (IXP-IN-[A-Za-z0-9-]+)$"),
    "nxos": re.compile(r"^mac access-list (IXP-IN-[A-Za-z0-9-]+)$"),
    # VRP prints a named ACL with its type keyword (link) or with the number it gave it
    "huawei_vrp": re.compile(r"^acl name (IXP-IN-[A-Za-z0-9-]+)(?: \S+)?$"),
}
# Where an interface binds a member ACL (the port.j2 templates' lines).
_BINDING = re.compile(r"^(?:mac access-group|mac port access-group|traffic-filter inbound acl name) (IXP-IN-[A-Za-z0-9-]+)\b")


@dataclass
class Pruning:
    candidate: str = ""  # the candidate with the removals first in each block, less `no shutdown`s already true
    removed: dict[str, list[str]] = field(default_factory=dict)  # block → the negated lines added
    kept: list[str] = field(default_factory=list)  # stale lines left on purpose (warnings)
    deleted_acls: list[str] = field(default_factory=list)  # member ACLs no member uses any more (deleted last)


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
    # IOS ACLs are rebuilt by the templates (no sequence numbers); NX-OS and VRP ones are edited in place.
    if dialect == "huawei_vrp":
        return key.startswith("acl name IXP-IN-")
    return dialect == "nxos" and bool(re.match(r"^(ip|ipv6|mac) access-list IXP-", key))


def _negate(line: str, dialect: str) -> str:
    if dialect == "huawei_vrp":
        m = re.match(r"^rule (\d+)\b", line)
        return f"undo rule {m.group(1)}" if m else f"undo {line}"
    m = re.match(r"^(\d+) ", line)  # a numbered ACL entry: `no 40`
    return f"no {m.group(1)}" if m else f"no {line}"


def _single_key(line: str) -> str | None:
    m = _SINGLE.match(line)
    return m.group(0) if m else None


def removals(dialect: str, candidate: str, running: str) -> Pruning:
    """The ``no``/``undo`` lines that make each interface of ``candidate`` equal to it on the device."""
    cand = parse_blocks(candidate)
    run = parse_blocks(running)
    indent = next((m.group(1) for m in re.finditer(r"^(\s+)\S", candidate, re.MULTILINE)), " ")
    out = Pruning()
    for key, wanted in cand.items():
        if not _managed(key, dialect) or key not in run:
            continue
        wanted_set = set(wanted)
        overwritten = {k for k in (_single_key(w) for w in wanted) if k}
        stale = []
        for line in run[key]:
            if line in wanted_set or line.startswith(("no ", "undo ")):
                continue
            if ("undo " if dialect == "huawei_vrp" else "no ") + line in wanted_set:
                continue  # the candidate turns it off itself (`undo shutdown` for a shut port)
            if _PROTECTED.match(line):
                out.kept.append(f"{key}: '{line}' is on the device, not in the candidate; left in place "
                                "(removing it could bounce the port)")
                continue
            if _single_key(line) in overwritten:
                continue
            stale.append(line)
        if stale:
            out.removed[key] = [f"{indent}{_negate(s, dialect)}" for s in stale]
    # The removals go first inside the block itself (one block per interface: diff engines that
    # parse the candidate, like diffplus on VRP, keep only one block of a name).
    lines = []
    done: set[str] = set()
    for line in _drop_same_rebuilds(_drop_true_no_shutdown(dialect, candidate, run), cand, run).splitlines(keepends=True):
        lines.append(line)
        key = line.strip()
        if line.strip() and not line[:1].isspace() and key in out.removed and key not in done:
            done.add(key)
            lines.extend(f"{neg}\n" for neg in out.removed[key])
    deletions = _orphan_acls(dialect, cand, run, out)
    if deletions:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.extend(f"{d}\n" for d in deletions)
    out.candidate = "".join(lines)
    return out


def _orphan_acls(dialect: str, cand: dict[str, list[str]], run: dict[str, list[str]], out: Pruning) -> list[str]:
    """``no mac access-list ...`` / ``undo acl name ...`` for each member ACL of ixpctl's naming
    scheme on the device that the candidate does not configure and nothing binds any more (the
    candidate's interfaces, and the running ones the candidate does not replace)."""
    pattern = _MEMBER_ACL.get(dialect)
    if pattern is None:
        return []
    wanted = {m.group(1) for key in cand if (m := pattern.match(key))}
    # ixpctl's name for a port of this switch, nothing else (an "IXP-IN-TEST" a human made stays)
    ours = {acl_name(key.removeprefix("interface ")) for key in (*cand, *run) if key.startswith("interface ")}
    bound: dict[str, str] = {}
    for key in (*cand, *run):
        if not key.startswith("interface "):
            continue
        # an interface of the candidate keeps only what the candidate configures (its stale lines
        # are removed above); one the candidate does not touch keeps what it has
        for line in cand[key] if key in cand else run[key]:
            if m := _BINDING.match(line):
                bound.setdefault(m.group(1), key)
    deletions = []
    for key in run:
        m = pattern.match(key)
        if m is None or m.group(1) in wanted or m.group(1) not in ours:
            continue
        name = m.group(1)
        if name in bound:
            out.kept.append(f"{key}: no member uses it any more, but {bound[name]} still binds it; left in place")
            continue
        out.deleted_acls.append(name)
        deletions.append(f"undo acl name {name}" if dialect == "huawei_vrp" else f"no {key}")
    return deletions


def _drop_true_no_shutdown(dialect: str, candidate: str, run: dict[str, list[str]]) -> str:
    """IOS and VRP print ``shutdown`` when a port is shut and nothing when it is up: a ``no shutdown``
    (``undo shutdown``) for a port that is already up can never match the running config, and would
    keep the diff from ever being empty. It is left out for ports the device has and are not shut."""
    if dialect not in ("ios", "huawei_vrp"):
        return candidate
    negative = "undo shutdown" if dialect == "huawei_vrp" else "no shutdown"
    out = []
    key = None
    for line in candidate.splitlines(keepends=True):
        if line.strip() and not line[:1].isspace():
            key = line.strip()
        elif (line.strip() == negative and key in run and key.startswith("interface ")
              and "shutdown" not in run[key]):
            continue
        out.append(line)
    return "".join(out)


def _drop_same_rebuilds(candidate: str, cand: dict[str, list[str]], run: dict[str, list[str]]) -> str:
    """IOS ACLs are rebuilt (``no mac access-list extended X`` then the entries: they have no
    sequence numbers to edit in place). When the device already holds exactly those entries, the
    rebuild would change nothing but would still show in every diff (and open a window without the
    filter): it is left out, so an unchanged inventory gives an empty diff and no commit."""
    same = {key[3:] for key in cand if key.startswith("no ") and key[3:] in cand and key[3:] in run
            and run[key[3:]] == cand[key[3:]]}
    if not same:
        return candidate
    out = []
    skipping = False
    for line in candidate.splitlines(keepends=True):
        top = line.strip() and not line[:1].isspace()
        if top:
            key = line.strip()
            skipping = key in same or (key.startswith("no ") and key[3:] in same)
        if not skipping:
            out.append(line)
    return "".join(out)
