"""``ixpctl sources import``: facts from files fetched elsewhere (a USB stick, a mirror, another
machine) into the inventory's snapshot, through the same refresh as live sources — so provenance,
hashes, last-good fallback and the snapshot format are exactly those of ``sources refresh``.

* IRR: bgpq4 JSON output (``bgpq4 -j``, one file per query and list: the query is the JSON key, or
  the file name when the key is bgpq4's default ``NN``: ``RIPE::AS-FOO.v4.json``, ``.v6``,
  ``.asns``; the list kind is read from the content, or from that suffix when it is empty) and
  RPSL dumps (``sources/rpsl.py``, expanded with bgpq4's semantics). A query neither covers keeps
  its last good data, loudly, as a failed live query would.
* RPKI: an rpki-client / Routinator JSON or CSV export (``sources/rpki.py``).
* PeeringDB: a JSON dump of the API objects the client uses: ``{"net": ..., "netixlan": ...,
  "poc": ...}``, each the API's answer (``{"data": [...]}``) or its list.

The origin recorded in the provenance is the file(s); ``now`` is the fetch time written (by
default the time of the import): give the time the files were made to pin a build.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import SourceError
from . import irr as live_irr
from . import peeringdb as live_pdb
from .facts import Contact, IrrExpansion, PdbNetIxLan, PdbNetwork, Provenance
from .irr_parse import _emptiness_warnings, _stderr_warnings, apply_limits, parse_asn_json, parse_prefix_json
from .refresh import RefreshOutcome, refresh
from .rpsl import RpslDb, expand, load_rpsl

_SUFFIX = re.compile(r"^(?P<query>.+?)(?:[._-](?P<kind>asns|t|v4|4|v6|6))?$", re.IGNORECASE)
_KIND = {"asns": "asns", "t": "asns", "v4": 4, "4": 4, "v6": 6, "6": 6}


def _is_rpsl(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096].lstrip()
    except OSError as err:
        raise SourceError(f"cannot read {path}: {err.strerror}") from None
    return not head.startswith("{")


def read_bgpq4_json(path: Path) -> tuple[str, str | int, Any]:
    """(canonical query, "asns" | 4 | 6, parsed list) of one ``bgpq4 -j`` output file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SourceError(f"{path}:{err.lineno}: not JSON ({err.msg})", fix="give bgpq4 -j output or an RPSL dump") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise SourceError(f"{path}: expected bgpq4 -j output ({{\"NAME\": [...]}})")
    key, items = next(iter(data.items()))
    match = _SUFFIX.match(path.name.removesuffix(".json"))
    stem, hint = (match["query"], _KIND.get((match["kind"] or "").lower())) if match else (path.stem, None)
    query = live_irr.canonical_query(stem if key in ("NN", "ixpctl") else key)
    kind: str | int | None = hint
    if isinstance(items, list) and items:
        first = items[0]
        kind = "asns" if isinstance(first, int) else (6 if ":" in str(first.get("prefix", "")) else 4) \
            if isinstance(first, int | dict) else None
    if kind is None:
        raise SourceError(f"{path}: an empty list and no .asns/.v4/.v6 in the file name: which list is it?",
                          fix="name the file <QUERY>.asns.json, <QUERY>.v4.json or <QUERY>.v6.json")
    where = str(path)
    parsed = parse_asn_json(text, query=query, host=where) if kind == "asns" else \
        parse_prefix_json(text, family=int(kind), query=query, host=where)
    return query, kind, parsed


