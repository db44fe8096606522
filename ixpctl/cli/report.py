"""`ixpctl report impact` and `ixpctl report manrs`: the IXP's case in numbers, French and English.

The route servers' tables are read here (``ixpctl.verify``: the running lab's route servers, or
``--socket`` paths) and handed to ``ixpctl.report`` as plain data; ``--state FILE`` rebuilds a
report from a state saved earlier with ``--save-state``.

Exit codes: 0 ok · 2 bad input · 3 the snapshot or a route server cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from ..errors import SourceError
from .common import Context, console, json_option, print_json

KINDS = ("impact", "manrs")


def collect_state(sockets: tuple[str, ...], rs_names: tuple[str, ...], bases: tuple[int, int]) -> Any:
    """Read every route server: ``NAME=PATH`` sockets, else the running lab's route servers."""
    from ..lab.lab import Lab
    from ..report.state import RsRoute, RsSession, RsState
    from ..sources.snapshot import iso_utc, utc_now
    from ..verify import BirdError, RouteServerClient
    from ..verify.bgpctl import BgpctlError

    clients: list[tuple[str, Any, str]] = []
    for item in sockets:
        name, _, path = item.rpartition("=")
        name = name or Path(path).stem
        clients.append((name, RouteServerClient(path), path))
    if not clients:
        lab = Lab.current()
        if lab is None:
            raise click.UsageError("no route server to read: give --socket NAME=PATH (BIRD control socket), "
                                   "--state FILE, or start the lab (`ixpctl lab up`)")
        for name in rs_names or lab.rs_names:
            clients.append((name, lab.rs(name), f"{name} (lab {lab.state.run_id})"))
    state = RsState(iso_utc(utc_now()))
    for name, client, where in clients:
        try:
            rs_asn = client.rs_asn
            member_of: dict[str, int] = {}
            for session in client.sessions():
                if session.neighbor_asn is not None:
                    member_of[session.name] = session.neighbor_asn
                    state.sessions.append(RsSession(name, session.name, session.neighbor_asn, session.established))
            for entry in _table(client):
                asn = member_of.get(entry.protocol)
                if asn is None:
                    continue  # static or other non-member routes
                filtered = entry.filtered
                reason = entry.reject_reason(rs_asn, bases) if filtered else None
                path = entry.flat_path
                state.routes.append(RsRoute(name, asn, entry.prefix, not filtered,
                                            (reason.check or f"code {reason.code}") if reason else
                                            ("unknown" if filtered else None), path[-1] if path else None))
        except (BirdError, BgpctlError, OSError) as err:
            raise SourceError(f"cannot read route server {name} ({where}): {err}",
                              fix="check that BIRD runs and the control socket path is right") from None
        state.where.append(where)
    return state


def _table(client: Any) -> list[Any]:
    """Every route of a route server, accepted and filtered: OpenBGPD (the lab's ``verify.bgpctl``
    client) in one call; BIRD in four queries whatever the number of members (not one per
    session), the master tables by name (`table all` lists the ROA tables too)."""
    if hasattr(client, "all_routes"):
        return list(client.all_routes())
    return [entry for table in ("master4", "master6") for filtered in (False, True)
            for entry in client.routes(table=table, filtered=filtered)]


def _inputs(ctx: Context, state_file: Path | None, sockets: tuple[str, ...], rs_names: tuple[str, ...]):
    from ..report.state import RsState
    from ..sources import rir
    from ..sources import snapshot as snap

    loaded = ctx.loaded_inventory()
    inventory = loaded.inventory
    policy = ctx.loaded_policy().policy
    directory = Path(inventory.sources.snapshot_dir)
    directory = directory if directory.is_absolute() else ctx.repo_root / directory
    facts = snap.read_snapshot(directory)
    country = rir.load(directory, inventory.ixp.country)
    bases = (policy.communities.reject_reason_base, policy.communities.tag_reason_base)
    state = RsState.read(state_file) if state_file else collect_state(sockets, rs_names, bases)
    return inventory, policy, facts, country, state, directory


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return ""


