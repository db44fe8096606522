"""`ixpctl sessions` and `ixpctl routes`: what a running route server does, read from BIRD's control
socket or OpenBGPD's (``bgpctl -j``) — a local path, or a remote one forwarded over SSH
(``--ssh [user@]host``). Which daemon: ``--daemon``, else the running lab's or the inventory's
(``route_servers[].daemon`` of ``--rs``), else BIRD."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..policy.chain import REJECT_REASON, WOULD_REJECT
from .common import Context, console, json_option, print_json

DEFAULT_SOCKET = "/run/bird/bird.ctl"
DEFAULT_BGPD_SOCKET = "/var/run/bgpd.sock"  # deploy.openbgpd.DEFAULT_SOCKET


def _inventory_rs(ctx: Context | None, rs: str | None):
    """The inventory's route server ``rs`` (None without an inventory or without that name)."""
    if ctx is None or not rs or not Path(ctx.inventory_path).exists():
        return None
    return next((r for r in ctx.loaded_inventory().inventory.route_servers if r.name == rs), None)


def _inventory_rs_asn(ctx: Context | None) -> int | None:
    if ctx is None or not Path(ctx.inventory_path).exists():
        return None
    return ctx.loaded_inventory().inventory.ixp.rs_asn


def _reader(daemon: str, socket: str, rs_asn: int | None):
    from ..verify import RouteServerClient
    from ..verify.bgpctl import BgpctlClient

    return BgpctlClient(socket, rs_asn) if daemon == "openbgpd" else RouteServerClient(socket)


def _client(rs: str | None, socket: str | None, ssh: str | None = None, stack: ExitStack | None = None,
            daemon: str | None = None, ctx: Context | None = None):
    from ..lab.lab import Lab

    inv_rs = None if daemon else _inventory_rs(ctx, rs)
    if ssh or socket:
        daemon = daemon or (inv_rs.daemon if inv_rs is not None else "bird")
        rs_asn = _inventory_rs_asn(ctx) if daemon == "openbgpd" else None
        if ssh:
            from ..verify.ssh import forwarded_socket

            remote = socket or (DEFAULT_BGPD_SOCKET if daemon == "openbgpd" else DEFAULT_SOCKET)
            local = stack.enter_context(forwarded_socket(ssh, remote))
            return _reader(daemon, local, rs_asn), f"{ssh}:{remote}"
        return _reader(daemon, socket, rs_asn), socket
    lab = Lab.current()
    if lab is not None:  # a running `ixpctl lab up`: its route servers' sockets
        name = rs or lab.rs_names[0]
        client = lab.rs(name)
        return client, f"{name} (lab {lab.state.run_id})"
    if inv_rs is not None:  # on the route server itself: the socket its deploy settings name
        from ..deploy.openbgpd import openbgpd_settings

        settings = openbgpd_settings(inv_rs.deploy) if inv_rs.daemon == "openbgpd" else inv_rs.deploy
        return _reader(inv_rs.daemon, settings.control_socket, _inventory_rs_asn(ctx)), settings.control_socket
    if rs:
        raise click.UsageError(f"no lab is running and the inventory has no {rs}: give its control socket "
                               "with --socket")
    if daemon == "openbgpd":
        return _reader(daemon, DEFAULT_BGPD_SOCKET, _inventory_rs_asn(ctx)), DEFAULT_BGPD_SOCKET
    return _reader("bird", DEFAULT_SOCKET, None), DEFAULT_SOCKET


rs_option = click.option("--rs", default=None, help="Route server name (the running lab's; default: the first).")
socket_option = click.option("--socket", "socket", default=None, type=click.Path(),
                             help="Control socket (default: the lab's, else the inventory's deploy."
                                  f"control_socket of --rs, else {DEFAULT_SOCKET} / {DEFAULT_BGPD_SOCKET}).")
daemon_option = click.option("--daemon", type=click.Choice(["bird", "openbgpd"]), default=None,
                             help="The route server's daemon (default: the lab's or the inventory's, else bird).")
ssh_option = click.option("--ssh", "ssh", default=None, metavar="[USER@]HOST",
                          help="Read a remote route server: forward its --socket over SSH (keys only).")