class FileIrr:
    """Stands in for ``sources/irr.py`` in the refresh: expansions from files instead of bgpq4."""

    member_queries = staticmethod(live_irr.member_queries)

    def __init__(self, rpsl: RpslDb | None, lists: dict[str, dict[str | int, Any]], origin: str):
        self.rpsl, self.lists, self.origin = rpsl, lists, origin

    def expand_all(self, queries, settings, *, progress=None, max_length4: int = 24, max_length6: int = 48,
                   aggregate: bool = False, allow_special_asns: bool = False, **_: Any) -> dict[str, IrrExpansion]:
        if aggregate and self.rpsl is not None:
            raise SourceError("irr.aggregate (bgpq4 -A) is not available for RPSL dumps",
                              fix="set irr.aggregate: false in the policy, or import bgpq4 -A output (JSON)")
        results: dict[str, IrrExpansion] = {}
        failures: dict[str, SourceError] = {}
        for raw in queries:
            query = live_irr.canonical_query(raw)
            if query in results:
                continue
            given = self.lists.get(query)
            if given is not None and {"asns", 4, 6} <= set(given):
                exp = IrrExpansion(query, list(given["asns"]),
                                   [p for p in given[4] if p[2] <= max_length4],
                                   [p for p in given[6] if p[2] <= max_length6])
                exp.warnings += _emptiness_warnings(exp, self.origin)
            elif self.rpsl is not None:
                found = expand(self.rpsl, query, live_irr.sources_for(query, settings), max_length4=max_length4,
                               max_length6=max_length6, allow_special_asns=allow_special_asns)
                exp = IrrExpansion(query, found.asns, found.prefixes4, found.prefixes6)
                exp.warnings += _stderr_warnings(query, self.origin,
                                                 [f"Invalid AS number: {a}" for a in found.dropped_special])
                exp.warnings += _emptiness_warnings(exp, self.origin)
            else:
                missing = sorted({"asns", "v4", "v6"} - {("v" + str(k)) if k in (4, 6) else k for k in (given or {})})
                failures[query] = SourceError(f"IRR query {query}: not in the imported files (missing: {', '.join(missing)})",
                                              fix=f"add bgpq4 -j output for {query} (-t, -4 and -6), or an RPSL dump")
                continue
            apply_limits(exp, settings)
            results[query] = exp
            if progress is not None:
                progress(query)
        if failures:
            raise live_irr.IrrPartialFailure(results, failures)
        return results


def _rows(dump: dict[str, Any], tag: str) -> list[dict[str, Any]]:
    value = dump.get(tag, [])
    value = value.get("data", []) if isinstance(value, dict) else value
    if not isinstance(value, list):
        raise SourceError(f"PeeringDB dump: {tag} is not a list of objects")
    return [r for r in value if isinstance(r, dict) and r.get("status", "ok") == "ok"]


