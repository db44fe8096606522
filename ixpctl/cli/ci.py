"""`ixpctl ci`: the one command a CI job runs on every change to the inventory or policy.

validate → facts (pinned snapshot, offline) → build (every route-server config checked with
``bird -p``) → switch render → lab scenarios (``--lab``, root only) → semantic diff against ``--base``.
Each step is timed and reported as pass / fail / warn / skip in one table, and the job ends with one
verdict line that says what to fix. A failed step stops the ones that depend on it, so the first
failure is the one reported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import click
from rich.markup import escape
from rich.table import Table

from ..errors import IxpctlError
from .common import Context, console, json_option, print_json
from .facts import facts_options, load_facts

Status = Literal["pass", "fail", "warn", "skip"]

EXIT_HELP = """Exit codes: 0 every step passed (warnings allowed); otherwise the code of the first failed
step: 1 validation errors, lab scenarios failed, or (with --fail-on-reject) routes accepted today
rejected by the change; 2 unreadable inventory or policy; 3 facts snapshot missing or corrupt; 4 a
generated config rejected by bird -p, or a render error. A missing --base ref skips the diff (said
loudly in the table), it does not fail the job."""


@dataclass
class Step:
    name: str
    status: Status
    detail: str
    seconds: float = 0.0
    fix: str | None = None
    exit_code: int = 0


@dataclass
class CiRun:
    steps: list[Step] = field(default_factory=list)
    diff_markdown: str | None = None
    diff_json: dict[str, Any] | None = None

    @property
    def failed(self) -> Step | None:
        return next((s for s in self.steps if s.status == "fail"), None)

    @property
    def exit_code(self) -> int:
        return self.failed.exit_code if self.failed else 0

    def verdict(self) -> str:
        failed = self.failed
        if failed:
            text = f"FAIL at {failed.name}: {failed.detail}"
            return text + (f" — fix: {failed.fix}" if failed.fix else "")
        warns = [s.name for s in self.steps if s.status == "warn"]
        return "PASS" + (f" with warnings ({', '.join(warns)})" if warns else "")

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.failed is None, "exit_code": self.exit_code, "verdict": self.verdict(),
                "steps": [asdict(s) for s in self.steps], "diff": self.diff_json}

    def markdown(self) -> str:
        icon = {"pass": "✅", "fail": "❌", "warn": "⚠️", "skip": "⏭️"}
        lines = [f"## ixpctl ci: {'PASS' if self.failed is None else 'FAIL'}", "", "| step | result | detail |",
                 "|---|---|---|"]
        for s in self.steps:
            detail = s.detail.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {s.name} | {icon[s.status]} {s.status} | {detail} |")
        lines += ["", f"**{self.verdict()}**", ""]
        if self.diff_markdown:
            lines += [self.diff_markdown]
        return "\n".join(lines) + "\n"


def _timed(run: CiRun, name: str, fn: Callable[[], tuple[Status, str] | tuple[Status, str, str | None]]) -> bool:
    """Run one step; an IxpctlError becomes a failed step with its message, fix and exit code."""
    started = time.monotonic()
    try:
        result = fn()
        status, detail = result[0], result[1]
        fix = result[2] if len(result) > 2 else None
        run.steps.append(Step(name, status, detail, round(time.monotonic() - started, 3), fix,
                              1 if status == "fail" else 0))
    except IxpctlError as err:
        detail = err.message + "".join(f"\n{p.format()}" for p in err.problems[:5])
        if len(err.problems) > 5:
            detail += f"\n... and {len(err.problems) - 5} more (run the step's command locally)"
        run.steps.append(Step(name, "fail", detail, round(time.monotonic() - started, 3), err.fix, err.exit_code))
    return run.steps[-1].status != "fail"


def _not_run(run: CiRun, names: list[str]) -> None:
    for name in names:
        run.steps.append(Step(name, "skip", "not run: an earlier step failed"))


# --- the steps -----------------------------------------------------------------------------------

def step_validate(ctx: Context) -> tuple[Status, str, str | None]:
    from ..analysis.validate import validate

    report = validate(ctx.loaded_inventory(), ctx.loaded_policy())
    if report.errors:
        first = "\n".join(p.format() for p in report.errors[:5])
        return "fail", f"{len(report.errors)} error(s):\n{first}", "run `ixpctl validate` and fix them"
    inv = ctx.loaded_inventory().inventory
    return "pass", (f"{len(inv.members)} members, {len(inv.route_servers)} route servers, "
                    f"{len(report.warnings)} warning(s)"), None


def step_build(ctx: Context, facts, out_dir: Path, bird: str | None) -> tuple[Status, str]:
    from ..build import build

    result = build(ctx.loaded_inventory(), ctx.loaded_policy(), facts, out_dir=out_dir, bird=bird)
    parts = [f"{c.path} ({len(c.intent.sessions)} sessions, {c.lines} lines, bird -p {c.check_seconds:.3f} s)"
             for c in result.configs]
    return "pass", "; ".join(parts) or "no route servers"


def step_switch(ctx: Context, out_dir: Path) -> tuple[Status, str]:
    try:
        from ..switch.build import build_switches
    except ImportError as exc:
        return "skip", f"switch render: not available ({exc})"
    built = build_switches(ctx.loaded_inventory(), out_dir)
    return "pass", ", ".join(str(b.path) for b in built) or "no switches in the inventory"


def step_lab(ctx: Context, lab: bool) -> tuple[Status, str, str | None]:
    if not lab:
        return "skip", "not requested (--lab)", None
    if os.geteuid() != 0:
        return "skip", "the lab needs root (network namespaces)", "run the CI job as root to include it"
    from . import main

    group = main.get_command(click.Context(main), "lab")
    if group is None or not isinstance(group, click.Group) or "test" not in group.commands:
        return "skip", "`ixpctl lab test` is not available in this ixpctl", None
    exe = shutil.which("ixpctl") or str(Path(sys.executable).parent / "ixpctl")
    proc = subprocess.run([exe, "-i", ctx.inventory_path, "-p", ctx.policy_path, "lab", "test", "--json"],
                          capture_output=True, text=True, timeout=3600, check=False)
    try:
        report = json.loads(proc.stdout)
        results = report.get("results", [])
        summary = f"{sum(bool(r.get('ok')) for r in results)}/{len(results)} expectations hold"
    except (ValueError, AttributeError):
        summary = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
    if proc.returncode != 0:
        return "fail", f"lab scenarios failed (exit {proc.returncode}): {summary}", "run `ixpctl lab test` locally"
    return "pass", summary, None


def step_diff(ctx: Context, run: CiRun, base: str | None, facts, fail_on_reject: bool,
              max_lines: int) -> tuple[Status, str, str | None]:
    from .diff import DiffInputs, git_toplevel, has_ref, run_diff

    if not base:
        return "skip", "no --base given", None
    if not has_ref(base, git_toplevel(Path.cwd())):
        return ("skip", f"base ref '{base}' not found in this repository: NO semantic diff",
                "fetch it (`git fetch origin main`; CI checkouts need fetch-depth: 0)")
    result = run_diff(ctx, DiffInputs(base, max_lines=max(2000, max_lines)), facts=facts)
    run.diff_markdown = result.to_markdown(max_lines)
    run.diff_json = result.to_json()
    c = result.counts()
    detail = (f"{c['newly_rejected']} route(s) accepted today rejected, {c['newly_accepted']} newly accepted, "
              f"members +{c['members_added']}/-{c['members_removed']}/~{c['members_changed']}, "
              f"sessions +{c['sessions_added']}/-{c['sessions_removed']}/~{c['sessions_changed']}")
    if result.newly_rejected:
        fix = "check the routes in the diff are meant to be rejected"
        return ("fail" if fail_on_reject else "warn"), detail, fix
    return "pass", detail if result.routing_changed else "no routing change", None


# --- the command ---------------------------------------------------------------------------------

@click.command(epilog=EXIT_HELP)
@click.option("--base", default=None, help="Git ref to diff against (e.g. origin/main); skipped when absent.")
@click.option("-o", "--out", "out_dir", default="build", show_default=True, type=click.Path(path_type=Path),
              help="Where the checked configs are written (CI artifacts).")
@click.option("--markdown", "markdown_file", type=click.Path(path_type=Path), default=None,
              help="Write the summary and the semantic diff as Markdown (a PR/MR comment).")
@click.option("--lab", is_flag=True, help="Also run the lab scenarios (`ixpctl lab test`; root only).")
@click.option("--fail-on-reject", is_flag=True,
              help="Fail (exit 1) when the change rejects routes accepted today; by default that is a warning "
                   "for the reviewer, since tightening a filter on purpose is a normal change.")
@click.option("--bird", default=None, help="bird binary for `bird -p` (default: bird on PATH).")
@click.option("--max-lines", default=200, show_default=True, type=click.IntRange(10, 100000),
              help="Config diff lines per file in the Markdown.")
@facts_options
@json_option
@click.pass_obj
def ci(ctx: Context, base: str | None, out_dir: Path, markdown_file: Path | None, lab: bool, fail_on_reject: bool,
       bird: str | None, max_lines: int, snapshot: Path | None, as_json: bool) -> None:
    """Validate, build and check every config offline from the pinned snapshot, render the switches,
    run the lab (--lab) and diff against --base: one table, one verdict, a non-zero exit on failure."""
    run = CiRun()
    facts_box: dict[str, Any] = {}
    order = ["validate", "facts", "build + bird -p", "switch render", "lab", "semantic diff"]

    def facts_step() -> tuple[Status, str]:
        facts_box["facts"] = load_facts(ctx, snapshot)
        f = facts_box["facts"]
        stale = [w for w in f.warnings]
        detail = (f"{len(f.peeringdb)} networks, {len(f.irr)} IRR expansions, {len(f.vrps)} VRPs"
                  + (f"; {len(stale)} warning(s): {stale[0]}" if stale else ""))
        return ("warn" if stale else "pass"), detail

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("validate", lambda: step_validate(ctx)),
        ("facts", facts_step),
        ("build + bird -p", lambda: step_build(ctx, facts_box["facts"], out_dir, bird)),
        ("switch render", lambda: step_switch(ctx, out_dir)),
        ("lab", lambda: step_lab(ctx, lab)),
        ("semantic diff", lambda: step_diff(ctx, run, base, facts_box["facts"], fail_on_reject, max_lines)),
    ]
    for index, (name, fn) in enumerate(steps):
        if not _timed(run, name, fn):
            _not_run(run, order[index + 1:])
            break
    if markdown_file:
        markdown_file.parent.mkdir(parents=True, exist_ok=True)
        markdown_file.write_text(run.markdown())
    if as_json:
        print_json(run.to_json())
    else:
        print_run(run)
    sys.exit(run.exit_code)


def print_run(run: CiRun) -> None:
    table = Table(title="ixpctl ci", title_justify="left")
    for col in ("step", "result", "time", "detail"):
        table.add_column(col, overflow="fold")
    style = {"pass": "green", "fail": "bold red", "warn": "yellow", "skip": "dim"}
    for s in run.steps:
        detail = escape(s.detail) + (f"\n[dim]fix: {escape(s.fix)}[/]" if s.fix else "")
        table.add_row(s.name, f"[{style[s.status]}]{s.status}[/]", f"{s.seconds:.2f} s", detail)
    console.print(table)
    verdict = run.verdict()
    console.print(f"[{'bold red' if run.failed else 'bold green'}]{escape(verdict)}[/]")
