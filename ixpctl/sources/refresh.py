"""Refresh the facts snapshot: fetch the chosen sources, fall back to last-good, write atomically.

The order matters: PeeringDB first (a member's AS-SET may come from PeeringDB), then IRR (queries
built from the inventory and the PeeringDB facts), then RPKI. A source that is not refreshed keeps
its data from the current snapshot; a source whose refresh fails keeps its last good data with a
loud warning (see ``last_good.merge_with_last_good``).

The PeeringDB and IRR fetchers are imported lazily (they pull in Django and subprocess machinery)
and can be injected, so this orchestration is unit-tested with fakes; the fetchers have their own
integration tests against a local PeeringDB server and IRRd.
"""

from __future__ import annotations

import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from ..errors import IxpctlError, SourceError
from ..inventory.sources_config import RpkiSource
from . import snapshot as snap
from .facts import Facts, IrrExpansion, Provenance
from .last_good import copy_facts, merge_with_last_good
from .rpki import VrpLoad, load_vrps
from .snapshot_write import write_snapshot

SOURCE_ORDER: tuple[str, ...] = ("peeringdb", "irr", "rpki")


class ProgressHooks(Protocol):
    """What the orchestration needs from a progress display (the CLI gives a rich one)."""

    def task(self, source: str, description: str, total: int | None = None) -> Callable[[str], None]:
        """A ``progress(text)`` callback for one fetcher: with a ``total``, each call is one step
        done (IRR: one query finished); without, the text just describes what is going on."""
        ...


@dataclass
class RefreshOutcome:
    facts: Facts  # what was written to the snapshot
    snapshot_dir: Path
    refreshed: list[str] = field(default_factory=list)  # sources fetched successfully
    failed: dict[str, str] = field(default_factory=dict)  # source or "irr:<query>" → why
    without_fallback: list[str] = field(default_factory=list)  # failed sources with no last-good data
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.without_fallback

    def to_json(self) -> dict[str, Any]:
        return {"snapshot_dir": str(self.snapshot_dir), "refreshed": self.refreshed, "failed": self.failed,
                "without_fallback": self.without_fallback, "notes": self.notes,
                "warnings": self.facts.warnings, "ok": self.ok}


