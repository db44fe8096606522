"""The Starlette application: routes of every front end, the bounds (``security.Guard``), and one
mapping of the exception family to HTTP answers — JSON for the APIs, a page for the pages, never a
traceback: 400 bad input, 404 unknown route server / protocol / member, 501 not supported by that
daemon yet, 503 daemon unreachable."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import InputError, IxpctlError
from . import api, bw_routes, metrics, pages
from .metrics import MetricsCache
from .openapi import document
from .rsview import NotSupported, Unreachable
from .security import Guard
from .service import Service

log = logging.getLogger("ixpctl.serve")


def _status_of(exc: Exception) -> int:
    if isinstance(exc, Unreachable):
        return 503
    if isinstance(exc, NotSupported):
        return 501
    if isinstance(exc, LookupError):
        return 404
    if isinstance(exc, (InputError, ValueError)):
        return 400
    if isinstance(exc, IxpctlError):
        return 400
    return 500


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/birdwatcher/", "/metrics", "/openapi", "/ixf/"))


async def on_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        status, message, fix = exc.status_code, str(exc.detail), None
    else:
        status = _status_of(exc)
        if status == 500:
            # a bug: logged here with its traceback, the client gets one line
            log.exception("internal error on %s", request.url.path)
            message, fix = "internal error", None
        else:
            message = str(exc) if not isinstance(exc, KeyError) else f"not found: {exc}"
            fix = getattr(exc, "fix", None)
    if _wants_json(request):
        body = {"error": message, "status": status, **({"fix": fix} if fix else {})}
        return JSONResponse(body, status_code=status)
    return pages.error_page(request, status, message, fix)


def openapi(request: Request) -> JSONResponse:
    return JSONResponse(document(list(request.app.state.service.views)))


def create_app(service: Service) -> Starlette:
    routes = [Route("/openapi.json", openapi), *api.ROUTES, *bw_routes.ROUTES, *metrics.ROUTES, *pages.ROUTES,
              Mount("/static", StaticFiles(directory=str(pages.static_dir())), name="static")]
    handlers = {Exception: on_error, HTTPException: on_error, IxpctlError: on_error, LookupError: on_error,
                ValueError: on_error}
    @asynccontextmanager
    async def lifespan(_app: Starlette):
        # every endpoint runs in one of anyio's worker threads (40 by default), and a request waiting
        # for a table walk holds its thread for seconds: enough threads that waiting walks never
        # leave none for a lookup (the walks themselves are bounded by Limits.bird_walks)
        anyio.to_thread.current_default_thread_limiter().total_tokens = service.config.limits.worker_threads
        yield

    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)  # type: ignore[arg-type]
    app.state.service = service
    app.state.metrics = MetricsCache(service)
    pages.setup(app, service)
    return Guard(app, service.config.limits, service.config.trust_proxy,  # type: ignore[return-value]
                 service.config.rate_exempt)
