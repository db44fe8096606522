"""`ixpctl report impact` and `ixpctl report manrs`: the IXP's case in numbers, French and English.

The route servers' tables are read here (``ixpctl.verify``: the running lab's route servers, or
``--socket`` paths, BIRD's or OpenBGPD's) and handed to ``ixpctl.report`` as plain data; ``--state FILE`` rebuilds a
report from a state saved earlier with ``--save-state``.

Exit codes: 0 ok · 2 bad input · 3 the snapshot or a route server cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from ..errors import InputError, SourceError
from .common import Context, console, json_option, print_json

KINDS = ("impact", "manrs")
TREATED_AS_WITHDRAW = "treated_as_withdraw"  # report.impact.NO_CHECK_REASONS


def _readers(inventory: Any, sockets: tuple[str, ...], daemons: dict[str, str], bgpctl: str,
             rs_names: tuple[str, ...]) -> list[tuple[str, str, Any, str]]:
    """(name, daemon, reader, where) of every route server to read: the ``NAME=PATH`` sockets, each
    read as its daemon (``--daemon NAME=...``, else the inventory's ``route_servers[].daemon`` of
    NAME, else BIRD), or else the running lab's route servers."""
    from ..lab.lab import Lab
    from ..verify import RouteServerClient
    from ..verify.bgpctl import BgpctlClient

    out: list[tuple[str, str, Any, str]] = []
    known = {rs.name: rs.daemon for rs in inventory.route_servers}
    for item in sockets:
        name, _, path = item.rpartition("=")
        name = name or Path(path).stem
        daemon = daemons.get(name) or known.get(name, "bird")
        reader = (BgpctlClient(path, inventory.ixp.rs_asn, binary=bgpctl) if daemon == "openbgpd"
                  else RouteServerClient(path))
        out.append((name, daemon, reader, path))
    if out:
        return out
    lab = Lab.current()
    if lab is None:
        raise click.UsageError("no route server to read: give --socket NAME=PATH (a BIRD or OpenBGPD control "
                               "socket), --state FILE, or start the lab (`ixpctl lab up`)")
    return [(name, lab.daemon(name), lab.rs(name), f"{name} (lab {lab.state.run_id})")
            for name in rs_names or lab.rs_names]


