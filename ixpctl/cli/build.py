"""`ixpctl build`: render and check the route-server configs."""

from __future__ import annotations

import gc
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..build import build as run_build
from .common import Context, console, console_err, json_option, print_json
from .facts import facts_options, load_facts


@click.command()
@click.option("--rs", "only", multiple=True, help="Build only this route server (repeatable).")
@click.option("-o", "--out", "out_dir", default="build", show_default=True, type=click.Path(path_type=Path),
              help="Output directory.")
@click.option("--bird", multiple=True, help="bird binary for the `bird -p` check (repeatable, one per target "
              "version; default: a BIRD of each route server's bird_version found here).")
@facts_options
@json_option
@click.pass_obj
def build(ctx: Context, only: tuple[str, ...], out_dir: Path, bird: tuple[str, ...], snapshot: Path | None,
          as_json: bool) -> None:
    """Generate one BIRD config per route server (for its bird_version), check each with `bird -p` of
    that version, write them atomically.

    Exit 0 on success, 1 when the inventory has errors, 2 on unreadable input, 3 when the facts
    snapshot is missing or corrupt, 4 when BIRD rejects a generated config (nothing is written).
    """
    # No cyclic garbage collection in this short-lived process: the facts of a large IXP are ~1.4 M
    # tuples that every full collection walks (~10 % of the build), and a build makes few cycles.
    gc.disable()
    loaded = ctx.loaded_inventory()
    policy = ctx.loaded_policy()
    facts = load_facts(ctx, snapshot)
    result = run_build(loaded, policy, facts, out_dir=out_dir, only=list(only) or None, bird=list(bird))
    if as_json:
        print_json(result.summary())
        return
    summary = result.summary()
    table = Table(title="Members on the route servers", title_justify="left")
    for col in ("ASN", "name", "AS-SET", "sessions", "v4 prefixes", "v6 prefixes", "origins", "max-prefix v4/v6"):
        table.add_column(col, overflow="fold")
    for m in summary["members"]:
        # member names and AS-SETs are operator text, printed as they are (escape: not rich markup)
        table.add_row(str(m["asn"]), escape(m["name"]), escape(", ".join(m["as_sets"])), str(m["sessions"]),
                      str(m["prefixes4"]),
                      str(m["prefixes6"]), str(m["origins"]), f"{m['max_prefix4']}/{m['max_prefix6']}")
    console.print(table)
    for w in summary["warnings"]:
        console_err.print(f"[yellow]warning[/] {escape(w)}", markup=True, highlight=False)
    for c in summary["configs"]:
        demo = " [bold red](DEMO MODE: fictional resources allowed)[/]" if c["demo_mode"] else ""
        console.print(f"[green]built[/] {escape(c['path'])}: {c['sessions']} sessions, {c['prefix_sets']} prefix sets, "
                      f"{c['lines']} lines, {_checked(c)}{demo}")
        if c.get("aspa"):
            console.print(f"  {_aspa(c['aspa'])}")
        for item in c["left_out"]:
            console.print(f"  left out: {escape(item)}")


def _aspa(a: dict) -> str:
    """'ASPA path verification: 6 records (static aspa table); invalid paths tagged 64500:65521:21'."""
    where = "over RTR" if a["source"] == "rtr" else f"{a['records']} records (static aspa table)"
    action = "tagged" if a["invalid"] == "tag" else "rejected"
    return f"ASPA path verification: {where}; invalid paths {action} {a['community']}"


def _checked(c: dict) -> str:
    """'bird -p ok in 0.003 s (BIRD 2.0.12, /usr/sbin/bird)': which binary checked the config."""
    by = c.get("checked_by")
    if c.get("daemon") == "openbgpd":
        return f"bgpd -n ok in {c['bird_check_seconds']} s" + (f" (OpenBGPD {by['version']}, {by['path']})" if by else "")
    if not by:
        return f"for BIRD {c['bird_version']}, not checked"
    return f"bird -p ok in {c['bird_check_seconds']} s (BIRD {by['version']}, {by['path']})"
