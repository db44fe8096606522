"""`ixpctl import ixf|arouteserver|peeringdb`: bring an existing IXP's inventory in.

Each subcommand reads its source, prints the notes (every decision, with file and line), the diff
of what it would write and any conflict with hand edits, then writes DIR/inventory and
DIR/policies — only when the result validates (``importers/write.py``). ``--dry-run`` stops after
the diff.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.markup import escape

from ..errors import IxpctlError, Report
from ..importers.model import Imported
from .common import console, console_err, json_option, print_json

out_option = click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
                          help="Repository directory to write: DIR/inventory/, DIR/policies/.")
dry_run_option = click.option("--dry-run", is_flag=True, help="Show the notes and the diff; write nothing.")
overwrite_option = click.option("--overwrite", is_flag=True,
                                help="On a re-import, take the source's value where you also changed it.")
rs_option = click.option("--route-server", "route_servers", multiple=True, metavar="NAME=ADDR[,ADDR]",
                         help="A route server and its LAN addresses (repeatable); default: from the source.")
names_option = click.option("--names-from", "names_cache", type=click.Path(path_type=Path, file_okay=False),
                            default=None, metavar="PEERINGDB_CACHE",
                            help="Name unnamed members from this local PeeringDB cache (see `import peeringdb`).")
rs_asn_option = click.option("--rs-asn", type=int, default=None, help="The route servers' ASN (default: from the source).")


def _check(inventory: Path, policy: Path, base_dir: Path) -> Report:
    """What `ixpctl validate` checks beyond the inventory (policy overrides, next hops, versions)."""
    from ..analysis.validate import validate
    from ..inventory import load_inventory
    from ..policy.loader import load_policy

    return validate(load_inventory(inventory), load_policy(policy), base_dir=base_dir)


def run_import(make: Callable[[], Imported], out_dir: Path, *, dry_run: bool, overwrite: bool,
               as_json: bool) -> None:
    from ..importers.write import apply, plan

    try:
        imported = make()
        result = plan(imported, out_dir, overwrite=overwrite, check=_check)  # validated; nothing written yet
    except IxpctlError as err:
        if not as_json:
            raise
        problems = err.problems or ([err.located] if getattr(err, "located", None) else [])
        print_json({"ok": False, "error": err.message, "fix": err.fix, "problems": [p.to_json() for p in problems]})
        sys.exit(err.exit_code)
    if as_json:
        written = [] if dry_run else apply(result)
        print_json({"ok": True, **result.to_json(), "written": [str(p) for p in written], "dry_run": dry_run})
        return
    diff = result.diff()  # shown first, then written
    if diff:
        console.print(escape(diff), end="", markup=True, highlight=False, soft_wrap=True)
    for note in sorted(imported.notes, key=lambda n: (n.severity != "warning", n.line or 0)):
        mark = "[yellow]warning[/]" if note.severity == "warning" else "[cyan]note[/]   "
        where = note.to_problem().where()
        console_err.print(f"{mark} {escape(where + ': ' if where else '')}{escape(note.message)}")
        if note.fix:
            console_err.print(f"        [dim]fix: {escape(note.fix)}[/]")
    for setting, items in _grouped(imported.unmapped).items():
        u = items[0]
        loc = f"{u.file}:{u.line}: " if u.file and u.line else ""
        more = f" (and {len(items) - 1} more: {len(items)} entries)" if len(items) > 1 else ""
        console_err.print(f"[magenta]no equivalent[/] {escape(loc + setting)} = {escape(repr(u.value))}{more}\n"
                          f"        [dim]closest: {escape(u.closest)}[/]")
    for p in result.findings:
        console_err.print(f"[yellow]validate[/] {escape(p.where())}: {escape(p.message)}")
    for c in result.conflicts:
        console_err.print(f"[bold yellow]kept your edit[/] {escape(c.describe())}")
    if result.conflicts:
        console_err.print("        [dim]fix: --overwrite takes the import's values[/]")
    for r in result.removed:
        console_err.print(f"[yellow]removed[/] {escape(r)} (no longer in the source)")
    written = [] if dry_run else apply(result)
    s = imported.summary()
    verb = "would write" if dry_run else "wrote"
    changed = [str(c.path) for c in result.changes if c.changed]
    console_err.print(f"import {imported.source}: {s['members']} members, {s['connections']} connections, "
                      f"{s['route_servers']} route servers; {verb} {len(changed)} file(s) in {escape(str(out_dir))}"
                      + (f" ({len(result.conflicts)} edit(s) of yours kept)" if result.conflicts else ""))
    if not dry_run and written:
        console_err.print(f"next: cd {escape(str(out_dir))} && ixpctl -i inventory -p policies/default.yml "
                          "sources refresh --all && ixpctl -i inventory -p policies/default.yml build")


def _named(imported: Imported, names_cache: Path | None) -> Imported:
    if names_cache is not None:
        from ..importers.names import names_from_peeringdb

        names_from_peeringdb(imported, names_cache)
    return imported


def _grouped(unmapped: list) -> dict[str, list]:
    """One line per setting ("clients[*].cfg.gtsm"), not one per client: 400 clients, 5 settings."""
    import re

    out: dict[str, list] = {}
    for u in unmapped:
        out.setdefault(re.sub(r"^clients\[\d+\]", "clients[*]", u.setting), []).append(u)
    return out


@click.group("import")
def import_cmd() -> None:
    """Bring an existing IXP in: from an IX-F export, arouteserver's files or PeeringDB."""


