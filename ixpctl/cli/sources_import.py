"""`ixpctl sources import`: load IRR, RPKI and PeeringDB facts from files into the snapshot."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from ..errors import InputError, SourceError
from .common import Context, json_option, print_json


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    from ..sources.snapshot import parse_iso

    moment = parse_iso(value.replace("Z", "+00:00"))
    if moment is None:
        raise InputError(f"--fetched-at {value!r} is not an ISO-8601 time", fix="write e.g. 2026-12-01T06:00:00Z")
    return moment


@click.command("import")
@click.option("--irr", "irr_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="bgpq4 -j output (one file per query and list) or an RPSL dump (repeatable).")
@click.option("--rpki", "rpki_file", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="rpki-client / Routinator JSON or CSV export of the VRPs.")
@click.option("--peeringdb", "peeringdb_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="JSON dump of the PeeringDB API objects (net, netixlan, poc).")
@click.option("--fetched-at", default=None, help="When the files were made (ISO-8601, default: now): the "
              "provenance's fetch time, which staleness and builds report.")
@json_option
@click.pass_obj
def import_cmd(ctx: Context, irr_files: tuple[Path, ...], rpki_file: Path | None, peeringdb_file: Path | None,
               fetched_at: str | None, as_json: bool) -> None:
    """Load facts from files fetched elsewhere into the snapshot (sources.snapshot_dir), with
    provenance and hashes as `sources refresh` writes them; a source that fails keeps its last
    good data, loudly. Exit 3 when a source failed with no last-good data."""
    from ..sources.file_import import import_files
    from .sources import _irr_options, _print_outcome, _snapshot_dir

    inventory, directory = _snapshot_dir(ctx)
    outcome = import_files(inventory, snapshot_dir=directory, repo_root=ctx.repo_root, irr_files=list(irr_files),
                           rpki_file=rpki_file, peeringdb_file=peeringdb_file,
                           irr_options=_irr_options(ctx, inventory), now=_when(fetched_at))
    if as_json:
        print_json(outcome.to_json())
    else:
        _print_outcome(outcome)
    if not outcome.ok:
        sys.exit(SourceError.exit_code)