class DumpPeeringDB:
    """Stands in for ``sources/peeringdb.py`` in the refresh: the API objects of a JSON dump."""

    def __init__(self, path: Path, now: datetime):
        try:
            self.dump = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise SourceError(f"cannot read the PeeringDB dump {path}: {err}",
                              fix="give a JSON file {\"net\": ..., \"netixlan\": ..., \"poc\": ...}") from None
        if not isinstance(self.dump, dict):
            raise SourceError(f"{path}: a PeeringDB dump is a JSON object with net, netixlan and poc")
        self.path, self.now = Path(path), now

    def sync(self, settings: Any, *, db_dir: Path, progress: Any = None) -> None:
        return None  # nothing to fetch: the dump is the data

    def lookup(self, db_dir: Path, *, ix_id: int | None, asns) -> tuple[dict[int, PdbNetwork], list[PdbNetIxLan]]:
        wanted = {int(a) for a in asns}
        pocs: dict[int, list[Contact]] = {}
        for p in sorted(_rows(self.dump, "poc"), key=lambda p: (str(p.get("role")), str(p.get("name")),
                                                                str(p.get("email")), p.get("id", 0))):
            if p.get("visible", "Public") == "Public":
                pocs.setdefault(int(p.get("net_id", 0)), []).append(Contact(
                    str(p.get("role") or ""), str(p.get("name") or ""), str(p.get("email") or ""),
                    str(p.get("phone") or "")))
        networks = {}
        for n in sorted(_rows(self.dump, "net"), key=lambda n: int(n.get("asn", 0))):
            asn = int(n.get("asn", 0))
            if asn in wanted:
                networks[asn] = PdbNetwork(asn, str(n.get("name") or ""), str(n.get("irr_as_set") or ""),
                                           n.get("info_prefixes4"), n.get("info_prefixes6"),
                                           bool(n.get("info_never_via_route_servers")),
                                           str(n.get("policy_general") or ""), str(n.get("website") or ""),
                                           pocs.get(int(n.get("id", -1)), []))
        rows = []
        if ix_id is not None:
            lans = {int(x["id"]) for x in _rows(self.dump, "ixlan") if int(x.get("ix_id", -1)) == ix_id}
            for r in _rows(self.dump, "netixlan"):
                if int(r.get("ix_id", -1)) == ix_id or int(r.get("ixlan_id", -1)) in lans:
                    rows.append(PdbNetIxLan(int(r["asn"]), int(r.get("ixlan_id", 0)), r.get("ipaddr4") or None,
                                            r.get("ipaddr6") or None, int(r.get("speed") or 0),
                                            bool(r.get("is_rs_peer")), bool(r.get("operational", True))))
            rows.sort(key=lambda r: (r.asn, r.ixlan_id))
        return networks, rows

    def never_via_rs_asns(self, db_dir: Path) -> set[int]:
        return {int(n["asn"]) for n in _rows(self.dump, "net") if n.get("info_never_via_route_servers")}

    def provenance(self, db_dir: Path, networks, netixlan, *, ix_id: int | None = None) -> Provenance:
        from .snapshot import iso_utc

        return Provenance("peeringdb", f"file:{self.path}", iso_utc(self.now),
                          live_pdb.facts_sha256(networks, netixlan),
                          {"ix_id": ix_id, "networks": len(networks), "netixlan": len(netixlan), "dump": str(self.path)})


def import_files(inventory: Any, *, snapshot_dir: Path, repo_root: Path, irr_files: list[Path] = (),
                 rpki_file: Path | None = None, peeringdb_file: Path | None = None,
                 irr_options: dict[str, Any] | None = None, now: datetime | None = None) -> RefreshOutcome:
    """Refresh the snapshot at ``snapshot_dir`` from files; like ``refresh``, a source that fails
    keeps its last good data and the outcome says so."""
    from .snapshot import utc_now

    now = now or utc_now()
    inv = inventory.model_copy(deep=True)
    which, irr_module, pdb_module = [], None, None
    if peeringdb_file is not None:
        which.append("peeringdb")
        pdb_module = DumpPeeringDB(peeringdb_file, now)
    if irr_files:
        which.append("irr")
        rpsl_paths = [p for p in irr_files if _is_rpsl(Path(p))]
        lists: dict[str, dict[str | int, Any]] = {}
        for path in irr_files:
            if path not in rpsl_paths:
                query, kind, parsed = read_bgpq4_json(Path(path))
                lists.setdefault(query, {})[kind] = parsed
        origin = ",".join(f"file:{p}" for p in irr_files)
        irr_module = FileIrr(load_rpsl([Path(p) for p in rpsl_paths]) if rpsl_paths else None, lists, origin)
        inv.sources.irr.hosts = [f"file:{p}" for p in irr_files]  # the provenance's origin
    if rpki_file is not None:
        which.append("rpki")
        inv.sources.rpki.vrp_file, inv.sources.rpki.vrp_url = str(Path(rpki_file).resolve()), None
    if not which:
        raise SourceError("nothing to import", fix="give --irr FILE, --rpki FILE and/or --peeringdb FILE")
    return refresh(inv, which, snapshot_dir=snapshot_dir, repo_root=repo_root, now=now,
                   peeringdb_module=pdb_module, irr_module=irr_module, irr_options=irr_options)