@click.command()
@rs_option
@socket_option
@ssh_option
@daemon_option
@click.option("--all", "show_all", is_flag=True, help="Also non-BGP protocols (rpki, device).")
@json_option
@click.pass_obj
def sessions(ctx: Context, rs: str | None, socket: str | None, ssh: str | None, daemon: str | None,
             show_all: bool, as_json: bool) -> None:
    """BGP sessions of a route server: state, since, last error, routes per address family."""
    from ..verify.bgpctl import BgpctlClient

    with ExitStack() as stack:
        client, where = _client(rs, socket, ssh, stack, daemon, ctx)
        if isinstance(client, BgpctlClient):  # accepted counts need one more query on OpenBGPD
            items = client.sessions(counts=True) + (client.rtr_sessions() if show_all else [])
        else:
            items = client.protocols() if show_all else client.sessions()
    if as_json:
        print_json({"route_server": where, "sessions": [s.to_json() for s in items]})
        return
    table = Table(title=f"Sessions on {where}", title_justify="left")
    for col in ("session", "neighbor", "ASN", "state", "since", "imported", "filtered", "exported", "limit",
                "last error"):
        table.add_column(col, overflow="fold")
    for s in items:
        ch = s.channels[0] if s.channels else None
        state = s.bgp_state or s.info or s.state
        style = "green" if s.established or s.info == "Established" else "red"
        table.add_row(s.name, s.neighbor or "", str(s.neighbor_asn or ""), f"[{style}]{state}[/]", s.since or "",
                      *(str(x) for x in ((ch.imported, ch.filtered, ch.exported) if ch else ("", "", ""))),
                      f"{ch.import_limit} {ch.limit_action}" if ch and ch.import_limit else "",
                      escape(s.problem or ""))
    console.print(table)


def _reason_bases(ctx: Context) -> tuple[int, int]:
    """The reject / tag community bases of the policy in this repository (defaults without one)."""
    if not Path(ctx.policy_path).is_file():
        return REJECT_REASON, WOULD_REJECT
    communities = ctx.loaded_policy().policy.communities
    return communities.reject_reason_base, communities.tag_reason_base


@click.command()
@click.option("--member", "member", type=int, required=True, help="Member ASN.")
@click.option("--filtered", is_flag=True, help="The routes the filters rejected, with the reason.")
@rs_option
@socket_option
@ssh_option
@daemon_option
@click.option("--rs-asn", type=int, default=None,
              help="The route-server ASN that tags reject reasons (OpenBGPD; default: the inventory's).")
@json_option
@click.pass_obj
def routes(ctx: Context, member: int, filtered: bool, rs: str | None, socket: str | None, ssh: str | None,
           daemon: str | None, rs_asn: int | None, as_json: bool) -> None:
    """A member's routes on a route server: accepted, or (--filtered) rejected with the decoded reason.
    OpenBGPD: rejected routes come from the Rejected RIB with their reason; routes bgpd treated as
    withdrawn, or filtered without a tag, are listed with bgpd's word for them instead."""
    from ..errors import InputError

    with ExitStack() as stack:
        client, where = _client(rs, socket, ssh, stack, daemon, ctx)
        rs_asn = rs_asn if rs_asn is not None else client.rs_asn
        if rs_asn is None:
            raise InputError("cannot tell the route-server ASN that tags the reject reasons (bgpctl does not show it)",
                             fix="pass --rs-asn, or run ixpctl where the inventory is (-i)")
        items = client.member_routes(member, filtered=filtered, accepted=not filtered)
    bases = _reason_bases(ctx)
    if as_json:
        print_json({"route_server": where, "member": member, "filtered": filtered,
                    "routes": [r.to_json(rs_asn, bases) for r in items]})
        return
    title = f"{'Filtered' if filtered else 'Accepted'} routes of AS{member} on {where}"
    table = Table(title=title, title_justify="left")
    for col in ("prefix", "session", "AS path", "next hop", "communities") + (("reason", "code") if filtered else ()):
        table.add_column(col, overflow="fold")
    for r in items:
        path = " ".join(str(a) if k == "seq" else "{" + " ".join(map(str, a)) + "}" for k, asns in r.as_path
                        for a in ([asns] if k == "set" else asns))
        comms = " ".join(f"{a}:{b}" for a, b in r.communities) + " " + \
            " ".join(f"{a}:{b}:{c}" for a, b, c in r.large_communities)
        row = [r.prefix, r.protocol, path, r.next_hop or "", comms.strip()]
        if filtered:
            rej = r.reject_reason(rs_asn, bases)
            bgpd = r.attributes.get("bgpd")
            untagged = {"error": "treated as withdrawn by bgpd (RFC 7606 / reject as-set), no reason tag",
                        "filtered": "filtered by bgpd, no reason tag"}.get(bgpd or "", "(no reason tag)")
            row += [f"[red]{rej.check}[/]: {rej.reason}" if rej else untagged, str(rej.code) if rej else ""]
        table.add_row(*row)
    console.print(table)
    console.print(f"{len(items)} route(s)")