@import_cmd.command("ixf")
@click.argument("source", metavar="FILE|URL")
@click.option("--vlan", type=int, default=None, help="The peering LAN's VLAN id (default: the one most members are on).")
@click.option("--ixp-id", type=int, default=None, help="Which IXP of the export (when it has several).")
@click.option("--ipv6-vlan", type=int, default=None, help="Per-family VLANs: the VLAN carrying the IPv6 of the "
              "--vlan one (one peering service; each router's two entries become one connection).")
@click.option("--fictional", is_flag=True, help="A demo export on documentation ASNs/prefixes: keep them "
              "(writes ixp.fictional_resources; never for production).")
@rs_option
@rs_asn_option
@names_option
@out_option
@dry_run_option
@overwrite_option
@json_option
def ixf(source: str, vlan: int | None, ixp_id: int | None, ipv6_vlan: int | None, fictional: bool, route_servers: tuple[str, ...], rs_asn: int | None,
        names_cache: Path | None, out_dir: Path, dry_run: bool, overwrite: bool, as_json: bool) -> None:
    """Import an IX-F member export (schema 0.6 to 1.0; IXP Manager and others): members, their routers
    on the peering LAN (addresses, MACs, speeds), route-server peering, AS-SETs, max-prefix; the
    exchange's own route servers become route_servers:."""
    from ..importers.fetch import read_input
    from ..importers.ixf import import_ixf
    from ..importers.routeservers import parse_route_server_option

    def make() -> Imported:
        specs = [parse_route_server_option(r) for r in route_servers] or None
        data, origin = read_input(source)
        return _named(import_ixf(data, origin, vlan=vlan, ixp_id=ixp_id, route_servers=specs, rs_asn=rs_asn,
                                 fictional=fictional, ipv6_vlan=ipv6_vlan), names_cache)

    run_import(make, out_dir, dry_run=dry_run, overwrite=overwrite, as_json=as_json)
    sys.exit(0)


