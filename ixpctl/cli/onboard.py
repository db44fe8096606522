"""`ixpctl onboard <ASN>`: add a member from its PeeringDB record, checked, with a welcome pack.

Interactive by default (shows what it found, the checks and the diffs, then asks before writing);
``--yes`` writes without asking, ``--dry-run`` never writes, ``--json`` prints the plan for CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from ..errors import InputError
from ..inventory.asn import parse_asn
from ..onboard import ChecksFailed, OnboardPlan, OnboardRequest, apply, plan
from .common import Context, console, console_err, json_option, print_json

_VERDICT = {"pass": "[green]pass[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]fail[/]"}


@click.command()
@click.argument("asn")
@click.option("--yes", "-y", is_flag=True, help="Write without asking.")
@click.option("--dry-run", is_flag=True, help="Show everything, write nothing.")
@click.option("--offline", is_flag=True,
              help="No network: PeeringDB from the local cache (or the facts snapshot), IRR from the snapshot only.")
@click.option("--refresh-peeringdb", is_flag=True, help="Sync the PeeringDB cache first.")
@click.option("--peeringdb-cache", type=click.Path(path_type=Path), default=None,
              help="PeeringDB cache directory (default: sources.peeringdb.cache_dir).")
@click.option("--snapshot", type=click.Path(path_type=Path), default=None,
              help="Facts snapshot directory (default: sources.snapshot_dir).")
@click.option("--force", is_flag=True, help="Onboard despite a refusal or a failed check (needs --reason).")
@click.option("--reason", default=None, help="Why --force is fine; recorded as a comment on the member.")
@click.option("--name", default=None, help="Member name (default: PeeringDB's).")
@click.option("--as-set", "as_sets", multiple=True, help="AS-SET (repeatable; default: PeeringDB's irr_as_set).")
@click.option("--contact", default=None, help="NOC e-mail (default: PeeringDB's NOC/technical contact).")
@click.option("--lan", default=None, help="Peering LAN (needed when the IXP has several).")
@click.option("--ipv4", default=None, help="IPv4 address (default: PeeringDB's netixlan, else next free).")
@click.option("--ipv6", default=None, help="IPv6 address (default: PeeringDB's netixlan, else next free).")
@click.option("--switch", "switch", default=None, help="Switch to patch the member on (a free port is picked).")
@click.option("--port", default=None, help="Switch port (with --switch; must be free).")
@click.option("--mac", "macs", multiple=True, help="MAC address of the member's router (repeatable).")
@click.option("--md5-env", default=None, help="Environment variable holding the session's MD5 password.")
@click.option("--md5-file", default=None, help="File holding the session's MD5 password.")
@click.option("--status", type=click.Choice(["active", "planned"]), default="active", show_default=True,
              help="planned: recorded without route-server sessions until the port is patched.")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="Inventory file to add the member to (default: the last file with 'members:').")
@click.option("--welcome-dir", type=click.Path(path_type=Path), default=Path("build/welcome"), show_default=True,
              help="Where the welcome pack goes (AS<asn>.{en,fr}.{md,html}).")
@click.option("--bird", default=None, help="bird binary for the `bird -p` check of the configs.")
@json_option
@click.pass_obj
def onboard(ctx: Context, asn: str, yes: bool, dry_run: bool, offline: bool, refresh_peeringdb: bool,
            peeringdb_cache: Path | None, snapshot: Path | None, force: bool, reason: str | None,
            name: str | None, as_sets: tuple[str, ...], contact: str | None, lan: str | None,
            ipv4: str | None, ipv6: str | None, switch: str | None, port: str | None, macs: tuple[str, ...],
            md5_env: str | None, md5_file: str | None, status: str, file: Path | None, welcome_dir: Path,
            bird: str | None, as_json: bool) -> None:
    """Onboard a new member: PeeringDB lookup, pre-flight checks, addresses and port, the inventory
    entry (comments kept), validated and built configs with their diff, and a welcome pack (EN/FR).

    Exit 0 when onboarded (or already onboarded), 1 when refused or a check failed, 2 on bad input,
    3 when PeeringDB or the IRR cannot be read, 4 when BIRD rejects a config. Nothing is written on
    any failure.
    """
    try:
        member_asn = parse_asn(asn)
    except ValueError as exc:
        raise InputError(str(exc), fix="give the member's ASN, e.g. 64507 or AS64507") from None
    if as_json and not (yes or dry_run):
        raise InputError("--json needs --yes (write) or --dry-run (only show): it never asks",
                         fix="add --yes or --dry-run")
    if as_sets:
        from ..inventory.irr_names import AsSetNameError, normalise_as_set
        try:
            as_sets = tuple(normalise_as_set(a) for a in as_sets)
        except AsSetNameError as exc:
            raise InputError(f"--as-set: {exc}", fix="e.g. RIPE::AS-EXAMPLE or AS-EXAMPLE@RIPE") from None
    request = OnboardRequest(
        asn=member_asn, inventory_path=Path(ctx.inventory_path), repo_root=ctx.repo_root, snapshot_dir=snapshot,
        peeringdb_cache=peeringdb_cache, refresh_peeringdb=refresh_peeringdb, offline=offline, force=force,
        reason=reason, name=name, as_sets=list(as_sets), contact=contact, lan=lan, ipv4=ipv4, ipv6=ipv6,
        switch=switch, port=port, macs=list(macs), md5_env=md5_env, md5_file=md5_file, status=status,
        file=file, welcome_dir=welcome_dir, bird=bird)
    lpolicy = ctx.loaded_policy()
    progress = None if as_json else (lambda text: console_err.print(f"[dim]{escape(text)}[/]"))
    try:
        result = plan(request, lpolicy, progress=progress)
    except ChecksFailed as err:
        if as_json:
            print_json({**err.plan.to_json(), "ok": False, "error": err.message})
            sys.exit(err.exit_code)
        show(err.plan)
        raise
    if not as_json:
        show(result)
    write = not dry_run and (yes or _confirm(result))
    if write:
        apply(result)
    if as_json:
        print_json({**result.to_json(), "ok": True, "dry_run": not write})
        return
    _finish(result, write)


def _confirm(result: OnboardPlan) -> bool:
    what = f"AS{result.request.asn} into {result.insertion.path}" if result.insertion else "the welcome pack"
    return click.confirm(f"Write {what}?", default=False, err=True)


def show(result: OnboardPlan) -> None:
    """What PeeringDB says, the allocation, the verdicts and the diffs."""
    rec = result.record
    net = rec.network
    info = Table(title=f"AS{result.request.asn} {escape(result.name)} — from {rec.origin}", title_justify="left",
                 show_header=False)
    info.add_column("field")
    info.add_column("value", overflow="fold")
    if net is not None:
        info.add_row("AS-SET (PeeringDB)", escape(net.irr_as_set or "(none)"))
        info.add_row("max-prefix (PeeringDB)", f"{net.info_prefixes4 or '-'} IPv4 / {net.info_prefixes6 or '-'} IPv6")
        info.add_row("policy", escape(net.policy_general or "-"))
        info.add_row("never via RS", "yes" if net.never_via_route_servers else "no")
        info.add_row("contacts", escape(", ".join(f"{c.role} {c.email}" for c in net.contacts if c.email) or "(none)"))
    for row in rec.netixlan:
        info.add_row("at this IXP", f"{row.ipaddr4 or '-'} / {row.ipaddr6 or '-'}, {row.speed} Mbit/s, "
                     f"is_rs_peer {'yes' if row.is_rs_peer else 'no'}")
    if not rec.netixlan:
        info.add_row("at this IXP", "not registered in PeeringDB")
    for conn in result.connections:
        port = f", {conn.switch} {' '.join(conn.ports)}" if conn.switch else ""
        macs = f", MAC {' '.join(conn.macs)}" if conn.macs else ""
        info.add_row("allocated", f"{conn.ipv4 or '-'} ({conn.ipv4_source or '-'}) / {conn.ipv6 or '-'} "
                     f"({conn.ipv6_source or '-'}){port}{macs}")
    console.print(info)
    checks = Table(title="Pre-flight checks", title_justify="left")
    for col in ("check", "verdict", "why"):
        checks.add_column(col, overflow="fold")
    for c in result.checks:
        why = escape(c.explanation) + "".join(f"\n[dim]{escape(d)}[/]" for d in c.details)
        checks.add_row(c.name, _VERDICT[c.verdict], why)
    console.print(checks)
    for note in result.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    if result.state == "already onboarded":
        console.print(f"AS{result.request.asn} is already onboarded with the same data: the inventory is unchanged")
        return
    if result.inventory_diff:
        console.print(Syntax(result.inventory_diff, "diff", theme="ansi_dark", background_color="default"))
    for name, diff in result.config_diffs.items():
        if diff:
            added = sum(1 for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
            removed = sum(1 for line in diff.splitlines() if line.startswith("-") and not line.startswith("---"))
            console.print(f"[bold]{escape(name)}[/]: +{added} -{removed} lines")
            console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
        else:
            console.print(f"[bold]{escape(name)}[/]: unchanged")


def _finish(result: OnboardPlan, written: bool) -> None:
    if not written:
        console.print("[yellow]nothing written[/] (dry run or not confirmed)")
        return
    for path in result.written:
        console.print(f"[green]wrote[/] {escape(str(path))}")
    if result.state == "new":
        console.print(f"next: review and commit {escape(str(result.insertion.path))}, then `ixpctl build`")
