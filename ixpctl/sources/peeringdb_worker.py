"""Child process that runs the official ``peeringdb`` client for :mod:`ixpctl.sources.peeringdb`.

Why a separate process: the client initialises Django (its ORM back end) once per process and then
silently keeps using the first database for every later ``Client`` — a second cache directory in the
same process would read and write the wrong sqlite file. Running each sync or query here gives every
call a fresh Django bound to the right database, keeps Django out of the CLI process, and lets the
parent turn any failure (or crash) into one clear :class:`ixpctl.errors.SourceError`.

Protocol (private to ixpctl): ``python -m ixpctl.sources.peeringdb_worker REQUEST.json RESULT.json``.
The request names the command (``sync`` or ``query``), paths and settings — never the API key itself,
only the name of the environment variable holding it. Progress goes to stderr as ``progress: ...``
lines; the outcome goes to RESULT.json as ``{"ok": true, "data": ...}`` or
``{"ok": false, "error": {"message": ..., "fix": ...}}``. Exit code 0 = ok, 3 = a reported failure.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any

PROGRESS_PREFIX = "progress: "


class WorkerFailure(Exception):
    """A failure already explained for humans: message plus how to fix it."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix


# --- client set-up ---------------------------------------------------------------------------------
def _setup_logging() -> None:
    """Route the client's log lines to stderr as progress (it logs to stdout by default)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(PROGRESS_PREFIX + "%(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("urllib3", "django"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _client_config(req: dict[str, Any]) -> dict[str, Any]:
    """A complete client config with every path absolute, so nothing lands in the CWD or ~."""
    from peeringdb import config

    cfg = config.default_config()
    sync = cfg["sync"]
    sync.update({
        "url": req["url"],
        "cache_url": req["cache_url"],
        "cache_dir": req["cache_dir"],
        "api_key": os.environ.get(req["api_key_env"], "") if req.get("api_key_env") else "",
        "user": "",
        "password": "",
        "timeout": int(req["timeout"]),
        "failed_entries": req["failed_entries"],
        "proxy": "",
    })
    cfg["orm"].update({"backend": "django_peeringdb", "migrate": True, "secret_key": "ixpctl-local-cache"})
    cfg["orm"]["database"].update({"engine": "sqlite3", "name": req["db_path"], "host": "", "port": 0,
                                   "user": "", "password": ""})
    # allow_other_loggers: keep our stderr handler instead of the client's stdout one
    cfg["log"] = {"level": "INFO", "allow_other_loggers": 1}
    return cfg


def _client(req: dict[str, Any]) -> Any:
    from peeringdb.client import Client

    cfg = _client_config(req)
    client = Client(cfg)
    # Django's setup (inside Client) installs django_peeringdb's LOGGING over ours: take it back.
    _setup_logging()
    # Updater re-reads the *default* config (~/.peeringdb) for these two keys; pin them to ours.
    client.updater.config = cfg
    return client


# --- sync ----------------------------------------------------------------------------------------
def _read_failed(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "[]")
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _retry_failed(client: Any, failed: list[dict[str, Any]]) -> None:
    """Rows that failed last time are not in any later incremental window: fetch them one by one."""
    from peeringdb import resource

    for entry in failed:
        try:
            client.updater.update_one(resource.get_resource(entry["resource_tag"]), int(entry["pk"]))
            logging.getLogger(__name__).info("retried %s %s: ok", entry["resource_tag"], entry["pk"])
        except Exception as exc:  # noqa: BLE001 - a retry failing is reported by the sync below
            logging.getLogger(__name__).info("retried %s %s: %s", entry.get("resource_tag"),
                                             entry.get("pk"), exc)


def do_sync(req: dict[str, Any]) -> dict[str, Any]:
    failed_path = Path(req["failed_entries"])
    previous = _read_failed(failed_path)
    failed_path.unlink(missing_ok=True)
    client = _client(req)
    if previous:
        _retry_failed(client, previous)
    client.update_all()
    return {"failed_entries": _read_failed(failed_path)}


# --- query ---------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _networks(client: Any, asns: list[int]) -> dict[str, Any]:
    from peeringdb import resource

    nets = list(client.all(resource.Network).filter(asn__in=asns, status="ok").order_by("asn"))
    contacts: dict[int, list[dict[str, str]]] = {n.id: [] for n in nets}
    pocs = (client.all(resource.NetworkContact)
            .filter(net_id__in=list(contacts), status="ok", visible="Public")
            .order_by("role", "name", "email", "id"))
    for poc in pocs:
        contacts[poc.net_id].append({"role": _text(poc.role), "name": _text(poc.name),
                                     "email": _text(poc.email), "phone": _text(poc.phone)})
    return {
        str(n.asn): {
            "asn": int(n.asn),
            "name": _text(n.name),
            "irr_as_set": _text(n.irr_as_set),
            "info_prefixes4": n.info_prefixes4,
            "info_prefixes6": n.info_prefixes6,
            "never_via_route_servers": bool(n.info_never_via_route_servers),
            "policy_general": _text(n.policy_general),
            "website": _text(n.website),
            "contacts": contacts[n.id],
        }
        for n in nets
    }


def _netixlan(client: Any, ix_id: int) -> list[dict[str, Any]]:
    from django.core.exceptions import ObjectDoesNotExist
    from peeringdb import resource

    try:
        ix = client.get(resource.InternetExchange, ix_id)
    except ObjectDoesNotExist:
        ix = None
    if ix is None or ix.status != "ok":
        raise WorkerFailure(
            f"PeeringDB has no exchange with id {ix_id} (or it was deleted)",
            fix="check ixp.peeringdb_ix_id in the inventory: it is the number in "
                "https://www.peeringdb.com/ix/<id>")
    rows = (client.all(resource.NetworkIXLan)
            .filter(ixlan__ix_id=ix_id, ixlan__status="ok", status="ok")
            .order_by("asn", "ixlan_id", "id"))
    return [{
        "asn": int(r.asn),
        "ixlan_id": int(r.ixlan_id),
        "ipaddr4": str(r.ipaddr4) if r.ipaddr4 else None,
        "ipaddr6": str(r.ipaddr6) if r.ipaddr6 else None,
        "speed": int(r.speed or 0),
        "is_rs_peer": bool(r.is_rs_peer),
        "operational": bool(r.operational) if r.operational is not None else True,
    } for r in rows]


def _never_via_rs(client: Any) -> list[int]:
    from peeringdb import resource

    rows = (client.all(resource.Network)
            .filter(info_never_via_route_servers=True, status="ok")
            .values_list("asn", flat=True))
    return sorted(int(asn) for asn in rows)


def _country(client: Any, country: str) -> dict[str, Any]:
    """Facilities in ``country`` and the networks there: at one of them (netfac), or whose
    organisation is registered in the country (``ixpctl report``: who could peer locally)."""
    from peeringdb import resource

    facs = list(client.all(resource.Facility).filter(country=country, status="ok").order_by("id"))
    fac_ids = [f.id for f in facs]
    at: dict[int, list[int]] = {}
    # the client's netfac model has no local_asn (the API's field): the network's ASN via net
    for row in (client.all(resource.NetworkFacility).filter(fac_id__in=fac_ids, status="ok", net__status="ok")
                .order_by("net__asn", "fac_id")):
        at.setdefault(int(row.net.asn), []).append(int(row.fac_id))
    nets = {int(n.asn): n for n in client.all(resource.Network).filter(org__country=country, status="ok")}
    nets.update({int(n.asn): n for n in client.all(resource.Network).filter(asn__in=list(at), status="ok")})
    return {
        "facilities": [{"id": int(f.id), "name": _text(f.name), "city": _text(f.city)} for f in facs],
        "networks": [{"asn": asn, "name": _text(n.name), "org_country": _text(n.org.country),
                      "facilities": at.get(asn, [])} for asn, n in sorted(nets.items())],
    }


def _exchange(client: Any, ix_id: int) -> dict[str, Any]:
    """The exchange itself, its LANs (with the route servers' ASN) and their prefixes: what an
    inventory skeleton needs beyond the netixlan rows (``ixpctl import peeringdb``)."""
    from django.core.exceptions import ObjectDoesNotExist
    from peeringdb import resource

    try:
        ix = client.get(resource.InternetExchange, ix_id)
    except ObjectDoesNotExist:
        ix = None
    if ix is None or ix.status != "ok":
        raise WorkerFailure(f"PeeringDB has no exchange with id {ix_id} (or it was deleted)",
                            fix="give the number in https://www.peeringdb.com/ix/<id>")
    lans = list(client.all(resource.InternetExchangeLan).filter(ix_id=ix_id, status="ok").order_by("id"))
    prefixes = (client.all(resource.InternetExchangeLanPrefix)
                .filter(ixlan_id__in=[lan.id for lan in lans], status="ok").order_by("ixlan_id", "protocol", "id"))
    return {
        "id": int(ix.id), "name": _text(ix.name), "name_long": _text(ix.name_long), "city": _text(ix.city),
        "country": _text(ix.country), "website": _text(ix.website), "tech_email": _text(ix.tech_email),
        "lans": [{"id": int(lan.id), "name": _text(lan.name), "descr": _text(lan.descr),
                  "mtu": int(lan.mtu) if lan.mtu else None, "rs_asn": int(lan.rs_asn) if lan.rs_asn else None}
                 for lan in lans],
        "prefixes": [{"ixlan_id": int(p.ixlan_id), "protocol": _text(p.protocol), "prefix": _text(p.prefix)}
                     for p in prefixes],
    }


def do_query(req: dict[str, Any]) -> dict[str, Any]:
    client = _client(req)
    out: dict[str, Any] = {}
    if "networks" in req["want"]:
        out["networks"] = _networks(client, [int(a) for a in req.get("asns", [])])
    if "netixlan" in req["want"]:
        out["netixlan"] = _netixlan(client, int(req["ix_id"])) if req.get("ix_id") is not None else []
    if "never_via_rs" in req["want"]:
        out["never_via_rs"] = _never_via_rs(client)
    if "country" in req["want"]:
        out["country"] = _country(client, str(req["country"]))
    if "exchange" in req["want"]:
        out["exchange"] = _exchange(client, int(req["ix_id"]))
    return out


# --- errors --------------------------------------------------------------------------------------
def _http_fix(status: int, req: dict[str, Any], cache: bool) -> str:
    if status in (401, 403):
        return (f"check the API key in ${req.get('api_key_env')} (unset it to sync anonymously); "
                "PeeringDB keys are made at https://www.peeringdb.com/profile")
    if status == 404:
        if cache:
            return ("check sources.peeringdb.cache_url (e.g. https://public.peeringdb.com), or set it to '' "
                    "to fetch everything from the API")
        return "check sources.peeringdb.url: it must be the API root, e.g. https://www.peeringdb.com/api"
    if status >= 500:
        return "the server has a problem: retry later; builds keep using the last good snapshot meanwhile"
    return "check sources.peeringdb.url and cache_url in the inventory"


def _network_failure(exc: BaseException, req: dict[str, Any]) -> WorkerFailure:
    import requests

    request = getattr(exc, "request", None)
    where = getattr(request, "url", None) or req["url"]
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        reason = f"no answer within {req['timeout']} s"
        fix = "check the network path to PeeringDB, or raise sources.peeringdb.timeout"
    elif "Connection refused" in text:
        reason = "connection refused"
        fix = "check sources.peeringdb.url/cache_url and that the server is running and reachable"
    elif "Name or service not known" in text or "nodename nor servname" in text \
            or "Temporary failure in name resolution" in text:
        reason = "the host name does not resolve"
        fix = "check DNS on this machine and the host in sources.peeringdb.url/cache_url"
    else:
        reason = re.sub(r"\s+", " ", text)[:300]
        fix = "check the network path to PeeringDB and sources.peeringdb.url/cache_url"
    return WorkerFailure(f"cannot reach PeeringDB at {where}: {reason}", fix)


def _not_json(exc: BaseException, req: dict[str, Any]) -> WorkerFailure:
    where = " or ".join(u for u in (req["url"], req["cache_url"]) if u)
    detail = f"no {exc} key" if isinstance(exc, KeyError) else str(exc)
    return WorkerFailure(f"the server at {where} did not answer PeeringDB JSON ({type(exc).__name__}: {detail})",
                         "check sources.peeringdb.url and cache_url: they must point at PeeringDB "
                         "(a proxy or maintenance page answers HTML)")


def explain(exc: BaseException, req: dict[str, Any]) -> WorkerFailure:
    """Turn whatever the client raised into one sentence and a fix. Never a traceback."""
    import requests
    from django.db import DatabaseError, IntegrityError
    from peeringdb.fetch import CompatibilityError

    if isinstance(exc, WorkerFailure):
        return exc
    text = str(exc)
    if isinstance(exc, CompatibilityError):
        return WorkerFailure(f"PeeringDB refuses this client version: {text}",
                             "upgrade the 'peeringdb' package (and ixpctl) to a supported version")
    if isinstance(exc, (json.JSONDecodeError, KeyError)):  # requests' JSONDecodeError is both
        return _not_json(exc, req)
    if isinstance(exc, requests.exceptions.RequestException):
        return _network_failure(exc, req)
    if isinstance(exc, ValueError):
        if m := re.fullmatch(r"Error fetching (\S+) @ (\S+) from remote cache: (\d+)", text):
            status = int(m.group(3))
            return WorkerFailure(f"PeeringDB cache {m.group(2)} answered HTTP {status} for '{m.group(1)}'",
                                 _http_fix(status, req, cache=True))
        if m := re.fullmatch(r"Error fetching (\S+): (\d+)", text):
            status = int(m.group(2))
            return WorkerFailure(f"PeeringDB API {m.group(1)} answered HTTP {status}",
                                 _http_fix(status, req, cache=False))
        if text.startswith("Request error: "):
            cause = exc.__context__ if isinstance(exc.__context__, requests.exceptions.RequestException) else exc
            if isinstance(cause, json.JSONDecodeError):
                return _not_json(cause, req)
            return _network_failure(cause, req)
        if text.startswith("Bad request error"):
            return WorkerFailure(f"PeeringDB rejected the request: {text}",
                                 "check sources.peeringdb.url; upgrade the 'peeringdb' package if this persists")
        if m := re.fullmatch(r"Object (\w+) (\d+) not found", text):
            return WorkerFailure(f"PeeringDB data refers to {m.group(1)} {m.group(2)}, which the server "
                                 "does not return", "retry later (the upstream data is being changed)")
    if isinstance(exc, IntegrityError):
        return WorkerFailure(f"PeeringDB sent rows the local cache cannot store ({text})",
                             "the server's data does not fit the client's schema: upgrade the 'peeringdb' and "
                             "'django-peeringdb' packages; if the server is a local fixture, fill in the field")
    if isinstance(exc, DatabaseError):
        return WorkerFailure(f"the local PeeringDB cache {req['db_path']} cannot be used: {text}",
                             "check free disk space and permissions; if it is corrupt, delete the "
                             "directory and sync again")
    return WorkerFailure(f"the peeringdb client failed unexpectedly: {type(exc).__name__}: {text}",
                         f"details in {Path(req['db_path']).parent / 'worker-error.log'}; please report it")


# --- entry point ---------------------------------------------------------------------------------
def _write(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m ixpctl.sources.peeringdb_worker REQUEST.json RESULT.json", file=sys.stderr)
        return 2
    req = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result_path = Path(argv[1])
    _setup_logging()
    try:
        data = {"sync": do_sync, "query": do_query}[req["command"]](req)
    except BaseException as exc:  # everything becomes a reported failure
        if isinstance(exc, KeyboardInterrupt):
            raise
        log = Path(req["db_path"]).parent / "worker-error.log"
        try:
            log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        except OSError:
            pass
        failure = explain(exc, req)
        _write(result_path, {"ok": False, "error": {"message": failure.message, "fix": failure.fix}})
        return 3
    _write(result_path, {"ok": True, "data": data})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
