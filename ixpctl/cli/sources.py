"""`ixpctl sources`: see, refresh and pin the facts (PeeringDB, IRR, RPKI) a build uses.

Exit codes: 0 ok (also when a failed source fell back to last-good data: the warnings say so),
3 a source failed with no last-good data, or the snapshot is corrupt.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ..errors import SourceError
from ..sources import snapshot as snap
from ..sources.irr import expand_options
from ..sources.snapshot_write import copy_snapshot
from .common import Context, console, console_err, json_option, print_json

_HEALTH_STYLE = {"ok": "green", "stale": "yellow", "missing": "dim", "corrupt": "bold red"}


def _snapshot_dir(ctx: Context) -> tuple[Any, Path]:
    inventory = ctx.loaded_inventory().inventory
    path = Path(inventory.sources.snapshot_dir)
    return inventory, path if path.is_absolute() else ctx.repo_root / path


def _entries_text(entries: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in entries.items()) or "-"


def _size_text(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


@click.group()
def sources() -> None:
    """The facts a build uses: PeeringDB, IRR and RPKI data, pinned in a snapshot directory."""


@sources.command("status")
@json_option
@click.pass_obj
def status_cmd(ctx: Context, as_json: bool) -> None:
    """Age, size and health of each source in the snapshot (inventory: sources.snapshot_dir)."""
    inventory, directory = _snapshot_dir(ctx)
    rows = snap.status(directory, snap.max_ages(inventory.sources))
    rir_row = snap.side_status(directory, "rir", timedelta(hours=inventory.sources.rir.max_age_hours))
    rows += [rir_row] if rir_row else []
    warnings = _manifest_warnings(directory) + _dropped_facts(ctx, directory)
    if as_json:
        print_json({"snapshot_dir": str(directory), "sources": [r.to_json() for r in rows], "warnings": warnings})
    else:
        _print_status(directory, rows, warnings)
    if any(r.health == "corrupt" for r in rows):
        sys.exit(SourceError.exit_code)


def _dropped_facts(ctx: Context, directory: Path) -> list[str]:
    """What builds will leave out of this snapshot under the policy in force (a VRP for 0.0.0.0/0 ...)."""
    from ..policy.facts_floor import dropped_warnings

    try:
        facts = snap.read_snapshot(directory)
    except SourceError:  # the status rows say what is wrong with the files
        return []
    return dropped_warnings(facts, ctx.loaded_policy().policy)


def _manifest_warnings(directory: Path) -> list[str]:
    try:
        return list(snap.read_manifest(directory).get("warnings", []))
    except SourceError:
        return []


def _print_status(directory: Path, rows: list[snap.SourceStatus], warnings: list[str]) -> None:
    table = Table(title=f"Facts snapshot {escape(str(directory))}", title_justify="left")
    for column in ("source", "health", "age", "fetched", "entries", "size", "sha256", "origin"):
        table.add_column(column)
    for r in rows:
        age = snap.human_age(timedelta(seconds=r.age_seconds)) if r.age_seconds is not None else "-"
        style = _HEALTH_STYLE[r.health]
        table.add_row(snap.SOURCE_TITLES[r.source], f"[{style}]{r.health}[/]", age, r.fetched_at or "-",
                      _entries_text(r.entries), _size_text(r.size), escape((r.sha256 or "-")[:12]), escape(r.origin or "-"))
    console.print(table)
    messages = {r.message for r in rows}
    if len(messages) == 1 and rows[0].health in ("missing", "corrupt") and not rows[0].file:
        console.print(f"[{_HEALTH_STYLE[rows[0].health]}]{escape(rows[0].message)}[/]")  # the whole snapshot
        messages = set()
    for r in rows:
        if messages and r.message and r.health != "ok":
            console.print(f"[{_HEALTH_STYLE[r.health]}]{snap.SOURCE_TITLES[r.source]}: {escape(r.message)}[/]")
    for w in warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")


class _RichTask:
    """``progress(text)`` for a fetcher: a step of a bar when the total is known (IRR queries),
    otherwise a spinner whose description shows the fetcher's latest message (PeeringDB sync)."""

    def __init__(self, progress: Progress, description: str, total: int | None) -> None:
        self.progress = progress
        self.description = description
        self.counted = total is not None
        self.task_id = progress.add_task(description, total=total)

    def __call__(self, text: str = "") -> None:
        shown = f"{self.description}: {text}"[:100] if text else self.description
        if self.counted:
            self.progress.update(self.task_id, advance=1, description=shown)
        else:
            self.progress.update(self.task_id, description=shown)


class _RichHooks:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def task(self, source: str, description: str, total: int | None = None) -> Callable[[str], None]:
        return _RichTask(self.progress, description, total)


def _chosen(peeringdb: bool, irr: bool, rpki: bool, all_: bool) -> list[str]:
    if all_:
        return list(snap.SOURCES)
    chosen = [name for name, on in (("peeringdb", peeringdb), ("irr", irr), ("rpki", rpki)) if on]
    if not chosen:
        raise click.UsageError("say what to refresh: --peeringdb, --irr, --rpki, --all or --rir")
    return chosen


@sources.command("refresh")
@click.option("--peeringdb", is_flag=True, help="Sync PeeringDB and look up the members.")
@click.option("--irr", is_flag=True, help="Expand the members' AS-SETs and aut-nums (bgpq4).")
@click.option("--rpki", is_flag=True, help="Load the VRPs (sources.rpki.vrp_file or vrp_url).")
@click.option("--all", "all_", is_flag=True, help="All three sources.")
@click.option("--rir", is_flag=True, help="The RIR statistics of ixp.country (for `ixpctl report`; sources.rir).")
@click.option("--rir-from", metavar="FILE|URL", default=None,
              help="Read the RIR delegated-extended file from here instead of sources.rir (implies --rir).")
