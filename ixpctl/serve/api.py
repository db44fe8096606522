"""The JSON API, ``/api/v1/...``: the IXP and its members, the self-check, the looking glass
(sessions, a member's accepted and filtered routes with decoded reasons, prefix / address lookup
across the route servers), the published policy, the communities and the IX-F export."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import InputError
from .rsview import NotSupported, Unreachable
from .service import Service, as_int, page


def _svc(request: Request) -> Service:
    return request.app.state.service


def ixp(request: Request) -> JSONResponse:
    svc = _svc(request)
    doc = svc.site.doc
    return JSONResponse({
        "name": doc.ixp_name, "long_name": doc.ixp_long_name, "city": doc.city, "country": doc.country,
        "website": doc.website, "rs_asn": doc.rs_asn, "demo_mode": doc.demo_mode,
        "lans": [lan.__dict__ for lan in doc.lans],
        "route_servers": [{**rs.__dict__, "daemon": svc.views[rs.name].daemon if rs.name in svc.views else None}
                          for rs in doc.route_servers],
        "members": [m.to_json() for m in svc.site.members],
    })


def check(request: Request) -> JSONResponse:
    """GET /api/v1/check?asn=N&prefix=P (repeatable) [&rs=NAME] [&as_set=AS-X: a prospective member,
    expanded live when the operator enabled it]: one entry per prefix."""
    svc = _svc(request)
    params = request.query_params
    if "asn" not in params:
        raise InputError("asn is required", fix="e.g. /api/v1/check?asn=64496&prefix=192.0.2.0/24")
    asn = as_int(params["asn"], "asn", 1)
    prefixes = params.getlist("prefix")
    if len(prefixes) > svc.config.limits.max_prefixes:
        raise InputError(f"at most {svc.config.limits.max_prefixes} prefixes per request")
    for p in prefixes:
        if "\n" in p or len(p) > 200:
            raise InputError("one prefix per parameter: 'P' or 'P AS<origin>'")
    as_set = params.get("as_set") or None
    report = svc.prospects.check(asn, as_set, "\n".join(prefixes) if prefixes else None, params.get("rs"))
    return JSONResponse(check_json(report))


def check_json(report) -> dict[str, Any]:
    data = report.to_json()
    for r in data["results"]:
        r["verdict"] = "accepted" if r["accepted"] else "rejected"
        r["reason_code"] = r["code"]
    return data


def route_servers(request: Request) -> JSONResponse:
    svc = _svc(request)
    return JSONResponse({"route_servers": [{"name": v.name, "daemon": v.daemon, "reachable": v.reachable()}
                                           for v in svc.views.values()]})


def sessions(request: Request) -> JSONResponse:
    svc = _svc(request)
    view = svc.view(request.path_params["rs"])
    items = view.sessions()
    shown, info = page(items, request.query_params, svc.config.limits.max_page_size, svc.config.limits.max_page_size)
    return JSONResponse({"route_server": view.name, "pagination": info, "sessions": [session_json(s) for s in shown]})


def session_json(s) -> dict[str, Any]:
    data = s.to_json()
    data.pop("neighbor_id", None)
    return data


def member_routes(request: Request) -> JSONResponse:
    svc = _svc(request)
    view = svc.view(request.path_params["rs"])
    asn = as_int(request.path_params["asn"], "asn", 1)
    filtered = request.query_params.get("filtered", "false").lower() in ("1", "true", "yes")
    routes = view.member_routes(asn, filtered=filtered)
    shown, info = page(routes, request.query_params, svc.config.limits.page_size, svc.config.limits.max_page_size)
    dec = svc.decoder(view.name)
    return JSONResponse({"route_server": view.name, "member": asn, "filtered": filtered, "pagination": info,
                         "routes": [dec.route(r) for r in shown]})


def lookup(request: Request) -> JSONResponse:
    """GET /api/v1/lookup?q=PREFIX|ADDRESS: every route server's routes for it, filtered ones too."""
    return JSONResponse(lookup_all(_svc(request), request.query_params.get("q", "")))


def lookup_all(svc: Service, q: str) -> dict[str, Any]:
    if not q.strip():
        raise InputError("q is required: a prefix or an IP address")
    out: dict[str, Any] = {"query": q.strip()[:64], "route_servers": {}}
    for name, view in svc.views.items():
        try:
            routes = view.lookup(q)
            out["route_servers"][name] = {"routes": [svc.decoder(name).route(r) for r in
                                                     routes[:svc.config.limits.max_page_size]]}
        except (Unreachable, NotSupported) as exc:
            out["route_servers"][name] = {"error": str(exc), "routes": []}
    return out


def policy(request: Request) -> JSONResponse:
    return JSONResponse(_svc(request).site.doc.to_json())


def communities(request: Request) -> JSONResponse:
    doc = _svc(request).site.doc
    return JSONResponse({
        "control": [c.__dict__ for c in doc.control], "info": [c.__dict__ for c in doc.info],
        "well_known": [c.__dict__ for c in doc.well_known],
        "reject_reasons": [{"code": c.code, "name": c.name, "en": c.title, "fr": c.title_fr,
                            "community": c.reject_community, "tag_community": c.tag_community,
                            "fix": c.fix, "fix_fr": c.fix_fr} for c in doc.reject_reasons],
    })


def ixf(request: Request) -> JSONResponse:
    return JSONResponse(_svc(request).site.ixf())


ROUTES = [
    Route("/api/v1/ixp", ixp),
    Route("/api/v1/check", check),
    Route("/api/v1/route-servers", route_servers),
    Route("/api/v1/route-servers/{rs}/sessions", sessions),
    Route("/api/v1/route-servers/{rs}/members/{asn}/routes", member_routes),
    Route("/api/v1/lookup", lookup),
    Route("/api/v1/policy", policy),
    Route("/api/v1/communities", communities),
    Route("/api/v1/ixf", ixf),
    Route("/ixf/member-export.json", ixf),  # the stable URL to give IX-F / PeeringDB
]
