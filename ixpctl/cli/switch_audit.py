"""`ixpctl switch audit`: the live peering LAN against the inventory, for humans and for monitoring.

Exit codes: 0 clean · 6 anomalies found (the table / --json says which) · 5 a switch could not be read
(connection or getter failure; anomalies on the other switches are still reported) · 1/2 inventory or
input errors as for every command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..switch.audit import AuditReport
from ..switch.audit_metrics import write_metrics
from ..switch.audit_run import run_audit
from ..switch.build import render_switches
from ..switch.credentials import load_secrets_file
from ..switch.limit import parse_limits
from ..switch.push import DEFAULT_TIMEOUT
from .common import Context, console, console_err, json_option, print_json

EXIT_ANOMALIES = 6
EXIT_UNREADABLE = 5

COLOUR = {"unknown-mac": "bold red", "wrong-port": "bold red", "control-protocol": "yellow",
          "member-port-down": "red", "unassigned-port-up": "bold red", "errors-rising": "yellow"}


@click.command()
@click.option("--limit", "limits", multiple=True, metavar="SWITCH[:PORT]", help="Only this switch or port (repeatable).")
@click.option("--secrets", type=click.Path(dir_okay=False), default=None,
              help="Switch credentials file (YAML/JSON; default: $IXPCTL_SWITCH_SECRETS).")
@click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True, type=click.IntRange(1, 600),
              help="Connection/command timeout per device, seconds.")
@click.option("--listen", "listen", default=0.0, show_default=True, type=click.FloatRange(0, 60),
              help="Linux bridge: listen this many seconds on every port for source MACs, LLDP, STP, CDP.")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Keep the error counters here between runs; a counter that grew is reported.")
@click.option("--metrics", "metrics_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the numbers here in the Prometheus text format (node_exporter textfile collector).")
@json_option
@click.pass_obj
def audit(ctx: Context, limits: tuple[str, ...], secrets: str | None, timeout: int, listen: float,
          state_path: Path | None, metrics_path: Path | None, as_json: bool) -> None:
    """Read each switch's MAC table, LLDP neighbours, port states and error counters, and report what
    the inventory does not explain. Exit 0 clean, 6 anomalies, 5 a switch could not be read."""
    loaded = ctx.loaded_inventory()
    rendered = render_switches(loaded)
    parsed = parse_limits(loaded.inventory, limits)
    report = run_audit(rendered, limits=parsed, secrets=load_secrets_file(secrets), timeout=timeout,
                       listen_seconds=listen, state_path=state_path, keep_live=as_json)
    if metrics_path is not None:
        write_metrics(metrics_path, report)
    if as_json:
        print_json(report.to_json())
    else:
        _print(report)
    for s in report.unreadable:
        console_err.print(f"[bold red]error[/] {escape(s.error or '')}")
    if report.unreadable:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_ANOMALIES if report.findings else 0)


def _print(report: AuditReport) -> None:
    table = Table(title="switch audit", title_justify="left")
    for col in ("switch", "port", "finding", "member", "detail"):
        table.add_column(col, overflow="fold")
    for f in report.findings:
        table.add_row(f.switch, escape(f.port), f"[{COLOUR.get(f.kind, '')}]{f.kind}[/]",
                      f"AS{f.member_asn}" if f.member_asn else "-", escape(f.detail))
    if report.findings:
        console.print(table)
    for s in report.switches:
        if not s.error:
            state = f"[bold red]{len(s.findings)} finding(s)[/]" if s.findings else "[green]clean[/]"
            console.print(f"{s.switch} ({s.platform}): {state}")
        for note in s.notes:
            console.print(f"  [dim]note: {escape(note)}[/]")
