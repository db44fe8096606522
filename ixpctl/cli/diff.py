"""`ixpctl diff <git-ref>`: what a change does to routing, for reviewers of a pull request.

The other side is taken from git with ``git archive`` (only the inventory, the policy directory and
``templates/``) into a temporary directory that is always removed; the repository itself (index,
worktrees, HEAD) is never touched, so the command is safe to run in CI and on a dirty checkout.
Both sides are built with this ixpctl's code from the same facts snapshot.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..analysis.diff_compare import compare
from ..analysis.diff_report import SemanticDiff
from ..analysis.diff_sides import build_side
from ..analysis.selfcheck import Announcement, read_announcements
from ..errors import InputError
from ..sources.facts import Facts
from .common import Context, console, console_err, json_option, print_json
from .facts import facts_options, load_facts

EXIT_HELP = """Exit codes: 0 nothing a member announces today is rejected after the change (there may be
other changes: new routes, sessions, text); 1 at least one route accepted today is rejected after the
change, or a member carrying routes is removed or disabled; 2 bad input (unknown git ref, inventory
or policy unreadable, or the working tree's inventory has validation errors); 3 facts snapshot
missing or corrupt."""


# --- git -----------------------------------------------------------------------------------------

def _git(args: list[str], cwd: Path, *, binary: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=not binary, timeout=120, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed", fix="apt-get install git") from None


def git_toplevel(cwd: Path) -> Path:
    proc = _git(["rev-parse", "--show-toplevel"], cwd)
    if proc.returncode != 0:
        raise InputError(f"{cwd} is not inside a git repository: `ixpctl diff` compares with a git ref",
                         fix="run it from the IXP's configuration repository")
    return Path(proc.stdout.strip()).resolve()


def resolve_ref(ref: str, top: Path) -> str:
    """The commit id of ``ref``; a clear error (with the fetch to run) when the repo lacks it."""
    if not ref or ref.startswith("-"):
        raise InputError(f"'{ref}' is not a git ref", fix="give a branch, tag or commit, e.g. origin/main")
    proc = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    if proc.returncode != 0:
        raise InputError(f"git ref '{ref}' not found in {top}",
                         fix="fetch it first (e.g. `git fetch origin main`; CI checkouts need fetch-depth: 0)")
    return proc.stdout.strip()


def has_ref(ref: str, top: Path) -> bool:
    try:
        resolve_ref(ref, top)
    except InputError:
        return False
    return True


def _exists_at(commit: str, rel: str, top: Path) -> bool:
    return _git(["cat-file", "-e", f"{commit}:{rel}"], top).returncode == 0


@contextlib.contextmanager
def materialise(commit: str, paths: list[str], top: Path) -> Iterator[Path]:
    """Extract ``paths`` (those that exist at ``commit``) into a temp dir; removed on exit, always."""
    tmp = Path(tempfile.mkdtemp(prefix="ixpctl-diff-"))
    try:
        wanted = [p for p in dict.fromkeys(paths) if _exists_at(commit, p, top)]
        if wanted:
            proc = _git(["archive", "--format=tar", commit, "--", *wanted], top, binary=True)
            if proc.returncode != 0:
                raise InputError(f"git archive {commit[:12]} failed: "
                                 f"{proc.stderr.decode(errors='replace').strip()}")
            with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
                tar.extractall(tmp, filter="data")  # refuses absolute paths, '..' and device files
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _relative(path: str | Path, top: Path, what: str) -> str:
    full = Path(path).resolve()
    try:
        rel = full.relative_to(top)
    except ValueError:
        raise InputError(f"the {what} {path} is outside the git repository {top}",
                         fix=f"keep the {what} in the repository so its history can be compared") from None
    return rel.as_posix() or "."


@contextlib.contextmanager
def templates_from(directory: Path | None) -> Iterator[None]:
    """Render with another ``templates/`` tree (the base ref's) for the duration of the block.

    The renderers look templates up through ``ixpctl.base.paths.templates_dir`` imported by name; we swap
    that name in the modules that use it and restore it on exit. TODO(paths): a ``templates_dir``
    override in ixpctl/base/paths.py would make this swap unnecessary.
    """
    if directory is None:
        yield
        return
    import importlib

    patched = []
    for name in ("ixpctl.render.bird", "ixpctl.switch.render"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "templates_dir"):
            patched.append((module, module.templates_dir))
            module.templates_dir = lambda d=directory: d
    try:
        yield
    finally:
        for module, original in patched:
            module.templates_dir = original


# --- building the sides --------------------------------------------------------------------------

@dataclass
class DiffInputs:
    ref: str
    snapshot: Path | None = None
    routes: tuple[str, ...] = ()
    switches: bool = True
    max_lines: int = 2000


def parse_routes_options(items: tuple[str, ...]) -> dict[int, list[Announcement]]:
    """``--routes ASN:FILE`` → announcements per member (the `ixpctl check --from-file` format)."""
    from ..inventory.asn import parse_asn

    out: dict[int, list[Announcement]] = {}
    for item in items:
        asn_text, sep, file = item.partition(":")
        if not sep or not file:
            raise InputError(f"--routes '{item}' is not ASN:FILE", fix="e.g. --routes 64496:routes/as64496.txt")
        try:
            asn = parse_asn(asn_text)
        except ValueError as exc:
            raise InputError(f"--routes '{item}': {exc}", fix="e.g. --routes 64496:routes/as64496.txt") from None
        out.setdefault(asn, []).extend(read_announcements(Path(file), asn))
    return out


def run_diff(ctx: Context, inputs: DiffInputs, facts: Facts | None = None) -> SemanticDiff:
    """Build the working tree and ``inputs.ref`` from the same facts and compare them."""
    from ..base.paths import templates_dir
    from ..inventory import load_inventory
    from ..policy.loader import load_policy

    cwd = Path.cwd()
    top = git_toplevel(cwd)
    commit = resolve_ref(inputs.ref, top)
    head_loaded, head_policy = ctx.loaded_inventory(), ctx.loaded_policy()
    facts = facts if facts is not None else load_facts(ctx, inputs.snapshot)
    head = build_side(head_loaded, head_policy, facts, "working tree", base_dir=cwd, switches=inputs.switches)
    if head.errors:
        # exit 2 (bad input), not 1: 1 is reserved for "routes accepted today would be rejected"
        raise InputError(f"the working tree's inventory has {len(head.errors)} error(s): no diff",
                         problems=head.errors, fix="run `ixpctl validate` and fix them first")

    inv_rel = _relative(ctx.inventory_path, top, "inventory")
    pol_rel = _relative(ctx.policy_path, top, "policy")
    pol_dir = Path(pol_rel).parent.as_posix()
    repo_templates = None
    try:
        repo_templates = _relative(templates_dir(), top, "templates")
    except (InputError, FileNotFoundError):
        pass  # ixpctl's templates are not part of this repository: both sides use the installed ones
    label = f"{inputs.ref} ({commit[:12]})"
    with materialise(commit, [inv_rel, pol_dir if pol_dir != "." else pol_rel,
                              *([repo_templates] if repo_templates else [])], top) as tmp:
        if not (tmp / inv_rel).exists():
            raise InputError(f"{inv_rel} does not exist at {inputs.ref}: nothing to compare with",
                             fix="compare with a ref that has the inventory (e.g. the base branch)")
        if not (tmp / pol_rel).exists():
            raise InputError(f"{pol_rel} does not exist at {inputs.ref}", fix="compare with a ref that has the policy")
        try:
            base_loaded = load_inventory(tmp / inv_rel)
            base_policy = load_policy(tmp / pol_rel)
        except InputError as err:
            raise InputError(f"the inventory or policy at {inputs.ref} does not load: {err.message}",
                             problems=err.problems, fix="compare with another ref") from None
        base_tpl = tmp / repo_templates if repo_templates and (tmp / repo_templates).is_dir() else None
        try:
            with templates_from(base_tpl):
                base = build_side(base_loaded, base_policy, facts, label, base_dir=cwd, switches=inputs.switches)
        except Exception as exc:  # the ref's templates may not match this ixpctl's code
            if base_tpl is None:
                raise
            base = build_side(base_loaded, base_policy, facts, label, base_dir=cwd, switches=inputs.switches)
            base.notes.append(f"{inputs.ref}'s templates did not render with this ixpctl "
                              f"({type(exc).__name__}: {exc}); the base was rendered with the working tree's")
    return compare(base, head, facts, routes=parse_routes_options(inputs.routes), max_lines=inputs.max_lines)


# --- the command ---------------------------------------------------------------------------------

@click.command(epilog=EXIT_HELP)
@click.argument("ref")
@click.option("--markdown", "markdown_file", type=click.Path(path_type=Path), default=None,
              help="Also write the report as Markdown (a pull-request comment) to this file.")
@click.option("--routes", "routes", multiple=True, metavar="ASN:FILE",
              help="Also evaluate these routes of a member ('prefix [origin] [path...]' lines or a birdc dump).")
@click.option("--no-switch", "no_switch", is_flag=True, help="Leave the switch configs out of the text diff.")
@click.option("--max-lines", default=200, show_default=True, type=click.IntRange(10, 100000),
              help="Diff lines shown per config (Markdown and terminal).")
@facts_options
@json_option
@click.pass_obj
def diff(ctx: Context, ref: str, markdown_file: Path | None, routes: tuple[str, ...], no_switch: bool,
         max_lines: int, snapshot: Path | None, as_json: bool) -> None:
    """Compare the working tree with git REF (e.g. origin/main): config text, and per member which
    prefixes become accepted or rejected and why, sessions and max-prefix changes.

    Both sides are built from the same facts snapshot (the working tree's, or --snapshot), so only the
    change itself can move a verdict. Routes evaluated: every route of each member's IRR data on either
    side, plus --routes files.
    """
    result = run_diff(ctx, DiffInputs(ref, snapshot, routes, not no_switch, max(max_lines, 2000)))
    if markdown_file:
        markdown_file.parent.mkdir(parents=True, exist_ok=True)
        markdown_file.write_text(result.to_markdown(max_lines))
    if as_json:
        print_json(result.to_json())
    else:
        print_diff(result, max_lines)
    sys.exit(result.exit_code)


def print_diff(result: SemanticDiff, max_lines: int) -> None:
    c = result.counts()
    console.print(f"[bold]ixpctl diff[/] {escape(result.base)} → {escape(result.head)}")
    for t in result.texts:
        if not t.changed:
            continue
        console.print(f"\n[bold]{t.kind} {escape(t.name)}[/] (+{t.added} −{t.removed})")
        for line in t.lines[:max_lines]:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            console.print(f"[{style}]{escape(line)}[/]")
        cut = t.truncated + max(0, len(t.lines) - max_lines)
        if cut:
            console.print(f"[dim]… {cut} more line(s) (--max-lines)[/]")
    if result.routes:
        table = Table(title="Routes whose verdict changes", title_justify="left")
        for col in ("member", "prefix", "AS path", "before", "after", "why / fix", "RS"):
            table.add_column(col, overflow="fold")
        for r in result.routes:
            style = {"newly_rejected": "red", "newly_accepted": "green", "reason_changed": "yellow"}[r.kind]
            why = r.after.reason or r.before.reason or ""
            if not r.after.accepted and r.after.fix:
                why += f"\n[dim]{escape(r.after.fix)}[/]"
            table.add_row(f"AS{r.member_asn} {escape(r.member_name)}", r.prefix, " ".join(map(str, r.path)),
                          r.before.text(), f"[{style}]{r.after.text()}[/]", why, ", ".join(r.route_servers))
        console.print(table)
    for m in result.members:
        console.print(f"member AS{m.asn} {escape(m.name)}: {m.kind}"
                      + "".join(f"\n  {escape(ch.text())}" for ch in m.changes))
    for s in result.sessions:
        console.print(f"session {s.route_server}/{s.session}: {s.kind}"
                      + "".join(f"\n  {escape(ch.text())}" for ch in s.changes))
    for g in result.global_changes:
        console.print(f"IXP-wide {escape(g.text())}")
    for note in result.notes:
        console_err.print(f"[dim]note: {escape(note)}[/]")
    verdict = (f"[bold red]{c['newly_rejected']} route(s) accepted today would be rejected[/]"
               if result.newly_rejected else
               "[green]no route accepted today is rejected[/]" if result.routing_changed else "[green]no routing change[/]")
    console.print(f"\n{verdict}: {c['newly_accepted']} newly accepted, {c['reason_changed']} reason changed, "
                  f"{c['members_added']}/{c['members_removed']}/{c['members_changed']} members added/removed/changed, "
                  f"{c['sessions_added']}/{c['sessions_removed']}/{c['sessions_changed']} sessions "
                  f"added/removed/changed ({c['evaluated_routes']} route evaluations)")
