"""``GET /openapi.json``: the OpenAPI 3 document of the JSON API, the birdwatcher-compatible API
and the self-check form (``/check``: GET, and the one POST the service takes), written out here
so it says exactly what the routes accept; the fuzz tests read it."""

from __future__ import annotations

from typing import Any

from .. import __version__

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_OK = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}


def _q(name: str, schema: dict[str, Any], required: bool = False, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _p(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _get(summary: str, params: list[dict[str, Any]] | None = None, errors: tuple[str, ...] = ("400",)) -> dict:
    responses: dict[str, Any] = {"200": _OK, **{code: _ERR for code in errors}, "429": _ERR}
    return {"get": {"summary": summary, "parameters": params or [], "responses": responses}}


_RS = _p("rs", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"})
_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"}
_PAGE = [_q("page", {"type": "integer", "minimum": 0}), _q("page_size", {"type": "integer", "minimum": 1, "maximum": 1000})]
_ASN = {"type": "integer", "minimum": 1, "maximum": 4294967295}


def document(rs_names: list[str]) -> dict[str, Any]:
    rs = {**_RS, "schema": {"type": "string", "enum": rs_names}} if rs_names else _RS
    bw_errors = ("404", "501", "503")
    paths: dict[str, Any] = {
        "/api/v1/ixp": _get("The IXP: LANs, route servers, members (with PeeringDB links)", errors=()),
        "/api/v1/check": _get("Self-check: one verdict per prefix, with reason code, text and fix",
                              [_q("asn", _ASN, True), _q("prefix", {"type": "array", "items": {"type": "string"}},
                                                       description="repeatable; 'P' or 'P AS<origin>'"),
                               _q("rs", {"type": "string", "enum": rs_names} if rs_names else {"type": "string"}),
                               _q("as_set", {"type": "string"}, description="prospective member: its AS-SET "
                                  "(live bgpq4 lookup, when the operator enabled it)")], ("400", "503")),
        "/api/v1/route-servers": _get("Route servers and whether their daemon answers", errors=()),
        "/api/v1/route-servers/{rs}/sessions": _get("BGP sessions of a route server", [rs, *_PAGE], bw_errors),
        "/api/v1/route-servers/{rs}/members/{asn}/routes": _get(
            "A member's accepted (or filtered, with the decoded reason) routes",
            [rs, _p("asn", _ASN), _q("filtered", {"type": "boolean"}), *_PAGE], bw_errors),
        "/api/v1/lookup": _get("A prefix or address across every route server (filtered routes too)",
                               [_q("q", {"type": "string"}, True)]),
        "/api/v1/policy": _get("The published route-server policy", errors=()),
        "/api/v1/communities": _get("Communities and reject reasons", errors=()),
        "/api/v1/ixf": _get("IX-F member export (also at /ixf/member-export.json)", errors=()),
        "/birdwatcher/{rs}/status": _get("birdwatcher: status", [rs], bw_errors),
        "/birdwatcher/{rs}/protocols/bgp": _get("birdwatcher: BGP protocols", [rs], bw_errors),
        "/birdwatcher/{rs}/protocols/short": _get("birdwatcher: protocols (short)", [rs], bw_errors),
    }
    for path, what, param in (("routes/protocol/{protocol}", "accepted routes of a protocol", "protocol"),
                              ("routes/filtered/{protocol}", "filtered routes of a protocol", "protocol"),
                              ("routes/noexport/{protocol}", "routes not exported to a protocol", "protocol"),
                              ("routes/table/{table}", "routes of a table", "table"),
                              ("routes/table/{table}/filtered", "filtered routes of a table", "table")):
        paths[f"/birdwatcher/{{rs}}/{path}"] = _get(f"birdwatcher: {what}", [rs, _p(param, _NAME), *_PAGE], bw_errors)
    paths["/check"] = _check_form(rs_names)
    return {
        "openapi": "3.0.3",
        "info": {"title": "ixpctl serve", "version": __version__,
                 "description": "Read-only API of the IXP's route servers (self-check, looking glass, "
                                "birdwatcher-compatible endpoints for Alice-LG)."},
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"],
                                             "properties": {"error": {"type": "string"}, "fix": {"type": "string"},
                                                            "status": {"type": "integer"}}}}},
    }


def _check_form(rs_names: list[str]) -> dict[str, Any]:
    """The self-check page: the same fields by GET (query) or POST (a form, for long prefix lists);
    an HTML page either way (400 with the error on the page for bad input)."""
    fields: dict[str, Any] = {
        "asn": {"type": "string", "maxLength": 12, "description": "the member's ASN, 64496 or AS64496"},
        "prefixes": {"type": "string", "description": "one prefix per line ('P' or 'P AS<origin>'), or a pasted "
                     "`birdc show route all` dump; empty: the member's IRR route objects"},
        "rs": {"type": "string", "enum": rs_names} if rs_names else {"type": "string"},
        "as_set": {"type": "string", "description": "prospective member: its AS-SET (live IRR lookup, when enabled)"},
    }
    html = {"content": {"text/html": {"schema": {"type": "string"}}}}
    responses = {"200": {"description": "the verdicts, one per prefix", **html},
                 "400": {"description": "bad input, said on the page", **html},
                 "413": {**_ERR, "description": "request body larger than the service's limit (256 KiB)"},
                 "429": _ERR}
    schema = {"type": "object", "properties": fields, "required": ["asn"], "additionalProperties": False}
    return {
        "get": {"summary": "Self-check page (HTML)", "responses": responses,
                "parameters": [_q(name, spec, name == "asn", spec.get("description", "")) for name, spec in fields.items()]},
        "post": {"summary": "Self-check form (HTML): the same fields as a form body, for long prefix lists",
                 "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema},
                                                               "multipart/form-data": {"schema": schema}}},
                 "responses": responses},
    }
