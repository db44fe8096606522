"""`ixpctl serve`: the read-only web service for members (pages, self-check, looking glass, JSON
API, birdwatcher-compatible API, /metrics). Binds 127.0.0.1 unless told otherwise: put nginx in
front (contrib/nginx/ixpctl-serve.conf) to publish it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError, IxpctlError
from .common import Context, console_err, json_option, print_json


def _sources(rs_sockets: tuple[str, ...], lab: bool):
    from ..serve.config import RouteServerSource

    out = []
    if lab:
        from ..lab.lab import Lab

        current = Lab.current()
        if current is None:
            raise IxpctlError("--lab: no lab is running", fix="start one with `ixpctl lab up`")
        for rs in current.state.info["route_servers"]:
            out.append(RouteServerSource(rs["name"], rs["socket"], rs.get("daemon", "bird"),
                                         bgpctl=rs.get("bgpctl", "bgpctl")))
    for item in rs_sockets:
        name, sep, socket = item.partition("=")
        if not sep or not name or not socket:
            raise InputError(f"--rs-socket {item!r}: expected NAME=PATH", fix="e.g. --rs-socket rs1=/run/bird/bird.ctl")
        out = [s for s in out if s.name != name] + [RouteServerSource(name, socket)]
    return tuple(out)


@click.command()
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--rs-socket", "rs_sockets", multiple=True, metavar="NAME=PATH",
              help="A route server's control socket: BIRD's, or bgpd's for an OpenBGPD one (default: each route server's deploy.control_socket, "
                   "over SSH when its deploy.host is remote).")
@click.option("--lab", is_flag=True, help="Read the route servers of the running `ixpctl lab`.")
@click.option("--snapshot", type=click.Path(path_type=Path), default=None, help="Facts snapshot directory.")
@click.option("--lang", "lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Default language of the pages.")
@click.option("--live-irr", "live_irr", default=None, metavar="HOST:PORT",
              help="Enable live bgpq4 lookups for prospective members against this IRR server.")
@click.option("--irr-source", "irr_sources", multiple=True, help="IRR sources for --live-irr (bgpq4 -S).")
@click.option("--trust-proxy", "trust_proxy", multiple=True, help="Reverse proxy address whose X-Forwarded-For is used.")
@click.option("--rate-exempt", "rate_exempt", multiple=True, metavar="ADDR",
              help="Client address without rate limit (e.g. the Alice-LG that polls the birdwatcher API).")
@click.option("--rate", "rate", default=240, show_default=True, type=click.IntRange(1, 100000),
              help="Requests per minute per client address.")
@click.option("--build-dir", type=click.Path(path_type=Path), default=None, help="Build directory (metrics).")
@click.option("--apply-state", "apply_state", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="`ixpctl apply`'s state directory, for the deploy metrics (default: the inventory's apply.state_dir).")
@click.option("--metrics-file", "metrics_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A Prometheus text file to serve again on /metrics, e.g. `ixpctl switch audit --metrics FILE`'s.")
@click.option("--check-only", is_flag=True, help="Load everything, print what would be served, exit.")
@json_option
@click.pass_obj
def serve(ctx: Context, bind: str, port: int, rs_sockets: tuple[str, ...], lab: bool, snapshot: Path | None,
          lang: str, live_irr: str | None, irr_sources: tuple[str, ...], trust_proxy: tuple[str, ...], rate: int,
          rate_exempt: tuple[str, ...], build_dir: Path | None, apply_state: Path | None,
          metrics_files: tuple[Path, ...], check_only: bool, as_json: bool) -> None:
    """Serve the IXP's pages, self-check, looking glass and APIs (read-only)."""
    try:
        _serve(ctx, bind, port, rs_sockets, lab, snapshot, lang, live_irr, irr_sources, trust_proxy, rate,
               rate_exempt, build_dir, check_only, as_json, apply_state, metrics_files)
    except IxpctlError as err:
        if not as_json:
            raise
        print_json({"ok": False, "error": err.message, "fix": err.fix, "exit_code": err.exit_code})
        sys.exit(err.exit_code)


