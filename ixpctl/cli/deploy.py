"""`ixpctl deploy rs`: install the built route-server configs safely (check, swap, configure, verify)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from .. import __version__
from ..errors import DeployError
from .common import Context, console, console_err, json_option, print_json


@click.group()
def deploy() -> None:
    """Deploy built configs to route servers."""


@deploy.command("rs")
@click.option("--rs", "only", multiple=True, help="Only this route server (repeatable).")
@click.option("--build-dir", default="build", show_default=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the diff against the running config; change nothing.")
@click.option("--confirm-timeout", type=int, default=None,
              help="Use `birdc configure timeout N`: BIRD reverts by itself unless ixpctl confirms.")
@click.option("--verify-wait", type=float, default=60.0, show_default=True,
              help="Seconds to wait for the sessions that were up to come back.")
@click.option("--allow-demo", is_flag=True, help="Allow deploying a config built in DEMO MODE (lab only).")
@json_option
@click.pass_obj
def deploy_rs(ctx: Context, only: tuple[str, ...], build_dir: Path, dry_run: bool, confirm_timeout: int | None,
              verify_wait: float, allow_demo: bool, as_json: bool) -> None:
    """Copy build/<rs>.conf to each route server, `bird -p` it there, swap it in atomically, reload
    BIRD and verify the sessions came back; on any failure restore the previous config. An
    OpenBGPD route server (daemon: openbgpd) gets the same with `bgpd -n` and `bgpctl reload`.

    Only configs listed in build/manifest.json (hash, size, session count) are deployed, and only
    to a BIRD that runs deploy.config_path. Exit 0 on success, 5 when a deploy was refused or
    failed (nothing changed, or the previous config was restored: the message says which)."""
    from ..base.generations import generation_of
    from ..deploy.bird_version import check_versions, version_field
    from ..deploy.manifest import check_built
    from ..deploy.rs import deploy_route_server
    from ..deploy.target import target_for

    loaded = ctx.loaded_inventory()
    inv = loaded.inventory
    reports = []
    for rs in inv.route_servers:
        if only and rs.name not in only:
            continue
        path = build_dir / f"{rs.name}.conf"
        if not path.is_file():
            raise DeployError(f"{path} does not exist", fix="run `ixpctl build` first")
        # resolved once: the config and the manifest come from the same build, even if another
        # build switches its generation in meanwhile (base/generations.py)
        generation = generation_of(path)
        config = (generation / path.name).read_bytes()
        text = config.decode(errors="replace")
        if "DEMO MODE" in text.split("\nlog ", 1)[0] and not allow_demo:
            raise DeployError(f"{path} was built in DEMO MODE (fictional resources allowed)",
                              fix="remove ixp.fictional_resources for production, or pass --allow-demo for a lab")
        if "# MD5 password not rendered" in text and not dry_run:
            raise DeployError(f"{path} lacks MD5 passwords whose secrets were not available at build time",
                              fix="export the secrets' environment variables (or files) and rebuild")
        built = check_built(build_dir, path.name, config, generation=generation)  # before anything changes
        if built.get("ixpctl_version") != __version__ and not as_json:
            console_err.print(f"[yellow]warning[/] {escape(str(path))} was built by ixpctl "
                              f"{escape(str(built.get('ixpctl_version')))}, this is {__version__}")
        target = target_for(rs.deploy)
        log = (lambda m, n=rs.name: None) if as_json else (lambda m, n=rs.name: console.print(f"{n}: {escape(m)}"))
        checked = ""
        if rs.daemon == "bird":  # the daemon's version against route_servers[].bird_version, before anything changes
            versions = check_versions(rs.name, config, target, version_field(loaded, rs))
            checked = (f"BIRD on {target.describe()}: {versions.binary} (running: {versions.daemon or 'not answering'}),"
                       f" bird_version {rs.bird_version}: same series")
            log(checked)
        elif rs.daemon == "openbgpd":  # likewise bgpd -V against route_servers[].openbgpd_version
            from ..deploy.bgpd_version import check_bgpd_version, openbgpd_version_field
            from ..deploy.openbgpd import openbgpd_settings

            found = check_bgpd_version(rs.name, config, target, openbgpd_version_field(loaded, rs))
            checked = (f"OpenBGPD on {target.describe()}: {openbgpd_settings(rs.deploy).bgpd_binary} is {found}, "
                       f"openbgpd_version {rs.openbgpd_version}: same series")
            log(checked)
        report = deploy_route_server(rs.name, config, target, dry_run=dry_run,
                                     confirm_timeout=confirm_timeout, verify_wait=verify_wait, daemon=rs.daemon, log=log)
        if checked:
            report.steps.insert(0, checked)
        reports.append(report)
        if dry_run and not as_json:
            console.print(escape(report.diff) or f"{rs.name}: no difference")
    if as_json:
        print_json([r.to_json() for r in reports])
