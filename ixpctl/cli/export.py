"""`ixpctl export ...`: data for others, generated from the same inventory as the configs.

``ixpctl export ixf`` writes the Euro-IX IX-F member list (schema 1.0, or 0.7), which PeeringDB's
IX-F importer and IXPDB read to learn who is connected and who peers with the route servers.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from ..base.fsutil import write_atomic
from .common import Context, console_err
from .facts import facts_options, load_facts


@click.group()
def export() -> None:
    """Export the IXP's data in formats other tools read (IX-F member list)."""


@export.command("ixf")
@click.option("--version", "version", type=click.Choice(["1.0", "0.7"]), default="1.0", show_default=True,
              help="IX-F member list schema version.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Write to this file (atomically) instead of stdout.")
@facts_options
@click.pass_obj
def ixf(ctx: Context, version: str, output: Path | None, snapshot: Path | None) -> None:
    """Write the Euro-IX IX-F member list JSON from the inventory and the PeeringDB facts.

    max_prefix is the limit the route servers apply (inventory, else PeeringDB + headroom, else the
    policy default); url and peering_policy come from PeeringDB. Set SOURCE_DATE_EPOCH for a
    reproducible timestamp. Exit 0 on success, 2 on unreadable input, 3 when the snapshot is missing.
    """
    from ..publish.ixf import export_warnings, member_list

    loaded = ctx.loaded_inventory()
    facts = load_facts(ctx, snapshot)
    doc = member_list(loaded.inventory, facts, ctx.loaded_policy(), version=version)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    for warning in export_warnings(loaded.inventory):
        console_err.print(f"[yellow]warning[/] {escape(warning)}", markup=True)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomic(output, text)
    console_err.print(f"wrote {escape(str(output))}: IX-F {version}, {len(doc['member_list'])} member entries")
