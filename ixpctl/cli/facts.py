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
    """The snapshot's facts without those that authorise far too much (policy/facts_floor.py:
    a VRP for 0.0.0.0/0 ...), which leave a DROPPED warning instead."""
    from ..policy.facts_floor import without_short_facts
    from ..sources.snapshot import max_ages, read_snapshot

    inv = ctx.loaded_inventory().inventory
    directory = snapshot or (ctx.repo_root / inv.sources.snapshot_dir)
    facts = read_snapshot(Path(directory), max_ages=max_ages(inv.sources))
    return without_short_facts(facts, ctx.loaded_policy().policy)


def dropped(facts: Facts) -> list[str]:
    """The DROPPED warnings of ``load_facts``, for commands that print only some of the facts' warnings."""
    return [w for w in facts.warnings if w.startswith("DROPPED:")]