def _run(ctx: Context, kinds: tuple[str, ...], lang: str, fmt: str, out: Path, state_file: Path | None,
         save_state: Path | None, sockets: tuple[str, ...], rs_names: tuple[str, ...], as_json: bool) -> None:
    from ..report.assemble import assemble
    from ..report.i18n import LANGS
    from ..report.render import FORMATS, write

    inventory, policy, facts, country, state, directory = _inputs(ctx, state_file, sockets, rs_names)
    if save_state:
        state.write(save_state)
    inv_path = Path(ctx.inventory_path)
    inv_path = inv_path if inv_path.is_absolute() else ctx.repo_root / inv_path
    report = assemble(inventory, policy, facts, country, state, repo_root=ctx.repo_root,
                      snapshot=_relative(directory, ctx.repo_root) or str(directory),
                      inventory_paths=[_relative(inv_path, ctx.repo_root) or "inventory"],
                      report_json=_relative(out / "impact.json", ctx.repo_root) or None,
                      runs_dir=ctx.repo_root / ".ixpctl" / "apply" / "runs")  # apply's default state_dir
    _stale_country_note(report, directory, inventory)
    langs = LANGS if lang == "all" else (lang,)
    formats = FORMATS if fmt == "all" else (fmt,)
    written = write(report, out, kinds, langs, formats)  # type: ignore[arg-type]
    if as_json:
        print_json({"files": [str(p) for p in written],
                    **({"impact": report.impact_json()} if "impact" in kinds else {}),
                    **({"manrs": report.manrs_json()} if "manrs" in kinds else {})})
        return
    shares = report.impact.shares
    if "impact" in kinds:
        def pct(v: float | None) -> str:
            return f"{100 * v:.1f}%" if v is not None else "n/a"

        console.print(f"[bold]{escape(inventory.ixp.name)}[/]: {report.impact.members_sending}/"
                      f"{report.impact.members} members send routes; country ASNs members "
                      f"{pct(shares['members_of_country_asns'])}, IPv4 reachable {pct(shares['space4'])}, "
                      f"IPv6 reachable {pct(shares['space6'])}; {len(report.impact.not_at_ixp)} networks of the "
                      "country not at the IXP")
    if "manrs" in kinds:
        console.print("MANRS: " + ", ".join(f"Action {a.number} {a.level}" for a in report.actions))
    for path in written:
        if path.suffix in (".html", ".md"):
            console.print(f"  {escape(str(path))}")
    console.print(f"{len(written)} files written to {escape(str(out))}")


def _stale_country_note(report: Any, directory: Path, inventory: Any) -> None:
    """Old country data is still used (allocations change slowly), with a note in the report."""
    from datetime import timedelta

    from ..sources import snapshot as snap

    row = snap.side_status(directory, "rir", timedelta(hours=inventory.sources.rir.max_age_hours))
    if row is not None and row.health == "stale":
        report.impact.notes.append(f"the RIR statistics are older than {inventory.sources.rir.max_age_hours} h "
                                   f"(fetched {row.fetched_at}): run `ixpctl sources refresh --rir`")


def _options(func):
    options = [
        click.option("--lang", type=click.Choice(["fr", "en", "all"]), default="all", show_default=True,
                     help="Language of the Markdown and HTML reports."),
        click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "all"]), default="all",
                     show_default=True),
        click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/report"),
                     show_default=True, help="Directory for the reports (and charts/)."),
        click.option("--state", "state_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="Route-server state saved earlier (--save-state) instead of reading the route servers."),
        click.option("--save-state", type=click.Path(dir_okay=False, path_type=Path),
                     help="Also save what the route servers said, to rebuild this report later."),
        click.option("--socket", "sockets", multiple=True, metavar="NAME=PATH",
                     help="BIRD control socket of a route server (repeat for rs1, rs2); default: the lab's."),
        click.option("--rs", "rs_names", multiple=True, help="Only these route servers of the running lab."),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group()
def report() -> None:
    """Reports from the route servers' tables: impact (local reachability, resilience) and MANRS."""


@report.command("impact")
@_options
@click.pass_obj
def impact_cmd(ctx: Context, **kwargs: Any) -> None:
    """Local reachability, the networks of the country not at the IXP, resilience, trends."""
    _run(ctx, ("impact",), **kwargs)


@report.command("manrs")
@_options
@click.pass_obj
def manrs_cmd(ctx: Context, **kwargs: Any) -> None:
    """Evidence for MANRS for IXPs Actions 1-5: met, partly met or missing, with what to do."""
    _run(ctx, ("manrs",), **kwargs)
