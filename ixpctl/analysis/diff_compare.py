"""Semantic policy diff: what a change to the inventory or policy does to routing, not only to text.

Reviewers of an IXP's configuration repository cannot see from a YAML diff that lowering a max
length, swapping an AS-SET or adding a bogon silently drops a member's routes. Both sides of a
change are built by ``diff_sides`` from the **same** facts snapshot (so only the change itself can
move a verdict); this module compares them on three levels:

- routes: every route of each member's IRR data (both sides' expansions, plus optional routes files)
  evaluated with the route servers' own ``PolicyEngine`` on both sides; a route is reported when its
  verdict (accepted / rejecting check) changes;
- objects: members added, removed, status changes, effective per-member policy and max-prefix
  changes, sessions added/removed/changed, IXP-wide policy changes;
- text: a unified diff of every route-server (and switch) config, trimmed for a PR comment.

The result (``SemanticDiff``) and its JSON and Markdown forms are in ``diff_report``.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict
from typing import Any

from ..inventory.models import Member
from ..policy.evaluate import PolicyEngine
from ..policy.intent import MemberIntent, RouteServerIntent
from ..sources.facts import Facts
from .diff_report import (
    FieldChange,
    MemberChange,
    RouteChange,
    RouteKind,
    SemanticDiff,
    SessionChange,
    TextDiff,
    VerdictSummary,
)
from .diff_sides import SideBuild
from .selfcheck import Announcement, PrefixResult, VrpIndex, irr_announcements, self_check

# --- comparing -----------------------------------------------------------------------------------

def compare(base: SideBuild, head: SideBuild, facts: Facts, *,
            routes: dict[int, list[Announcement]] | None = None, max_lines: int = 2000) -> SemanticDiff:
    """The full semantic diff from ``base`` to ``head`` (both built from ``facts``)."""
    notes = [f"base: {n}" for n in base.notes] + [f"head: {n}" for n in head.notes]
    if base.errors:
        notes.append(f"the base has {len(base.errors)} validation error(s); compared anyway")
    route_changes, evaluated = compare_routes(base, head, facts, routes or {})
    return SemanticDiff(
        base=base.label, head=head.label, routes=route_changes,
        members=compare_members(base, head), sessions=compare_sessions(base, head),
        global_changes=compare_globals(base, head), texts=compare_texts(base, head, max_lines),
        notes=notes, evaluated_routes=evaluated)


def _first_intent(side: SideBuild, asn: int) -> RouteServerIntent | None:
    return next((i for i in side.intents.values() if i.member(asn) is not None), None)


def _member_name(base: SideBuild, head: SideBuild, asn: int) -> str:
    m = head.inventory.member(asn) or base.inventory.member(asn)
    return m.name if m else ""


class _Cache:
    """Per-intent work shared by every member: the VRP index and the fingerprint of the IXP-wide part.

    Without it a 1,000-member diff rebuilt a full VRP tree and re-serialised the VRP list per member."""

    def __init__(self) -> None:
        self.vrps: dict[int, VrpIndex] = {}
        self.globals: dict[int, str] = {}
        self.engines: dict[int, PolicyEngine] = {}

    def vrp_index(self, intent: RouteServerIntent) -> VrpIndex:
        if id(intent) not in self.vrps:
            self.vrps[id(intent)] = VrpIndex(intent.vrps4 + intent.vrps6)
        return self.vrps[id(intent)]

    def global_print(self, intent: RouteServerIntent) -> str:
        if id(intent) not in self.globals:
            glob = {k: getattr(intent, k) for k in ("rs_asn", "lan_prefixes4", "lan_prefixes6", "bogons4", "bogons6",
                                                    "invalid_asn_ranges", "transit_free", "transit_free_action",
                                                    "never_via_rs", "policy", "vrps4", "vrps6")}
            self.globals[id(intent)] = json.dumps(glob, sort_keys=True, default=str)
        return self.globals[id(intent)]

    def engine(self, intent: RouteServerIntent) -> PolicyEngine:
        if id(intent) not in self.engines:
            self.engines[id(intent)] = PolicyEngine(intent)
        return self.engines[id(intent)]


def _announcements(side: SideBuild, facts: Facts, asn: int, cache: _Cache) -> list[Announcement]:
    intent = _first_intent(side, asn)
    if intent is None:
        return []
    return irr_announcements(intent, facts, asn, cache.vrp_index(intent))


def _member_fingerprint(intent: RouteServerIntent, asn: int, cache: _Cache) -> str:
    """Everything the policy engine reads for this member's routes: equal prints, equal verdicts.

    Lets a 1,000-member diff skip members the change does not touch (IRR data and VRPs are the same
    facts on both sides)."""
    member = intent.member(asn)
    if member is None:
        return "absent"
    data = asdict(member)
    for key in ("prefix_set4", "prefix_set6", "blackhole_set4", "blackhole_set6", "black_list4", "black_list6"):
        pset = intent.prefix_set(data[key])
        data[key] = pset.entries if pset else None
    origin = intent.asn_set(member.origin_set)
    data["origin_set"] = origin.asns if origin else None
    if member.origin_set6 is not None:  # per-family AS-SETs: the IPv6 routes' own origins
        origin6 = intent.asn_set(member.origin_set6)
        data["origin_set6"] = origin6.asns if origin6 else None
    data.pop("warnings", None)
    data["name"] = None  # display only
    sessions = [asdict(s) for s in intent.sessions if s.member_asn == asn]
    for s in sessions:
        s.pop("description", None)
    return json.dumps([data, sessions], sort_keys=True, default=str) + cache.global_print(intent)


def _absent_results(anns: list[Announcement], why: str) -> list[PrefixResult]:
    return [PrefixResult(a.prefix, a.path[-1], a.path, False, "no_member", None, why, why,
                         "add the member back (status: active) if this is not intended", None, None,
                         a.origin_assumed) for a in anns]


def _evaluate(side: SideBuild, rs: str, facts: Facts, asn: int, anns: list[Announcement],
              cache: _Cache) -> list[PrefixResult]:
    intent = side.intents[rs]
    if intent.member(asn) is None:
        member = side.inventory.member(asn)
        why = (f"AS{asn} is {member.status}: no route-server session" if member else
               f"AS{asn} is not in the inventory")
        return _absent_results(anns, why)
    return self_check(intent, facts, asn, anns, cache.engine(intent)).results


def _summary(r: PrefixResult) -> VerdictSummary:
    return VerdictSummary(r.accepted, r.check, r.code, r.reason, None if r.accepted else r.fix, list(r.details))


def _kind(before: PrefixResult, after: PrefixResult) -> RouteKind | None:
    if before.accepted and not after.accepted:
        return "newly_rejected"
    if after.accepted and not before.accepted:
        return "newly_accepted"
    if not after.accepted and before.check != after.check:
        return "reason_changed"
    return None


def compare_routes(base: SideBuild, head: SideBuild, facts: Facts,
                   routes: dict[int, list[Announcement]]) -> tuple[list[RouteChange], int]:
    """Routes whose verdict differs between the sides, merged across route servers."""
    shared_rs = [name for name in head.intents if name in base.intents]
    asns = sorted({m.asn for m in base.inventory.members} | {m.asn for m in head.inventory.members})
    cache = _Cache()
    merged: dict[tuple, RouteChange] = {}
    evaluated = 0
    for asn in asns:
        changed_rs = [rs for rs in shared_rs if _member_fingerprint(base.intents[rs], asn, cache)
                      != _member_fingerprint(head.intents[rs], asn, cache)]
        if not changed_rs:
            continue
        anns: dict[tuple, Announcement] = {}
        for ann in (_announcements(base, facts, asn, cache) + _announcements(head, facts, asn, cache)
                    + routes.get(asn, [])):
            anns.setdefault((ann.prefix, tuple(ann.path)), ann)
        ann_list = list(anns.values())
        for rs in changed_rs:
            before = _evaluate(base, rs, facts, asn, ann_list, cache)
            after = _evaluate(head, rs, facts, asn, ann_list, cache)
            evaluated += len(ann_list)
            for b, a in zip(before, after):
                kind = _kind(b, a)
                if kind is None:
                    continue
                key = (asn, b.prefix, tuple(b.path), kind, b.check, a.check)
                if key in merged:
                    merged[key].route_servers.append(rs)
                    continue
                merged[key] = RouteChange(asn, _member_name(base, head, asn), b.prefix, list(b.path),
                                          b.origin_assumed, kind, _summary(b), _summary(a), [rs])
    order = {"newly_rejected": 0, "reason_changed": 1, "newly_accepted": 2}
    out = sorted(merged.values(), key=lambda r: (order[r.kind], r.member_asn, _prefix_key(r.prefix)))
    return out, evaluated


def _prefix_key(prefix: str) -> tuple:
    from ipaddress import ip_network
    net = ip_network(prefix)
    return (net.version, int(net.network_address), net.prefixlen)


# --- members, sessions, IXP-wide -----------------------------------------------------------------

_MEMBER_INTENT_FIELDS = ("as_sets", "enforce_origin", "enforce_prefix", "roas_as_route_objects",
                         "rpki_reject_invalid", "blackhole", "next_hop_policy", "next_hop_authorized", "length4",
                         "length6", "max_path_length", "max_prefix4", "max_prefix6", "max_prefix_source",
                         "limit_action", "restart_after")


def _inventory_view(m: Member) -> dict[str, Any]:
    """What an operator edits about a member, flattened to dotted keys (policy overrides included)."""
    view: dict[str, Any] = {
        "name": m.name, "status": m.status,
        "as_set": m.as_sets if isinstance(m.as_sets, str) else list(m.as_sets),
        "md5": (f"env:{m.md5.env}" if m.md5.env else f"file:{m.md5.file}") if m.md5 else None,
        "addresses": sorted(str(a) for c in m.connections for a in (c.ipv4, c.ipv6) if a is not None),
        "route_server_addresses": sorted(str(a) for c in m.connections if c.route_server
                                         for a in (c.ipv4, c.ipv6) if a is not None),
    }
    view.update({f"policy.{k}": v for k, v in flatten(m.policy).items()})
    return view


def _intent_view(intent: RouteServerIntent, mi: MemberIntent) -> dict[str, Any]:
    view = {f: _plain(getattr(mi, f)) for f in _MEMBER_INTENT_FIELDS}
    p4, p6 = intent.prefix_set(mi.prefix_set4), intent.prefix_set(mi.prefix_set6)
    origins = intent.asn_set(mi.origin_set)
    view["irr_prefixes4"] = len(p4.entries) if p4 else 0
    view["irr_prefixes6"] = len(p6.entries) if p6 else 0
    view["origin_asns"] = sorted(a for a in (origins.asns if origins else []) if a)
    if mi.origin_set6 is not None:  # per-family AS-SETs: origin_asns is IPv4's, this IPv6's
        origins6 = intent.asn_set(mi.origin_set6)
        view["origin_asns6"] = sorted(a for a in (origins6.asns if origins6 else []) if a)
    return view


def _diff_dicts(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    out = []
    for key in list(dict.fromkeys([*before, *after])):
        b, a = before.get(key), after.get(key)
        if b != a:
            out.append(FieldChange(key, b, a))
    return out


def compare_members(base: SideBuild, head: SideBuild) -> list[MemberChange]:
    out: list[MemberChange] = []
    asns = sorted({m.asn for m in base.inventory.members} | {m.asn for m in head.inventory.members})
    for asn in asns:
        b, a = base.inventory.member(asn), head.inventory.member(asn)
        if b is None and a is not None:
            out.append(MemberChange(asn, a.name, "added", None, a.status))
            continue
        if a is None and b is not None:
            out.append(MemberChange(asn, b.name, "removed", b.status, None))
            continue
        assert a is not None and b is not None
        changes = _diff_dicts(_inventory_view(b), _inventory_view(a))
        bi, ai = _first_intent(base, asn), _first_intent(head, asn)
        if bi is not None and ai is not None:
            # the effective values too, except the AS-SET list already shown as the inventory's `as_set`
            said = {c.field for c in changes} | ({"as_sets"} if any(c.field == "as_set" for c in changes) else set())
            changes += [c for c in _diff_dicts(_intent_view(bi, bi.member(asn)), _intent_view(ai, ai.member(asn)))
                        if c.field not in said]
        if changes:
            out.append(MemberChange(asn, a.name, "changed", b.status, a.status, changes))
    return out


_SESSION_FIELDS = ("neighbor", "local_address", "import_limit", "limit_action", "md5_env", "md5_file", "passive",
                   "role", "extended_next_hop", "add_path_tx", "bfd", "ttl_security", "hold_time",
                   "keepalive_time", "next_hop_allowed", "description")


def compare_sessions(base: SideBuild, head: SideBuild) -> list[SessionChange]:
    out: list[SessionChange] = []
    for rs in list(dict.fromkeys([*base.intents, *head.intents])):
        bs = {s.name: s for s in base.intents[rs].sessions} if rs in base.intents else {}
        hs = {s.name: s for s in head.intents[rs].sessions} if rs in head.intents else {}
        for name in sorted(set(bs) | set(hs), key=lambda n: (n.split("_")[0], n)):
            b, a = bs.get(name), hs.get(name)
            if b is None:
                out.append(SessionChange(rs, name, a.member_asn, "added", neighbor=a.neighbor))
            elif a is None:
                out.append(SessionChange(rs, name, b.member_asn, "removed", neighbor=b.neighbor))
            else:
                changes = _diff_dicts({f: _plain(getattr(b, f)) for f in _SESSION_FIELDS},
                                      {f: _plain(getattr(a, f)) for f in _SESSION_FIELDS})
                if changes:
                    out.append(SessionChange(rs, name, a.member_asn, "changed", changes, a.neighbor))
    return out


def _set_change(name: str, before: list, after: list) -> list[FieldChange]:
    b, a = set(map(_plain_item, before)), set(map(_plain_item, after))
    out = []
    if a - b:
        out.append(FieldChange(f"{name} added", None, sorted(a - b, key=str)))
    if b - a:
        out.append(FieldChange(f"{name} removed", sorted(b - a, key=str), None))
    return out


def compare_globals(base: SideBuild, head: SideBuild) -> list[FieldChange]:
    """IXP-wide changes: policy knobs, bogons, special lists, route servers themselves."""
    out: list[FieldChange] = []
    out += _set_change("route servers", list(base.intents), list(head.intents))
    for rs in head.intents:
        if rs in base.intents:
            b, a = base.intents[rs], head.intents[rs]
            for f in ("router_id", "rs_asn", "bird_version"):
                if getattr(b, f) != getattr(a, f):
                    out.append(FieldChange(f"{rs}.{f}", getattr(b, f), getattr(a, f)))
    b = next(iter(base.intents.values()), None)
    a = next(iter(head.intents.values()), None)
    if b is None or a is None:
        return out
    out += [FieldChange(f"policy.{c.field}", c.before, c.after)
            for c in _diff_dicts(flatten(b.policy), flatten(a.policy))]
    for name in ("bogons4", "bogons6", "lan_prefixes4", "lan_prefixes6", "invalid_asn_ranges", "transit_free",
                 "never_via_rs"):
        out += _set_change(name, getattr(b, name), getattr(a, name))
    if (b.fictional is None) != (a.fictional is None):
        out.append(FieldChange("fictional_resources (DEMO MODE)", b.fictional is not None, a.fictional is not None))
    return out


# --- text ----------------------------------------------------------------------------------------

_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _common_ends(a: list[str], b: list[str]) -> tuple[int, int]:
    """Lengths of the common head and tail of two line lists (never overlapping)."""
    limit = min(len(a), len(b))
    head = 0
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def _shift_hunk(line: str, offset: int) -> str:
    match = _HUNK.match(line)
    if not match or offset == 0:
        return line
    a_start, a_len, b_start, b_len = match.groups()
    a_start = int(a_start) + offset if int(a_start) or a_len != ",0" else offset
    b_start = int(b_start) + offset if int(b_start) or b_len != ",0" else offset
    return f"@@ -{a_start}{a_len or ''} +{b_start}{b_len or ''} @@" + line[match.end():]


def unified(before: str | None, after: str | None, name: str, max_lines: int) -> tuple[list[str], int, int, int]:
    """(trimmed unified diff lines, lines added, lines removed, diff lines left out).

    difflib is quadratic on the repetitive lines of a large config (minutes at 1,000 members), so the
    common head and tail are cut off first and only the changed middle (plus context) is compared.
    """
    a, b = (before or "").splitlines(), (after or "").splitlines()
    head, tail = _common_ends(a, b)
    start = max(0, head - 3)
    a_mid, b_mid = a[start:len(a) - max(0, tail - 3)], b[start:len(b) - max(0, tail - 3)]
    lines = [_shift_hunk(line, start) for line in difflib.unified_diff(
        a_mid, b_mid, fromfile=f"a/{name}" if before is not None else "/dev/null",
        tofile=f"b/{name}" if after is not None else "/dev/null", lineterm="", n=3)]
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    cut = max(0, len(lines) - max_lines)
    return lines[:max_lines], added, removed, cut


def compare_texts(base: SideBuild, head: SideBuild, max_lines: int) -> list[TextDiff]:
    out: list[TextDiff] = []
    for name in list(dict.fromkeys([*base.configs, *head.configs])):
        lines, add, rem, cut = unified(base.configs.get(name), head.configs.get(name), f"{name}.conf", max_lines)
        out.append(TextDiff("route-server", name, add, rem, lines, cut))
    if base.switch_configs is not None and head.switch_configs is not None:
        for name in list(dict.fromkeys([*base.switch_configs, *head.switch_configs])):
            lines, add, rem, cut = unified(base.switch_configs.get(name), head.switch_configs.get(name),
                                           f"switch/{name}.cfg", max_lines)
            out.append(TextDiff("switch", name, add, rem, lines, cut))
    return out


# --- helpers -------------------------------------------------------------------------------------

def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys, so a policy change reads ``irr.enforce_prefix: true → false``."""
    if not isinstance(data, dict):
        return {prefix: _plain(data)} if prefix else {}
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, path))
        else:
            out[path] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _plain_item(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


__all__ = ["compare", "compare_globals", "compare_members", "compare_routes", "compare_sessions",
           "compare_texts", "flatten", "unified"]