def _resolve(repo_root: Path, path: str | Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else repo_root / path


def _describe(err: BaseException) -> str:
    if isinstance(err, IxpctlError):
        return err.message + (f" (fix: {err.fix})" if err.fix else "")
    return f"{type(err).__name__}: {err}"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    first = lines[0].rstrip(":")
    return first + (f" (+{len(lines) - 1} more lines)" if len(lines) > 1 else "")


def _warning_source(text: str) -> str | None:
    """Which source a snapshot warning is about ("FAILED: IRR ..." → "irr"); None when unknown."""
    head = text.split(":", 1)[1] if text.startswith(("FAILED:", "STALE:")) else text
    head = head.strip().lower()
    for source, title in snap.SOURCE_TITLES.items():
        if head.startswith(title.lower()):
            return source
    return None


def _last_good(snapshot_dir: Path, notes: list[str]) -> Facts:
    if not (snapshot_dir / snap.MANIFEST).exists():
        return Facts()
    try:
        return snap.read_snapshot(snapshot_dir)
    except SourceError as err:
        notes.append(f"the current snapshot cannot be used as last-good data: {err.message}")
        return Facts()


# --- the three sources ---------------------------------------------------------------------------


def _refresh_peeringdb(inventory: Any, facts: Facts, pdb: ModuleType, repo_root: Path,
                       progress: Callable[[str], None] | None) -> None:
    settings = inventory.sources.peeringdb
    db_dir = _resolve(repo_root, settings.cache_dir)
    pdb.sync(settings, db_dir=db_dir, progress=progress)
    ix_id = inventory.ixp.peeringdb_ix_id
    networks, netixlan = pdb.lookup(db_dir, ix_id=ix_id, asns=sorted({m.asn for m in inventory.members}))
    prospective = prospective_asns(inventory, netixlan)
    if prospective:  # registered at this IXP but not in the inventory yet: `ixpctl onboard` needs them
        more, _ = pdb.lookup(db_dir, ix_id=None, asns=prospective)
        networks = {**more, **networks}
    never = sorted(pdb.never_via_rs_asns(db_dir))
    prov = pdb.provenance(db_dir, networks, netixlan, ix_id=ix_id)  # fetched_at = the sync's start
    facts.peeringdb, facts.netixlan, facts.never_via_rs = dict(networks), list(netixlan), never
    facts.provenance["peeringdb"] = prov
    if ix_id is None:
        facts.warnings.append("PeeringDB: ixp.peeringdb_ix_id is not set in the inventory, so no "
                              "netixlan rows were looked up")


def _refresh_irr(inventory: Any, facts: Facts, irr: ModuleType, progress: ProgressHooks | None,
                 now: datetime, failed: dict[str, str], notes: list[str], options: dict[str, Any]) -> None:
    settings = inventory.sources.irr
    by_member: dict[str, list[str]] = {}
    for member in inventory.members:
        if member.status == "disabled":
            continue
        queries_of = irr.member_queries(member, facts.peeringdb.get(member.asn), notes=notes)
        by_member[str(member.asn)] = list(queries_of)
    prospective = _prospective_queries(inventory, facts, irr)
    wanted = {q for qs in by_member.values() for q in qs}
    extra = {q for qs in prospective.values() for q in qs} - wanted
    queries = sorted(wanted | extra)
    callback = progress.task("irr", "IRR expansion", total=len(queries)) if progress is not None else None
    try:
        results: dict[str, IrrExpansion] = dict(irr.expand_all(queries, settings, progress=callback, **options))
    except SourceError as err:
        partial = getattr(err, "results", None)
        failures = getattr(err, "failures", None)
        if partial is None or failures is None or not partial:
            raise  # nothing worked: the whole source failed
        results = dict(partial)
        for query, why in failures.items():
            message = getattr(why, "message", str(why))
            if query in extra:  # only a prospective member uses it: a note, never a failed refresh
                notes.append(f"IRR {query} (prospective member, not in the inventory) failed: {message}")
            else:
                failed[f"irr:{query}"] = message
    fallback = _fallback_queries(by_member, results)
    if fallback:
        # irr.empty_as_set: fallback_aut_num needs the member's own route objects. Asked only for
        # members whose AS-SETs all came back empty (so at most one small query per such member).
        try:
            results.update(irr.expand_all(fallback, settings, **options))
        except SourceError as err:
            results.update(getattr(err, "results", None) or {})
            for query, why in (getattr(err, "failures", None) or {query: err for query in fallback}).items():
                failed[f"irr:{query}"] = getattr(why, "message", str(why))
        notes.extend(f"IRR: the AS-SET(s) of {q} resolved to nothing: its own route objects ({q}) were "
                     "expanded too, for irr.empty_as_set: fallback_aut_num" for q in fallback)
    facts.irr = results
    for query, expansion in sorted(facts.irr.items()):
        facts.warnings.extend(f"IRR {query}: {w}" for w in expansion.warnings)
    facts.provenance["irr"] = Provenance(
        "irr", ",".join(settings.hosts), snap.iso_utc(now), snap.data_sha256(snap.facts_parts(facts)["irr"]),
        {"sources": list(settings.sources), "queries": len(queries) + len(fallback), "member_queries": by_member,
         "fallback_queries": fallback,
         "prospective_queries": prospective,
         "truncated": sorted(q for q, e in facts.irr.items() if e.truncated)})


def _fallback_queries(by_member: dict[str, list[str]], results: dict[str, IrrExpansion]) -> list[str]:
    """``AS<n>`` of every member whose AS-SET expansions are all empty, when not already expanded."""
    out = []
    for asn, queries in sorted(by_member.items(), key=lambda item: int(item[0])):
        own = f"AS{asn}"
        if own in queries or own in results:
            continue
        found = [results[q] for q in queries if q in results]
        if found and len(found) == len(queries) and all(e.empty for e in found):
            out.append(own)
    return out


def prospective_asns(inventory: Any, netixlan: Iterable[Any]) -> list[int]:
    """ASNs registered at this IXP in PeeringDB (live netixlan rows) that the inventory does not list.

    Their networks and AS-SET expansions go into the snapshot too, so ``ixpctl onboard`` can run
    its pre-flight checks offline; builds ignore them (only inventory members get sessions).
    """
    known = {m.asn for m in inventory.members} | {inventory.ixp.rs_asn}
    return sorted({int(row.asn) for row in netixlan} - known)


def _prospective_queries(inventory: Any, facts: Facts, irr: ModuleType) -> dict[str, list[str]]:
    """IRR queries of each prospective member (PeeringDB ``irr_as_set``, else its aut-num)."""
    from ..inventory.models import AS_SET_FROM_PEERINGDB, Member

    out: dict[str, list[str]] = {}
    for asn in prospective_asns(inventory, facts.netixlan):
        stand_in = Member.model_construct(asn=asn, name=f"AS{asn}", as_sets=AS_SET_FROM_PEERINGDB,
                                          status="planned", connections=[])
        out[str(asn)] = list(irr.member_queries(stand_in, facts.peeringdb.get(asn), notes=[]))
    return out


def _download(url: str, target: Path, timeout: int = 120) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as fh:
            while block := response.read(1 << 20):
                fh.write(block)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise SourceError(f"cannot download VRPs from {url}: {getattr(err, 'reason', err)}",
                          fix="check rpki.vrp_url and that the validator's HTTP export is reachable") from None


def fetch_vrps(settings: RpkiSource, repo_root: Path) -> tuple[VrpLoad, str]:
    """Load the configured VRP export (file first, else URL); returns the load and its origin."""
    if settings.vrp_file:
        path = _resolve(repo_root, settings.vrp_file)
        return load_vrps(path), str(settings.vrp_file)
    if settings.vrp_url:
        with tempfile.TemporaryDirectory(prefix="ixpctl-vrps-") as tmp:
            path = Path(tmp) / "vrps"
            _download(settings.vrp_url, path)
            return load_vrps(path), settings.vrp_url
    raise SourceError("no VRP source is configured (sources.rpki.vrp_file or vrp_url)",
                      fix="set sources.rpki.vrp_file to your validator's JSON/CSV export, or vrp_url to "
                          "its HTTP export (e.g. http://validator:8323/json)")


def _refresh_rpki(inventory: Any, facts: Facts, repo_root: Path, now: datetime,
                  progress: Callable[[str], None] | None = None) -> None:
    load, origin = fetch_vrps(inventory.sources.rpki, repo_root)
    if progress is not None:
        progress(f"{len(load.vrps):,} VRPs" + (f", {len(load.aspas):,} ASPAs" if load.aspas else ""))
    facts.vrps = list(load.vrps)
    facts.aspas = list(load.aspas)
    facts.provenance["rpki"] = Provenance(
        "rpki", origin, snap.iso_utc(now), snap.data_sha256(snap.facts_parts(facts)["rpki"]),
        {"format": load.format, **load.counts, "reject_examples": load.reject_examples})
    facts.warnings.extend(load.warnings())


# --- orchestration -------------------------------------------------------------------------------


def _import(name: str) -> ModuleType:
    import importlib
    return importlib.import_module(f"ixpctl.sources.{name}")


def refresh(inventory: Any, which: Iterable[str], *, snapshot_dir: Path, repo_root: Path,
            progress: ProgressHooks | None = None, accept_empty: bool = False,
            now: datetime | None = None, peeringdb_module: ModuleType | None = None,
            irr_module: ModuleType | None = None, irr_options: dict[str, Any] | None = None) -> RefreshOutcome:
    """Refresh ``which`` sources into the snapshot at ``snapshot_dir``; never raises for a source
    failure (the outcome lists it and the snapshot keeps the last good data), only when the
    snapshot itself cannot be written. ``irr_options`` go to ``irr.expand`` (max lengths, -A, -p)."""
    wanted = [s for s in SOURCE_ORDER if s in set(which)]
    unknown = set(which) - set(SOURCE_ORDER)
    if unknown:
        raise ValueError(f"unknown sources: {sorted(unknown)}")
    now = now or snap.utc_now()
    notes: list[str] = []
    last_good = _last_good(snapshot_dir, notes)
    new = copy_facts(last_good)
    new.warnings = [w for w in last_good.warnings if _warning_source(w) not in wanted]
    failed: dict[str, str] = {}
    refreshed: list[str] = []

    def task(source: str, description: str) -> Callable[[str], None] | None:
        return progress.task(source, description) if progress is not None else None

    steps: dict[str, Callable[[], None]] = {
        "peeringdb": lambda: _refresh_peeringdb(inventory, new, peeringdb_module or _import("peeringdb"),
                                                repo_root, task("peeringdb", "PeeringDB sync")),
        "irr": lambda: _refresh_irr(inventory, new, irr_module or _import("irr"), progress, now, failed, notes,
                                    irr_options or {}),
        "rpki": lambda: _refresh_rpki(inventory, new, repo_root, now, task("rpki", "Loading VRPs")),
    }
    for source in wanted:
        try:
            steps[source]()
        except Exception as err:  # noqa: BLE001 — any fetcher failure means: fall back, loudly
            failed[source] = _describe(err)
        else:
            refreshed.append(source)
    short = {what: _first_line(why) for what, why in failed.items()}  # warnings stay one line each
    merged = merge_with_last_good(new, last_good, short, keep_on_empty=not accept_empty, now=now)
    without = [s for s in wanted if s in failed and s not in merged.provenance]
    without += [q for q in failed if q.startswith("irr:") and q.removeprefix("irr:") not in merged.irr]
    write_snapshot(merged, snapshot_dir, now=now)
    return RefreshOutcome(merged, snapshot_dir, refreshed, failed, without, notes)
