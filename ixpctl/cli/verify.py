"""`ixpctl sessions` and `ixpctl routes`: what a running route server does, read from BIRD's control
socket — a local path, or a remote one forwarded over SSH (``--ssh [user@]host``)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..policy.chain import REJECT_REASON, WOULD_REJECT
from .common import Context, console, json_option, print_json

DEFAULT_SOCKET = "/run/bird/bird.ctl"


def _client(rs: str | None, socket: str | None, ssh: str | None = None, stack: ExitStack | None = None):
    from ..lab.lab import Lab
    from ..verify import RouteServerClient

    if ssh:
        from ..verify.ssh import forwarded_socket

        remote = socket or DEFAULT_SOCKET
        local = stack.enter_context(forwarded_socket(ssh, remote))
        return RouteServerClient(local), f"{ssh}:{remote}"
    if socket:
        return RouteServerClient(socket), socket
    lab = Lab.current()
    if lab is not None:  # a running `ixpctl lab up`: its route servers' sockets
        name = rs or lab.rs_names[0]
        client = lab.rs(name)
        return client, f"{name} (lab {lab.state.run_id})"
    if rs:
        raise click.UsageError(f"no lab is running: give the control socket of {rs} with --socket")
    return RouteServerClient(DEFAULT_SOCKET), DEFAULT_SOCKET


rs_option = click.option("--rs", default=None, help="Route server name (the running lab's; default: the first).")
socket_option = click.option("--socket", "socket", default=None, type=click.Path(),
                             help=f"BIRD control socket (default: the lab's, else {DEFAULT_SOCKET}).")
ssh_option = click.option("--ssh", "ssh", default=None, metavar="[USER@]HOST",
                          help="Read a remote route server: forward its --socket over SSH (keys only).")


@click.command()
@rs_option
@socket_option
@ssh_option
@click.option("--all", "show_all", is_flag=True, help="Also non-BGP protocols (rpki, device).")
@json_option
def sessions(rs: str | None, socket: str | None, ssh: str | None, show_all: bool, as_json: bool) -> None:
    """BGP sessions of a route server: state, since, last error, routes per address family."""
    with ExitStack() as stack:
        client, where = _client(rs, socket, ssh, stack)
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
@json_option
@click.pass_obj
def routes(ctx: Context, member: int, filtered: bool, rs: str | None, socket: str | None, ssh: str | None,
           as_json: bool) -> None:
    """A member's routes on a route server: accepted, or (--filtered) rejected with the decoded reason."""
    with ExitStack() as stack:
        client, where = _client(rs, socket, ssh, stack)
        rs_asn = client.rs_asn
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
            row += [f"[red]{rej.check}[/]: {rej.reason}" if rej else "(no reason tag)", str(rej.code) if rej else ""]
        table.add_row(*row)
    console.print(table)
    console.print(f"{len(items)} route(s)")
