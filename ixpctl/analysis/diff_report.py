"""Semantic diff, the result: what a change does, as plain data, and its two written forms.

``SemanticDiff`` holds the routes whose verdict changes, the members, sessions and IXP-wide policy
that change, and the trimmed diff of every config text (computed by ``diff_compare``);
``SemanticDiff.to_json`` is the form for CI and :func:`render_markdown` the pull-request comment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

RouteKind = Literal["newly_rejected", "newly_accepted", "reason_changed"]


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any

    def text(self) -> str:
        return f"{self.field}: {_show(self.before)} → {_show(self.after)}"


@dataclass
class VerdictSummary:
    accepted: bool
    check: str | None
    code: int | None
    reason: str | None
    fix: str | None = None
    details: list[str] = field(default_factory=list)

    def text(self) -> str:
        if self.accepted:
            return "accepted"
        return f"rejected ({self.check})" if self.check else "rejected"


@dataclass
class RouteChange:
    member_asn: int
    member_name: str
    prefix: str
    path: list[int]
    origin_assumed: bool
    kind: RouteKind
    before: VerdictSummary
    after: VerdictSummary
    route_servers: list[str]


@dataclass
class MemberChange:
    asn: int
    name: str
    kind: Literal["added", "removed", "changed"]
    status_before: str | None
    status_after: str | None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class SessionChange:
    route_server: str
    session: str
    member_asn: int
    kind: Literal["added", "removed", "changed"]
    changes: list[FieldChange] = field(default_factory=list)
    neighbor: str | None = None


@dataclass
class TextDiff:
    kind: Literal["route-server", "switch"]
    name: str
    added: int
    removed: int
    lines: list[str]  # unified diff, trimmed
    truncated: int  # diff lines left out

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass
class SemanticDiff:
    base: str
    head: str
    routes: list[RouteChange]
    members: list[MemberChange]
    sessions: list[SessionChange]
    global_changes: list[FieldChange]
    texts: list[TextDiff]
    notes: list[str] = field(default_factory=list)
    evaluated_routes: int = 0

    @property
    def newly_rejected(self) -> list[RouteChange]:
        return [r for r in self.routes if r.kind == "newly_rejected"]

    @property
    def routing_changed(self) -> bool:
        return bool(self.routes or self.sessions or any(m.kind != "changed" or m.changes for m in self.members)
                    or self.global_changes)

    @property
    def exit_code(self) -> int:
        """0: nothing a member announces today is rejected after the change; 1: something is."""
        return 1 if self.newly_rejected else 0

    def counts(self) -> dict[str, int]:
        kinds = [r.kind for r in self.routes]
        return {
            "newly_rejected": kinds.count("newly_rejected"), "newly_accepted": kinds.count("newly_accepted"),
            "reason_changed": kinds.count("reason_changed"), "evaluated_routes": self.evaluated_routes,
            "members_added": sum(m.kind == "added" for m in self.members),
            "members_removed": sum(m.kind == "removed" for m in self.members),
            "members_changed": sum(m.kind == "changed" for m in self.members),
            "sessions_added": sum(s.kind == "added" for s in self.sessions),
            "sessions_removed": sum(s.kind == "removed" for s in self.sessions),
            "sessions_changed": sum(s.kind == "changed" for s in self.sessions),
            "global_changes": len(self.global_changes),
            "configs_changed": sum(t.changed for t in self.texts),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base, "head": self.head, "exit_code": self.exit_code,
            "routing_changed": self.routing_changed, "counts": self.counts(),
            "routes": [asdict(r) for r in self.routes],
            "members": [asdict(m) for m in self.members],
            "sessions": [asdict(s) for s in self.sessions],
            "global_changes": [asdict(g) for g in self.global_changes],
            "texts": [asdict(t) for t in self.texts],
            "notes": self.notes,
        }

    def to_markdown(self, max_lines: int = 200) -> str:
        return render_markdown(self, max_lines)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in value):
            return ", ".join(f"{v[0]}-{v[1]}" for v in value)
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- Markdown (PR / MR comment) ------------------------------------------------------------------

def _md(text: Any) -> str:
    """Table-cell safe text: member names and reasons must not break the table or inject HTML."""
    s = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return s.replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _fence(lines: list[str]) -> str:
    """A code fence longer than any backtick run in the content (a comment in a config could hold one)."""
    ticks = 3
    joined = "\n".join(lines)
    while "`" * ticks in joined:
        ticks += 1
    return "`" * ticks


def _md_summary(diff: SemanticDiff) -> list[str]:
    c = diff.counts()
    if diff.newly_rejected:
        head = (f"> [!WARNING]\n> **{c['newly_rejected']} route(s) members announce today would be rejected "
                "after this change.** Check they are meant to be.")
    elif diff.routing_changed:
        head = "**No route accepted today is rejected after this change.**"
    else:
        head = "**No routing change.**"
    configs = ", ".join(f"`{_md(t.name)}` +{t.added} −{t.removed}" for t in diff.texts if t.changed)
    return [
        head, "", "| | |", "|---|---|",
        (f"| routes | {c['newly_rejected']} newly rejected, {c['newly_accepted']} newly accepted, "
         f"{c['reason_changed']} reject reason changed ({c['evaluated_routes']} evaluated) |"),
        f"| members | {c['members_added']} added, {c['members_removed']} removed, {c['members_changed']} changed |",
        (f"| sessions | {c['sessions_added']} added, {c['sessions_removed']} removed, "
         f"{c['sessions_changed']} changed |"),
        f"| IXP-wide policy | {c['global_changes']} change(s) |",
        f"| configs | {configs or 'unchanged'} |", "",
    ]


def _md_routes(diff: SemanticDiff) -> list[str]:
    if not diff.routes:
        return []
    out = ["### Routes whose verdict changes", "",
           "| member | prefix | AS path | before | after | why / fix | route servers |",
           "|---|---|---|---|---|---|---|"]
    mark = {"newly_rejected": "❌ ", "newly_accepted": "✅ ", "reason_changed": "↔️ "}
    for r in diff.routes:
        why = (r.after if not r.after.accepted else r.before).reason or ""
        if not r.after.accepted and r.after.fix:
            why += f" — fix: {r.after.fix}"
        if r.after.details:
            why += " (" + "; ".join(r.after.details) + ")"
        path = " ".join(map(str, r.path)) + (" *(origin assumed)*" if r.origin_assumed else "")
        out.append(f"| AS{r.member_asn} {_md(r.member_name)} | `{r.prefix}` | {path} | {r.before.text()} | "
                   f"{mark[r.kind]}{r.after.text()} | {_md(why)} | {', '.join(r.route_servers)} |")
    return [*out, ""]


def _md_members(diff: SemanticDiff) -> list[str]:
    if not diff.members:
        return []
    out = ["### Members", ""]
    for m in diff.members:
        line = f"- **AS{m.asn} {_md(m.name)}** {m.kind}"
        if m.kind == "added":
            line += f" (status {m.status_after})"
        if m.kind == "removed":
            line += f" (was {m.status_before})"
        out.append(line)
        out += [f"  - `{_md(ch.field)}`: {_md(_show(ch.before))} → {_md(_show(ch.after))}" for ch in m.changes]
    return [*out, ""]


def _md_sessions_and_globals(diff: SemanticDiff) -> list[str]:
    out: list[str] = []
    if diff.sessions:
        out += ["### Sessions", "", "| route server | session | neighbor | change |", "|---|---|---|---|"]
        for s in diff.sessions:
            what = s.kind if s.kind != "changed" else "; ".join(_md(ch.text()) for ch in s.changes)
            out.append(f"| {s.route_server} | `{s.session}` | {s.neighbor or ''} | {what} |")
        out.append("")
    if diff.global_changes:
        out += ["### IXP-wide", ""]
        out += [f"- `{_md(g.field)}`: {_md(_show(g.before))} → {_md(_show(g.after))}" for g in diff.global_changes]
        out.append("")
    return out


def _md_texts(diff: SemanticDiff, max_lines: int) -> list[str]:
    changed = [t for t in diff.texts if t.changed]
    if not changed:
        return []
    out = ["### Config text", ""]
    for t in changed:
        lines = t.lines[:max_lines]
        cut = t.truncated + (len(t.lines) - len(lines))
        fence = _fence(lines)
        out += [f"<details><summary>{t.kind} <code>{_md(t.name)}</code> (+{t.added} −{t.removed})</summary>", "",
                f"{fence}diff", *lines, fence]
        if cut:
            out.append(f"*… {cut} more diff line(s) left out; run `ixpctl diff` locally for all of them.*")
        out += ["", "</details>", ""]
    return out


def render_markdown(diff: SemanticDiff, max_lines: int = 200) -> str:
    """The report as a pull-request comment: verdict first, then routes, objects, and the text last."""
    out = [f"## ixpctl diff: `{_md(diff.base)}` → `{_md(diff.head)}`", ""]
    out += _md_summary(diff) + _md_routes(diff) + _md_members(diff) + _md_sessions_and_globals(diff)
    out += _md_texts(diff, max_lines)
    out += [f"- note: {_md(note)}" for note in diff.notes]
    out += ["", ("<sub>Generated by ixpctl from the same facts snapshot on both sides; MD5 secrets are never "
                 "rendered into this diff.</sub>")]
    return "\n".join(out) + "\n"

__all__ = ["FieldChange", "MemberChange", "RouteChange", "RouteKind", "SemanticDiff", "SessionChange",
           "TextDiff", "VerdictSummary", "render_markdown"]
