"""`ixpctl switch build | diff | push`: the peering-LAN switches, from the same inventory.

Exit codes: 0 ok · 1 the inventory has errors (nothing rendered) · 2 bad input (inventory, --limit,
secrets file) · 4 a template refused member text or a platform is missing · 5 a device error
(the report says which switch, which step, and what was rolled back).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..errors import DeployError
from ..switch.build import build_switches, render_switches
from ..switch.credentials import load_secrets_file
from ..switch.limit import parse_limits
from ..switch.platforms import CAPABILITIES
from ..switch.push import DEFAULT_TIMEOUT, PushReport, SwitchResult, run
from .common import Context, console, console_err, json_option, print_json


@click.group()
def switch() -> None:
    """Peering-LAN switch configs: build them, diff them against the devices, push them with NAPALM."""


@switch.command()
@click.option("-o", "--out", "out_dir", default="build", show_default=True, type=click.Path(path_type=Path),
              help="Output directory (configs go to <out>/switch/<name>.cfg).")
@click.option("--switch", "only", multiple=True, help="Build only this switch (repeatable).")
@json_option
@click.pass_obj
def build(ctx: Context, out_dir: Path, only: tuple[str, ...], as_json: bool) -> None:
    """Render one config per switch from the inventory (validated first), written atomically."""
    loaded = ctx.loaded_inventory()
    built = build_switches(loaded, out_dir, None, list(only) or None)
    note = None
    if not loaded.inventory.switches:
        note = "no switches in the inventory: nothing to build (add a switches: list to inventory/ to manage the peering-LAN switches with ixpctl)"
    elif not built:
        note = "no switch matched --switch " + ", ".join(only)
    if as_json:
        print_json({"ok": True, "switches": [b.summary() for b in built], **({"note": note} if note else {})})
        return
    if note:
        console.print(f"[yellow]{escape(note)}[/]")
        return
    for b in built:
        s = b.summary()
        console.print(f"[green]built[/] {escape(s['path'])}: {s['platform']} ({s['napalm_driver']}), "
                      f"{len(s['member_ports'])} member ports, {len(s['shut'])} shut, {s['lines']} lines")
    if built:
        table = Table(title="LAN hygiene enforced per platform", title_justify="left")
        table.add_column("measure")
        platforms = []
        for b in built:
            p = b.rendered.intent.platform
            if p not in platforms:
                platforms.append(p)
                table.add_column(p.name)
        colour = {"enforced": "green", "partial": "yellow", "none": "red", "n/a": "dim"}
        for c in CAPABILITIES:
            cells = [f"[{colour[p.support(c.key).level]}]{p.support(c.key).level}[/]" for p in platforms]
            table.add_row(c.title, *cells)
        console.print(table)


def _common_push_options(f):
    for option in reversed([
        click.option("--limit", "limits", multiple=True, metavar="SWITCH[:PORT]",
                     help="Only this switch, or one member port/LAG on it (repeatable)."),
        click.option("--secrets", type=click.Path(dir_okay=False), default=None,
                     help="Switch credentials file (YAML/JSON; default: $IXPCTL_SWITCH_SECRETS)."),
        click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True, type=click.IntRange(1, 600),
                     help="Connection/command timeout per device, seconds."),
        json_option,
    ]):
        f = option(f)
    return f


def _show_diff(result: SwitchResult) -> None:
    where = f" ({', '.join(result.sections)})" if result.sections else ""
    console.rule(f"{result.switch}{escape(where)}: {result.platform} via {result.driver} @ {escape(result.host)}")
    for line in result.diff.splitlines():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        console.print(f"[{style}]{escape(line)}[/]" if style else escape(line), highlight=False)


def _print_report(report: PushReport) -> None:
    table = Table(title=f"switch {report.mode}", title_justify="left")
    for col in ("switch", "platform", "scope", "status", "diff lines", "rollback", "seconds"):
        table.add_column(col, overflow="fold")
    colour = {"unchanged": "dim", "would-change": "yellow", "changed": "green", "declined": "yellow",
              "failed": "bold red"}
    for r in report.results:
        diff_lines = sum(1 for line in r.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))
        table.add_row(r.switch, r.platform, escape(", ".join(r.sections) if r.sections else "all"),
                      f"[{colour.get(r.status, '')}]{r.status}[/]", str(diff_lines), escape(r.rollback or "-"),
                      str(r.seconds))
    console.print(table)
    for r in report.results:
        for w in r.warnings:
            console_err.print(f"[yellow]warning[/] {escape(w)}")
        if r.error:
            console_err.print(f"[bold red]error[/] {escape(r.error)}")


def _output(report: PushReport, as_json: bool) -> None:
    """JSON on stdout for CI, and device errors on stderr in both modes (never only inside JSON)."""
    if as_json:
        print_json(report.to_json())
        for r in report.results:
            if r.error:
                console_err.print(f"[bold red]error[/] {escape(r.error)}")
    else:
        _print_report(report)
    report.raise_for_failures()


def _prepare(ctx: Context, limits: tuple[str, ...], secrets: str | None):
    loaded = ctx.loaded_inventory()
    rendered = render_switches(loaded)
    parsed = parse_limits(loaded.inventory, limits)
    return rendered, parsed, load_secrets_file(secrets)


@switch.command()
@_common_push_options
@click.pass_obj
def diff(ctx: Context, limits: tuple[str, ...], secrets: str | None, timeout: int, as_json: bool) -> None:
    """Show what a push would change on each switch (load, compare, discard; never commits)."""
    rendered, parsed, secrets_data = _prepare(ctx, limits, secrets)
    report = run(rendered, mode="diff", limits=parsed, secrets=secrets_data, timeout=timeout,
                 on_diff=None if as_json else _show_diff)
    _output(report, as_json)


@switch.command()
@_common_push_options
@click.option("--yes", "-y", is_flag=True, help="Commit without asking (CI); the diff is still printed.")
@click.option("--commit-confirm", "commit_confirm", type=click.IntRange(0, 3600), default=120, show_default=True,
              help="Revert timer in seconds where the driver supports it (EOS, Junos: rounded up to minutes); "
                   "0 = plain commit.")
@click.pass_obj
def push(ctx: Context, limits: tuple[str, ...], secrets: str | None, timeout: int, as_json: bool, yes: bool,
         commit_confirm: int) -> None:
    """Diff, then commit each switch whose diff is not empty; verify; roll back on failure."""
    if not yes and not sys.stdin.isatty():
        raise DeployError("refusing to push without a terminal to confirm on", fix="pass --yes in CI")
    if as_json and not yes:
        raise DeployError("--json needs --yes (there is no one to answer the confirmation)", fix="add --yes")
    rendered, parsed, secrets_data = _prepare(ctx, limits, secrets)

    def confirm(result: SwitchResult) -> bool:
        return yes or click.confirm(f"commit this change to {result.switch}?", default=False)

    report = run(rendered, mode="push", limits=parsed, secrets=secrets_data, timeout=timeout,
                 commit_confirm=commit_confirm or None, confirm=confirm,
                 on_diff=None if as_json else _show_diff)
    _output(report, as_json)


# `switch audit` lives in its own module (it is a command of this group).
from .switch_audit import audit

switch.add_command(audit)
