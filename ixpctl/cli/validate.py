"""`ixpctl validate`: load the inventory and policy, run every check, show the IXP at a glance."""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from ..analysis.validate import validate as run_checks
from ..errors import IxpctlError, Problem
from ..inventory.validate import member_counts
from .common import Context, console, console_err, json_option, print_json


def print_problems(problems: list[Problem]) -> None:
    """One block per problem: where (file:line field), what, and how to fix it."""
    for p in sorted(problems, key=lambda p: (p.severity != "error", p.file or "", p.line or 0)):
        mark = "[bold red]error[/]  " if p.severity == "error" else "[yellow]warning[/]"
        console_err.print(f"{mark} [bold]{escape(p.where())}[/]")
        console_err.print(f"        {escape(p.message)}")
        if p.fix:
            console_err.print(f"        [dim]fix: {escape(p.fix)}[/]")


def ixp_summary(inv) -> list[Table]:
    """The IXP at a glance. Every inventory string is escaped: a name such as "[/]" is text, not
    rich markup (which would raise MarkupError)."""
    ixp = inv.ixp
    head = Table.grid(padding=(0, 2))
    head.add_row("[bold]IXP[/]", escape(f"{ixp.name} — {ixp.long_name or ''} ({ixp.city or '?'}, {ixp.country or '?'})"))
    head.add_row("[bold]route servers[/]",
                 f"AS{ixp.rs_asn}: " + ", ".join(f"{rs.name} {rs.ipv4 or ''} {rs.ipv6 or ''}".strip()
                                                 for rs in inv.route_servers))
    head.add_row("[bold]peering LANs[/]", ", ".join(
        f"{lan.name} (VLAN {lan.vlan or 'not set'}) {lan.ipv4 or ''} {lan.ipv6 or ''}".strip() for lan in ixp.lans))
    head.add_row("[bold]switches[/]", ", ".join(f"{s.name} ({s.platform})" for s in inv.switches) or "none")
    counts = member_counts(inv)
    head.add_row("[bold]members[/]", f"{len(inv.members)}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))

    table = Table(title="Members", title_justify="left")
    for col in ("ASN", "name", "status", "AS-SET", "IPv4", "IPv6", "port", "MACs"):
        table.add_column(col, overflow="fold")
    for m in sorted(inv.members, key=lambda m: m.asn):
        as_set = "PeeringDB" if m.as_set_from_peeringdb else (", ".join(m.as_sets) or f"(AS{m.asn})")
        style = {"active": "", "planned": "dim", "disabled": "red"}[m.status]
        for n, c in enumerate(m.connections):
            port = f"{c.switch} {c.lag or ','.join(c.ports)}" if c.switch else "-"
            table.add_row(
                str(m.asn) if n == 0 else "", escape(m.name) if n == 0 else "", m.status if n == 0 else "",
                escape(as_set) if n == 0 else "", str(c.ipv4 or "-"), str(c.ipv6 or "-"), escape(port),
                str(len(c.macs)),
                style=style)
    return [head, table]


def _snapshot_facts(ctx: Context):
    """The pinned facts, for the PeeringDB drift checks; validate still works without them."""
    from ..errors import SourceError
    from ..sources.snapshot import read_snapshot

    directory = ctx.repo_root / ctx.loaded_inventory().inventory.sources.snapshot_dir
    try:
        return read_snapshot(directory) if directory.exists() else None
    except SourceError:
        return None


@click.command()
@json_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@click.option("--quiet", "-q", is_flag=True, help="Only problems, no summary.")
@click.pass_obj
def validate(ctx: Context, as_json: bool, strict: bool, quiet: bool) -> None:
    """Check the inventory and policy for operator mistakes.

    Exit 0 when there are no errors (warnings allowed unless --strict), 1 when checks found errors,
    2 when a file cannot be read or parsed at all.
    """
    try:
        loaded = ctx.loaded_inventory()
        policy = ctx.loaded_policy()
        # malformed member overrides and out-of-range limits are input errors (exit 2), like the files
        report = run_checks(loaded, policy, facts=_snapshot_facts(ctx))
    except IxpctlError as err:
        if as_json:
            problems = err.problems or ([err.located] if getattr(err, "located", None) else [])
            print_json({"ok": False, "fatal": err.message, "problems": [p.to_json() for p in problems]})
            sys.exit(err.exit_code)
        raise
    failed = bool(report.errors) or (strict and bool(report.warnings))
    if as_json:
        inv = loaded.inventory
        print_json({
            "ok": not failed,
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "problems": [p.to_json() for p in report.problems],
            "ixp": inv.ixp.name,
            "members": member_counts(inv),
            "files": [str(f) for f in loaded.sources.files],
        })
    else:
        if not quiet:
            for table in ixp_summary(loaded.inventory):
                console.print(table)
        if report.problems:
            print_problems(report.problems)
        verdict = "[red]FAILED[/]" if failed else "[green]OK[/]"
        console_err.print(f"validate: {verdict} — {len(report.errors)} error(s), {len(report.warnings)} warning(s) "
                          f"in {len(loaded.sources.files)} inventory file(s) and {escape(str(policy.path))}")
    sys.exit(1 if failed else 0)