def parse_daemons(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, daemon = item.partition("=")
        if not sep or not name or daemon not in ("bird", "openbgpd"):
            raise InputError(f"--daemon {item!r}: expected NAME=bird or NAME=openbgpd",
                             fix="e.g. --daemon rs2=openbgpd (the route server named as in --socket NAME=PATH)")
        out[name] = daemon
    return out


def collect_state(readers: list[tuple[str, str, Any, str]], bases: tuple[int, int]) -> Any:
    """Read every route server's sessions and routes, accepted and filtered with the reason."""
    from ..report.state import RsRoute, RsServer, RsSession, RsState
    from ..sources.snapshot import iso_utc, utc_now
    from ..verify import BirdError
    from ..verify.bgpctl import BgpctlError

    state = RsState(iso_utc(utc_now()))
    for name, daemon, client, where in readers:
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
                path = entry.flat_path
                state.routes.append(RsRoute(name, asn, entry.prefix, not entry.filtered,
                                            _reason(entry, rs_asn, bases), path[-1] if path else None))
        except (BirdError, BgpctlError, OSError) as err:
            what = "bgpd runs and bgpctl reaches" if daemon == "openbgpd" else "BIRD runs and birdc reaches"
            raise SourceError(f"cannot read route server {name} ({daemon}, {where}): {err}",
                              fix=f"check that {what} the control socket (and --daemon {name}=bird|openbgpd "
                                  "if the inventory does not say)") from None
        state.where.append(where)
        state.servers.append(RsServer(name, daemon, where))
    return state


def _reason(entry: Any, rs_asn: int, bases: tuple[int, int]) -> str | None:
    """The chain check that filtered the route (its reason community), None when accepted. OpenBGPD
    treats a malformed update or an AS_SET as withdrawn before any filter runs (RFC 7606: no tag
    can be set; ``verify.bgpctl`` flags it "error"): that is said as such, not as unknown."""
    if not entry.filtered:
        return None
    reason = entry.reject_reason(rs_asn, bases)
    if reason is not None:
        return reason.check or f"code {reason.code}"
    return TREATED_AS_WITHDRAW if entry.attributes.get("bgpd") == "error" else "unknown"


def _table(client: Any) -> list[Any]:
    """Every route of a route server, accepted and filtered: OpenBGPD (the lab's ``verify.bgpctl``
    client) in one call; BIRD in four queries whatever the number of members (not one per
    session), the master tables by name (`table all` lists the ROA tables too)."""
    if hasattr(client, "all_routes"):
        return list(client.all_routes())
    return [entry for table in ("master4", "master6") for filtered in (False, True)
            for entry in client.routes(table=table, filtered=filtered)]


def _inputs(ctx: Context, state_file: Path | None, sockets: tuple[str, ...], rs_names: tuple[str, ...],
            daemons: tuple[str, ...] = (), bgpctl: str = "bgpctl"):
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
    state = RsState.read(state_file) if state_file else collect_state(
        _readers(inventory, sockets, parse_daemons(daemons), bgpctl, rs_names), bases)
    return inventory, policy, facts, country, state, directory


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return ""


def _run(ctx: Context, kinds: tuple[str, ...], lang: str, fmt: str, out: Path, state_file: Path | None,
         save_state: Path | None, sockets: tuple[str, ...], rs_names: tuple[str, ...], daemons: tuple[str, ...],
         bgpctl: str, audit_state: Path | None, as_json: bool) -> None:
    from ..report.assemble import assemble
    from ..report.i18n import LANGS
    from ..report.render import FORMATS, write

    inventory, policy, facts, country, state, directory = _inputs(ctx, state_file, sockets, rs_names,
                                                                  daemons, bgpctl)
    if save_state:
        state.write(save_state)
    inv_path = Path(ctx.inventory_path)
    inv_path = inv_path if inv_path.is_absolute() else ctx.repo_root / inv_path
    report = assemble(inventory, policy, facts, country, state, repo_root=ctx.repo_root,
                      snapshot=_relative(directory, ctx.repo_root) or str(directory),
                      inventory_paths=[_relative(inv_path, ctx.repo_root) or "inventory"],
                      report_json=_relative(out / "impact.json", ctx.repo_root) or None,
                      runs_dir=ctx.repo_root / ".ixpctl" / "apply" / "runs",  # apply's default state_dir
                      audit=_audit(audit_state))
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
        for rs in report.impact.per_rs:  # each route server on its own (rs1 BIRD, rs2 OpenBGPD at MLIX)
            reasons = ", ".join(f"{k} {v}" for k, v in rs.filtered_by_reason.items())
            console.print(f"  {escape(rs.rs)} ({rs.daemon or '?'}): sessions {rs.sessions_up}/{rs.sessions}, "
                          f"{rs.accepted} routes accepted, {rs.filtered} filtered" + (f" ({escape(reasons)})" if reasons else ""))
        if report.impact.disagreements_total:
            console.print(f"  {report.impact.disagreements_total} routes accepted by one route server and filtered "
                          "by, or missing from, another (see the report's per-route-server section)")
    if "manrs" in kinds:
        console.print("MANRS: " + ", ".join(f"Action {a.number} {a.level}" for a in report.actions))
    for path in written:
        if path.suffix in (".html", ".md"):
            console.print(f"  {escape(str(path))}")
    console.print(f"{len(written)} files written to {escape(str(out))}")


def _audit(path: Path | None) -> Any:
    if path is None:
        return None
    from ..report.audit_state import read_audit_state

    return read_audit_state(path)


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
                     help="Control socket of a route server, BIRD's or OpenBGPD's (repeat for rs1, rs2); "
                          "default: the running lab's route servers."),
        click.option("--daemon", "daemons", multiple=True, metavar="NAME=bird|openbgpd",
                     help="The daemon behind --socket NAME=... (default: the inventory's route_servers[].daemon)."),
        click.option("--bgpctl", default="bgpctl", show_default=True,
                     help="bgpctl binary used for OpenBGPD sockets."),
        click.option("--audit-state", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     help="State file of `ixpctl switch audit --state FILE`: MANRS Action 3 then uses what "
                          "the switches showed at the last audit, not only the switch intent."),
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
