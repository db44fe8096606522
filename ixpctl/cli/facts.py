"""Where commands get their facts from: the pinned snapshot of the inventory, or --snapshot DIR."""

from __future__ import annotations

from pathlib import Path

import click

from ..sources.facts import Facts
from .common import Context

facts_options = click.option(
    "--snapshot", type=click.Path(path_type=Path), default=None,
    help="Facts snapshot directory (default: sources.snapshot_dir of the inventory). Builds are offline.")


def load_facts(ctx: Context, snapshot: Path | None) -> Facts:
    from ..sources.snapshot import max_ages, read_snapshot

    inv = ctx.loaded_inventory().inventory
    directory = snapshot or (ctx.repo_root / inv.sources.snapshot_dir)
    return read_snapshot(Path(directory), max_ages=max_ages(inv.sources))