def _serve(ctx: Context, bind: str, port: int, rs_sockets: tuple[str, ...], lab: bool, snapshot: Path | None,
           lang: str, live_irr: str | None, irr_sources: tuple[str, ...], trust_proxy: tuple[str, ...], rate: int,
           rate_exempt: tuple[str, ...], build_dir: Path | None, check_only: bool, as_json: bool,
           apply_state: Path | None = None, metrics_files: tuple[Path, ...] = ()) -> None:
    from ipaddress import ip_address

    from ..serve.config import Limits, LiveIrr, ServeConfig
    from ..serve.service import Service
    try:
        ip_address(bind)
    except ValueError:
        raise InputError(f"--bind {bind!r} is not an IP address", fix="e.g. --bind 127.0.0.1 or --bind ::1") from None
    if live_irr:
        from ..errors import SourceError
        from ..sources.irr import bgpq4_host
        try:
            live_irr = bgpq4_host(live_irr)
        except SourceError as exc:
            raise InputError(f"--live-irr: {exc.message}", fix=exc.fix) from None
    sources = _sources(rs_sockets, lab)
    if rs_sockets:  # --rs-socket names a socket; the daemon behind it is the inventory's (bgpd's socket for OpenBGPD)
        from dataclasses import replace
        daemons = {rs.name: rs.daemon for rs in ctx.loaded_inventory().inventory.route_servers}
        named = {item.partition("=")[0] for item in rs_sockets}
        sources = tuple(replace(s, daemon=daemons.get(s.name, s.daemon)) if s.name in named else s for s in sources)
    config = ServeConfig(Path(ctx.inventory_path), Path(ctx.policy_path), snapshot, sources,
                         Limits(rate_per_minute=rate), lang, LiveIrr(live_irr, tuple(irr_sources)) if live_irr else None,
                         build_dir, tuple(trust_proxy), tuple(rate_exempt), apply_state, tuple(metrics_files))
    service = Service.start(config)
    if not check_only:
        service.site.warm_up()
    url = f"http://{'[' + bind + ']' if ':' in bind else bind}:{port}/"
    info = {"ok": True, "url": url, "route_servers": {n: v.where for n, v in service.views.items()},
            "daemons": {n: v.daemon for n, v in service.views.items()},
            "members": len(service.site.members), "live_irr": bool(live_irr)}
    try:
        if check_only:
            if as_json:
                print_json(info)
            else:
                console_err.print(f"would serve {url} for {len(service.site.members)} members, route servers "
                                  f"{', '.join(service.views)}", highlight=False)
            return
        import uvicorn

        from ..serve.app import create_app

        app = create_app(service)
        if as_json:
            print_json(info)
        else:
            console_err.print(f"ixpctl serve: {url} (route servers: {', '.join(service.views)})", highlight=False)
        sys.stdout.flush()
        _reload_on_sighup(service)
        # access log off: client addresses are personal data; errors still go to stderr
        uvicorn.run(app, host=bind, port=port, log_level="warning", access_log=False, server_header=False,
                    limit_concurrency=200, timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024)
    finally:
        service.close()


def _reload_on_sighup(service) -> None:
    """SIGHUP (`systemctl reload ixpctl-serve`, after a build) loads the inventory, policy and
    snapshot again in a thread, while the service goes on answering with what it has."""
    import signal
    import threading

    def reload() -> None:
        if service.reload():
            console_err.print(f"ixpctl serve: reloaded ({len(service.site.members)} members)", highlight=False)
        else:
            console_err.print(f"ixpctl serve: reload failed, still serving the previous load: {service.reload_error}",
                              highlight=False)

    def on_hup(_signum, _frame) -> None:
        threading.Thread(target=reload, name="ixpctl-serve-reload", daemon=True).start()

    signal.signal(signal.SIGHUP, on_hup)
