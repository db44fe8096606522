"""The birdwatcher-compatible API of each route server, under ``/birdwatcher/<rs>/``: the endpoints
Alice-LG uses in single-table mode. An unreachable BIRD is 503 with a JSON error; an OpenBGPD route
server is 501 (not supported yet: its state comes from bgpctl, whose shapes Alice-LG reads through
openbgpd-state-server, not birdwatcher)."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import birdwatcher as bw
from .rsview import NotSupported, RouteServerView
from .service import Service, page


def _svc(request: Request) -> Service:
    return request.app.state.service


def _view(request: Request) -> RouteServerView:
    view = _svc(request).view(request.path_params["rs"])
    if view.daemon != "bird":
        raise NotSupported(f"{view.name} runs {view.daemon}: the birdwatcher API is not supported yet for it "
                           "(its sessions and routes are in the looking glass and /api/v1)")
    return view


def _answer(request: Request, body: dict, at: float) -> JSONResponse:
    ttl = _svc(request).config.limits.cache_ttl
    return JSONResponse(bw.envelope(body, at, ttl, time.time() - at > 0.05))


def status(request: Request) -> JSONResponse:
    text, at = _view(request).status_text()
    return _answer(request, bw.status(text), at)


def protocols_bgp(request: Request) -> JSONResponse:
    view = _view(request)
    sessions, at = view.protocols()
    return _answer(request, bw.protocols([s for s in sessions if s.proto == "BGP"]), at)


def protocols_short(request: Request) -> JSONResponse:
    sessions, at = _view(request).protocols()
    return _answer(request, bw.protocols_short(sessions), at)


def _routes(kind: str, param: str):
    def endpoint(request: Request) -> JSONResponse:
        view = _view(request)
        routes, at = view.routes(kind, request.path_params[param])
        limits = _svc(request).config.limits
        if "page" in request.query_params or "page_size" in request.query_params:
            items, info = page(routes, request.query_params, limits.page_size, limits.max_page_size)
            return _answer(request, {**bw.routes(items), "pagination": info}, at)
        return _answer(request, bw.routes(routes[:limits.birdwatcher_max_routes], total=len(routes)), at)
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