@import_cmd.command("arouteserver")
@click.argument("clients", metavar="CLIENTS.yml", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--general", "general", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="arouteserver's general.yml: rs_as and the settings that go into the policy.")
@click.option("--lan", "lans", multiple=True, metavar="PREFIX",
              help="The peering LAN's IPv4 and/or IPv6 prefix (default: guessed from the clients' addresses).")
@click.option("--vlan", type=click.IntRange(1, 4094), default=None, help="The peering LAN's VLAN id (unknown to arouteserver).")
@click.option("--name", "ixp_name", default="IXP", show_default=True, help="The IXP's short name.")
@rs_option
@names_option
@out_option
@dry_run_option
@overwrite_option
@json_option
def arouteserver(clients: Path, general: Path | None, lans: tuple[str, ...], vlan: int | None, ixp_name: str,
                 route_servers: tuple[str, ...], names_cache: Path | None, out_dir: Path, dry_run: bool, overwrite: bool,
                 as_json: bool) -> None:
    """Import arouteserver's clients.yml (and general.yml): members grouped by ASN, one connection per
    client, AS-SETs, max-prefix, MD5 passwords as file references, per-client overrides; the general
    settings into policies/default.yml; every setting without equivalent reported with the closest."""
    from ..importers.arouteserver import import_arouteserver
    from ..importers.routeservers import parse_route_server_option

    def make() -> Imported:
        specs = [parse_route_server_option(r) for r in route_servers] or None
        return _named(import_arouteserver(clients, general, lans=list(lans), route_servers=specs, vlan=vlan,
                                          ixp_name=ixp_name), names_cache)

    run_import(make, out_dir, dry_run=dry_run, overwrite=overwrite, as_json=as_json)
    sys.exit(0)


@import_cmd.command("peeringdb")
@click.option("--ix", "ix_id", type=int, required=True, help="The exchange's PeeringDB id (peeringdb.com/ix/<id>).")
@click.option("--ixlan", "ixlan_id", type=int, default=None, help="Which of its LANs (default: the largest).")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path, file_okay=False), default=".ixpctl/peeringdb",
              show_default=True, help="The local PeeringDB cache (the official client's database).")
@click.option("--url", default="https://www.peeringdb.com/api", show_default=True,
              help="PeeringDB API to sync the cache from.")
@click.option("--cache-url", default="https://public.peeringdb.com", show_default=True,
              help="PeeringDB cache server for full syncs ('' = the API only).")
@click.option("--no-sync", is_flag=True, help="Use the cache as it is (offline).")
@click.option("--vlan", type=click.IntRange(1, 4094), default=None, help="The peering LAN's VLAN id (PeeringDB has none).")
@click.option("--pin-max-prefix", is_flag=True, help="Write today's PeeringDB max-prefix values into the inventory.")
@click.option("--fictional", is_flag=True, help="Documentation ASNs/prefixes (a demo fixture): keep them.")
@rs_option
@rs_asn_option
@out_option
@dry_run_option
@overwrite_option
@json_option
def peeringdb(ix_id: int, ixlan_id: int | None, cache_dir: Path, url: str, cache_url: str, no_sync: bool,
              vlan: int | None,
              pin_max_prefix: bool, fictional: bool, route_servers: tuple[str, ...], rs_asn: int | None,
              out_dir: Path, dry_run: bool, overwrite: bool, as_json: bool) -> None:
    """Import an inventory skeleton from PeeringDB's record of an exchange: its LAN, route servers and
    the networks on it (addresses, speeds, is_rs_peer, AS-SETs), through the local PeeringDB cache."""
    from ..importers.peeringdb import import_peeringdb
    from ..importers.routeservers import parse_route_server_option
    from ..inventory.sources_config import PeeringDBSource
    from ..sources import peeringdb as pdb

    def make() -> Imported:
        specs = [parse_route_server_option(r) for r in route_servers] or None
        if not no_sync:
            cache_dir.mkdir(parents=True, exist_ok=True)
            pdb.sync(PeeringDBSource(url=url, cache_url=cache_url), db_dir=cache_dir,
                     progress=None if as_json else (lambda text: console_err.print(escape(text), highlight=False)))
        return import_peeringdb(cache_dir, ix_id, ixlan_id=ixlan_id, route_servers=specs, rs_asn=rs_asn, vlan=vlan,
                                fictional=fictional, pin_max_prefix=pin_max_prefix)

    run_import(make, out_dir, dry_run=dry_run, overwrite=overwrite, as_json=as_json)
    sys.exit(0)
