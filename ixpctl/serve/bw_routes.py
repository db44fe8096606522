"""The birdwatcher-compatible API of each route server, under ``/birdwatcher/<rs>/``: the endpoints
Alice-LG uses in single-table mode, for BIRD (``birdwatcher``, from birdc) and OpenBGPD
(``bw_openbgpd``, from bgpctl) alike. An unreachable daemon is 503 with a JSON error."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import birdwatcher as bw
from . import bw_openbgpd
from .rsview import RouteServerView
from .service import Service, page


def _svc(request: Request) -> Service:
    return request.app.state.service


def _view(request: Request) -> RouteServerView:
    return _svc(request).view(request.path_params["rs"])


def _answer(request: Request, body: dict, at: float) -> JSONResponse:
    ttl = _svc(request).config.limits.cache_ttl
    return JSONResponse(bw.envelope(body, at, ttl, time.time() - at > 0.05))


def status(request: Request) -> JSONResponse:
    view = _view(request)
    if view.daemon == "openbgpd":
        rs = next((r for r in _svc(request).site.inventory.route_servers if r.name == view.name), None)
        body, at = bw_openbgpd.status(view, rs.openbgpd_version if rs else None,
                                      str(rs.router_id) if rs else None)
        return _answer(request, body, at)
    text, at = view.status_text()
    return _answer(request, bw.status(text), at)


def protocols_bgp(request: Request) -> JSONResponse:
    view = _view(request)
    if view.daemon == "openbgpd":
        return _answer(request, *bw_openbgpd.protocols_bgp(view))
    sessions, at = view.protocols()
    return _answer(request, bw.protocols([s for s in sessions if s.proto == "BGP"]), at)


def protocols_short(request: Request) -> JSONResponse:
    view = _view(request)
    if view.daemon == "openbgpd":
        return _answer(request, *bw_openbgpd.protocols_short(view))
    sessions, at = view.protocols()
    return _answer(request, bw.protocols_short(sessions), at)


def _routes(kind: str, param: str):
    def endpoint(request: Request) -> JSONResponse:
        view = _view(request)
        name = request.path_params[param]
        routes, at = (bw_openbgpd.routes(view, kind, name) if view.daemon == "openbgpd"
                      else view.routes(kind, name))
        limits = _svc(request).config.limits
        if "page" in request.query_params or "page_size" in request.query_params:
            items, info = page(routes, request.query_params, limits.page_size, limits.max_page_size)
            return _answer(request, {**bw.routes(items), "pagination": info}, at)
        return _answer(request, bw.routes(routes[:limits.birdwatcher_max_routes], total=getattr(routes, "total", len(routes))), at)
    endpoint.__name__ = kind
    return endpoint


ROUTES = [
    Route("/birdwatcher/{rs}/status", status),
    Route("/birdwatcher/{rs}/protocols/bgp", protocols_bgp),
    Route("/birdwatcher/{rs}/protocols/short", protocols_short),
    Route("/birdwatcher/{rs}/routes/protocol/{protocol}", _routes("routes_protocol", "protocol")),
    Route("/birdwatcher/{rs}/routes/filtered/{protocol}", _routes("routes_filtered", "protocol")),
    Route("/birdwatcher/{rs}/routes/noexport/{protocol}", _routes("routes_noexport", "protocol")),
    Route("/birdwatcher/{rs}/routes/table/{table}", _routes("routes_table", "table")),
    Route("/birdwatcher/{rs}/routes/table/{table}/filtered", _routes("routes_table_filtered", "table")),
]