@click.option("--accept-empty", is_flag=True,
              help="Accept IRR expansions that became empty (default: keep the last good one, loudly).")
@json_option
@click.pass_obj
def refresh_cmd(ctx: Context, peeringdb: bool, irr: bool, rpki: bool, all_: bool, rir: bool,
                rir_from: str | None, accept_empty: bool, as_json: bool) -> None:
    """Fetch the chosen sources into the snapshot; a failed source keeps its last good data."""
    from ..sources.refresh import refresh

    rir = rir or bool(rir_from)
    others = peeringdb or irr or rpki or all_
    if rir and not others:
        _refresh_rir(ctx, rir_from, as_json)
        return
    if rir and as_json:
        raise click.UsageError("with --json, refresh --rir on its own (one JSON document per command)")
    which = _chosen(peeringdb, irr, rpki, all_)
    inventory, directory = _snapshot_dir(ctx)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console_err, transient=True, disable=as_json) as progress:
        outcome = refresh(inventory, which, snapshot_dir=directory, repo_root=ctx.repo_root,
                          progress=_RichHooks(progress), accept_empty=accept_empty,
                          irr_options=_irr_options(ctx, inventory))
    if as_json:
        print_json(outcome.to_json())
    else:
        _print_outcome(outcome)
    if rir:  # after PeeringDB: the country's PeeringDB view comes from the cache just synced
        _refresh_rir(ctx, rir_from, as_json)
    if not outcome.ok:
        sys.exit(SourceError.exit_code)


def _refresh_rir(ctx: Context, source: str | None, as_json: bool) -> None:
    """RIR statistics are not facts a build uses: no last-good merge, a failure changes nothing."""
    from ..sources import rir

    inventory, directory = _snapshot_dir(ctx)
    pdb, note = _pdb_country(ctx, inventory)
    stats, prov = rir.refresh(inventory.sources.rir, inventory.ixp.country, directory, ctx.repo_root,
                              source=source, peeringdb=pdb)
    counts = stats.counts()
    if as_json:
        print_json({"rir": {"origin": prov.origin, "fetched_at": prov.fetched_at, "sha256": prov.sha256,
                            **prov.detail, **counts}, "snapshot_dir": str(directory),
                    "notes": [note] if note else []})
        return
    if note:
        console_err.print(f"[yellow]note:[/] {escape(note)}")
    console.print(f"[green]refreshed[/] RIR statistics of {stats.country} ({escape(stats.registry)} "
                  f"{escape(stats.serial)}): {counts['asn']:,} ASNs, {counts['ipv4']:,} IPv4 addresses, "
                  f"{counts['ipv6_blocks']:,} IPv6 blocks, from {escape(prov.origin)}")


def _pdb_country(ctx: Context, inventory: Any) -> tuple[tuple[dict, str] | None, str | None]:
    """The country's PeeringDB facilities and networks from the local PeeringDB cache (no network:
    the cache is what `sources refresh --peeringdb` synced); skipped, with a note, without one."""
    from ..sources import peeringdb

    if not inventory.ixp.country:
        return None, None
    path = Path(inventory.sources.peeringdb.cache_dir)
    path = path if path.is_absolute() else ctx.repo_root / path
    try:
        data = peeringdb.country_networks(path, inventory.ixp.country)
        state = peeringdb.read_sync_state(path)
    except SourceError as err:
        return None, f"PeeringDB networks and facilities of the country left out: {err.message}"
    origin = f"{state.origin} (synced {state.last_success})" if state else str(path)
    return (data, origin), None


def _irr_options(ctx: Context, inventory: Any) -> dict[str, Any]:
    """bgpq4 options that follow the policy (``sources.irr.expand_options``)."""
    return expand_options(ctx.loaded_policy().policy, inventory)


def _print_outcome(outcome: Any) -> None:
    for source in outcome.refreshed:
        console.print(f"[green]refreshed[/] {snap.SOURCE_TITLES[source]}: "
                      f"{_entries_text(snap.entry_counts(outcome.facts, source))}")
    for what, why in outcome.failed.items():
        console_err.print(f"[bold red]failed[/] {escape(what)}: {escape(why)}", highlight=False)
    for note in outcome.notes:
        console_err.print(f"[yellow]note:[/] {escape(note)}")
    for w in outcome.facts.warnings:
        console_err.print(f"[yellow]warning:[/] {escape(w)}")
    console.print(f"snapshot written to {escape(str(outcome.snapshot_dir))}")


@sources.command("snapshot")
@click.option("--to", "target", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to copy the current snapshot to (pin a build to it).")
@click.option("--force", is_flag=True, help="Replace a snapshot already in that directory.")
@json_option
@click.pass_obj
def snapshot_cmd(ctx: Context, target: Path, force: bool, as_json: bool) -> None:
    """Copy the current snapshot (after checking its hashes) to DIR, to pin a build to it."""
    _, directory = _snapshot_dir(ctx)
    copy_snapshot(directory, target, overwrite=force)
    manifest = snap.read_manifest(target)
    if as_json:
        print_json({"from": str(directory), "to": str(target), "created_at": manifest.get("created_at"),
                    "sources": {s: e.get("sha256") for s, e in manifest["sources"].items()}})
    else:
        console.print(escape(f"copied the snapshot of {manifest.get('created_at')} from {directory} to {target}"))


def _register_import() -> None:
    """`sources import` lives in cli/sources_import.py (facts from files)."""
    from .sources_import import import_cmd

    sources.add_command(import_cmd, "import")


_register_import()
