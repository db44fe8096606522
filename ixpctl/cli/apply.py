"""`ixpctl apply`: the unattended loop (refresh, build, guard, one route server at a time, notify).

Exit codes: 0 deployed, nothing to deploy, or dry run · 2 bad input (inventory, policy, --approve)
· 3 a source is stale or failed without last-good data (nothing deployed, operator alerted)
· 4 the build failed (nothing deployed) · 5 a deploy failed (that route server rolled back, the
later ones untouched, operator alerted) · 6 the guard rails refused the change (nothing deployed,
operator alerted; `--approve RUN_ID` deploys it).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from .common import Context, console, json_option, print_json


@click.command("apply")
@click.option("--dry-run", is_flag=True, help="Build and judge the change; deploy, send and refresh nothing.")
@click.option("--approve", "approve", metavar="RUN_ID", default=None,
              help="Deploy the change a refused run stopped (only if the change is still the same).")
@click.option("--approved-by", default=None, help="Who approves (default: the user running ixpctl).")
@click.option("--refresh", "refresh", multiple=True, type=click.Choice(["peeringdb", "irr", "rpki"]),
              help="Refresh these sources (repeatable; default: apply.refresh of the inventory).")
@click.option("--no-refresh", is_flag=True, help="Use the snapshot as it is (its staleness is still checked).")
@click.option("--bird", multiple=True, help="bird binary for the build's `bird -p` (as `ixpctl build --bird`).")
@click.option("--allow-demo", is_flag=True, help="Allow a DEMO MODE inventory (lab only).")
@click.option("--history", "show_history", is_flag=True, help="Show the recorded runs and exit.")
@click.option("--limit", default=20, show_default=True, help="With --history: how many runs.")
@json_option
@click.pass_obj
def apply(ctx: Context, dry_run: bool, approve: str | None, approved_by: str | None, refresh: tuple[str, ...],
          no_refresh: bool, bird: tuple[str, ...], allow_demo: bool, show_history: bool, limit: int,
          as_json: bool) -> None:
    """Refresh the sources, build, compare the change with what each route server runs now, refuse
    it when it removes too much (apply.guard), deploy one route server at a time (each verified
    before the next; a failure rolls that one back and stops), e-mail members whose routes became
    filtered or were fixed, alert the operator, and record the run (`--history`).

    Exit 0 ok, 3 stale source, 4 build failed, 5 deploy failed (rolled back), 6 refused by the
    guard rails (approve with --approve RUN_ID)."""
    from ..apply.history import History
    from ..apply.run import Apply, ApplyOptions
    from ..errors import IxpctlError

    loaded = ctx.loaded_inventory()
    settings = loaded.inventory.apply
    if show_history:
        state = Path(settings.state_dir)
        runs = History(state if state.is_absolute() else ctx.repo_root / state).runs(limit)
        if as_json:
            print_json([r.to_json() for r in runs])
        else:
            _print_history(runs)
        return
    log = (lambda m: None) if as_json else (lambda m: console.print(escape(m)))
    opts = ApplyOptions(ctx.repo_root, dry_run=dry_run, approve=approve, approved_by=approved_by,
                        refresh=[] if no_refresh else (list(refresh) or None), bird=list(bird),
                        allow_demo=allow_demo, log=log)
    run = Apply(loaded, ctx.loaded_policy(), opts)
    try:
        record = run.run()
    except IxpctlError:
        if as_json and run.record.finished_at:  # the run was recorded: its record on stdout, the error on stderr
            print_json(run.record.to_json())
        raise
    if as_json:
        print_json(record.to_json())
        return
    for imp in record.impacts:
        console.print(f"{escape(imp['route_server'])}: {len(imp['removed'])} of {imp['accepted_now']} accepted "
                      f"routes would go, {len(imp['fixed'])} filtered would come back, sessions "
                      f"+{len(imp['sessions_added'])} -{len(imp['sessions_removed'])}")
    for rs in record.route_servers:
        console.print(f"{escape(rs['route_server'])}: {escape(rs['status'])}")
    for n in record.notifications:
        who = f"AS{n['asn']}" if n.get("asn") else "members"
        console.print(f"{who}: e-mail {escape(str(n.get('status')))}")
    console.print(f"run {record.run_id}: {escape(record.outcome)}: {escape(record.message)}")


def _print_history(runs) -> None:
    table = Table(title="ixpctl apply runs", title_justify="left")
    for col in ("run id", "outcome", "approved by", "route servers", "e-mails", "message"):
        table.add_column(col, overflow="fold")
    for r in runs:
        table.add_row(r.run_id, r.outcome, escape(r.approved_by or "-"),
                      ", ".join(f"{x['route_server']} {x['status']}" for x in r.route_servers) or "-",
                      str(sum(1 for n in r.notifications if n.get("status") == "sent")), escape(r.message))
    console.print(table)
