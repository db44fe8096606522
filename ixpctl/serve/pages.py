"""The server-rendered pages (templates/web/): the IXP, the self-check form, the looking glass, the
policy, the communities, the IX-F export. No JavaScript; the language comes from ``?lang=`` (then
remembered in a cookie), else the service's default (French for MLIX)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..base.paths import templates_dir
from ..errors import InputError
from ..publish.docs import render_markdown
from .api import check_json, lookup_all
from .i18n import pick, t
from .rsview import NotSupported, Unreachable
from .service import Service, as_int, page

_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def static_dir() -> Path:
    return templates_dir() / "web" / "static"


def setup(app, service: Service) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "web")),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    app.state.env = env


def _lang(request: Request) -> str:
    svc: Service = request.app.state.service
    return pick(request.query_params.get("lang") or request.cookies.get("lang"), svc.config.default_lang)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    svc: Service = request.app.state.service
    lang = _lang(request)
    other = "en" if lang == "fr" else "fr"
    query = dict(request.query_params)
    query["lang"] = other

    def link(path: str, **params: Any) -> str:
        clean = {k: v for k, v in params.items() if v is not None}
        return path + "?" + urlencode({**clean, "lang": lang})

    html = request.app.state.env.get_template(template).render(
        lang=lang, t=lambda key, **v: t(lang, key, **v), link=link, svc=svc, doc=svc.site.doc,
        switch_url=request.url.path + "?" + urlencode(query), path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in ("fr", "en"):
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def error_page(request: Request, status: int, message: str, fix: str | None) -> Response:
    try:
        return _render(request, "error.html", status=status, status_code=status, message=message, fix=fix)
    except Exception:  # noqa: BLE001 - the error page itself must never fail into a traceback
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)


def home(request: Request) -> HTMLResponse:
    return _render(request, "home.html")


async def check(request: Request) -> HTMLResponse:
    svc: Service = request.app.state.service
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=10, max_part_size=svc.config.limits.max_body_bytes)
        params: Any = form
    else:
        params = request.query_params
    asn_text = str(params.get("asn", "")).strip()
    text = str(params.get("prefixes", ""))
    rs = str(params.get("rs", "")) or None
    as_set = str(params.get("as_set", "")).strip() or None
    report = error = None
    if asn_text:
        from starlette.concurrency import run_in_threadpool
        try:
            asn = as_int(asn_text, "ASN", 1)
            report = check_json(await run_in_threadpool(svc.prospects.check, asn, as_set, text, rs))
        except (InputError, Unreachable) as exc:
            error = exc
    return _render(request, "check.html", status=400 if error else 200, report=report, error=error,
                   asn=asn_text, prefixes=text, rs=rs, as_set=as_set or "")


def lg(request: Request) -> HTMLResponse:
    svc: Service = request.app.state.service
    servers = []
    for name, view in svc.views.items():
        try:
            servers.append({"name": name, "daemon": view.daemon, "sessions": view.sessions(), "error": None})
        except (Unreachable, NotSupported) as exc:
            servers.append({"name": name, "daemon": view.daemon, "sessions": [], "error": str(exc)})
    return _render(request, "lg.html", servers=servers)


def lg_member(request: Request) -> HTMLResponse:
    svc: Service = request.app.state.service
    view = svc.view(request.path_params["rs"])
    asn = as_int(request.path_params["asn"], "ASN", 1)
    filtered = request.query_params.get("filtered", "") in ("1", "true", "yes")
    routes = view.member_routes(asn, filtered=filtered)
    shown, info = page(routes, request.query_params, svc.config.limits.page_size, svc.config.limits.max_page_size)
    dec = svc.decoder(view.name)
    return _render(request, "lg_member.html", rs=view.name, asn=asn, member=svc.site.member(asn), filtered=filtered,
                   routes=[dec.route(r) for r in shown], info=info)


def lg_lookup(request: Request) -> HTMLResponse:
    svc: Service = request.app.state.service
    q = request.query_params.get("q", "").strip()
    result = lookup_all(svc, q) if q else None
    return _render(request, "lg_lookup.html", q=q, result=result)


def lg_route(request: Request) -> HTMLResponse:
    svc: Service = request.app.state.service
    view = svc.view(request.path_params["rs"])
    prefix = request.query_params.get("prefix", "")
    protocol = request.query_params.get("protocol")
    if "/" not in prefix:
        raise InputError("prefix is required (e.g. 198.51.100.0/24)")
    dec = svc.decoder(view.name)
    routes = [dec.route(r) for r in view.lookup(prefix) if protocol in (None, "", r.protocol)]
    return _render(request, "lg_route.html", rs=view.name, prefix=prefix, routes=routes)


def policy(request: Request) -> HTMLResponse:
    svc: Service = request.app.state.service
    lang = _lang(request)
    html = _MD.render(render_markdown(svc.site.doc, lang, link_ext="html"))  # raw HTML disabled
    for other in ("fr", "en"):  # the documents' cross-language links → this page in that language
        html = html.replace(f'href="policy.{other}.html"', f'href="/policy?lang={other}"')
    body = Markup(html)
    return _render(request, "policy.html", body=body)


def communities(request: Request) -> HTMLResponse:
    return _render(request, "communities.html")


def ixf(request: Request) -> HTMLResponse:
    return _render(request, "ixf.html")


def robots(request: Request) -> Response:
    return Response("User-agent: *\nDisallow: /lg/\nDisallow: /api/\nDisallow: /birdwatcher/\n", media_type="text/plain")


def favicon(request: Request) -> Response:
    return Response(status_code=204)  # browsers ask for it; there is none, and a 404 is noise


ROUTES = [
    Route("/favicon.ico", favicon),
    Route("/", home),
    Route("/check", check, methods=["GET", "HEAD", "POST"]),
    Route("/lg", lg),
    Route("/lg/lookup", lg_lookup),
    Route("/lg/{rs}/member/{asn}", lg_member),
    Route("/lg/{rs}/route", lg_route),
    Route("/policy", policy),
    Route("/communities", communities),
    Route("/ixf", ixf),
    Route("/robots.txt", robots),
]
