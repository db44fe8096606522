"""PeeringDB: sync a local cache with the official client, then read member facts from it.

The cache is the ``peeringdb`` client's own sqlite database (django-peeringdb schema), kept in one
directory per origin (``db_dir``) together with the client's JSON download cache and our sync record:

    db_dir/peeringdb.sqlite3     the client's database (rows are never removed: filter status="ok")
    db_dir/cache/                the client's ``<tag>-0.json`` downloads
    db_dir/sync-state.json       where the data came from and when (read by :func:`provenance`)
    db_dir/failed_entries.json   rows the client could not store (retried on the next sync)
    db_dir/worker-error.log      traceback of the last failed run, for bug reports (never shown)

Every call runs the client in a child process (:mod:`ixpctl.sources.peeringdb_worker`): Django, under
the client, binds to one database per process for good, so in-process use would make a second
``db_dir`` silently read the first one. The child also keeps Django out of the CLI process, and any
client failure — HTTP error, refused connection, timeout, even a crash — comes back as one
:class:`~ixpctl.errors.SourceError` with a fix, never a traceback.

We use the client's Python API, not its CLI: ``peeringdb sync`` exits 0 when the sync failed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..inventory.sources_config import PeeringDBSource
from .facts import Contact, PdbNetIxLan, PdbNetwork, Provenance

DB_FILE = "peeringdb.sqlite3"
STATE_FILE = "sync-state.json"
FAILED_FILE = "failed_entries.json"
CACHE_SUBDIR = "cache"
_LOCK_FILE = ".lock"
_WORKER = "ixpctl.sources.peeringdb_worker"
_PROGRESS_PREFIX = "progress: "  # ixpctl.sources.peeringdb_worker.PROGRESS_PREFIX (not imported: light)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SyncState:
    """What ``db_dir`` holds: the origin it mirrors and the last successful sync."""

    origin: str  # sources.peeringdb.url the data came from
    cache_url: str
    client: str  # "peeringdb 2.5.0"
    last_success: str | None = None  # ISO-8601 UTC start time of the last sync that completed
    last_error: str | None = None  # message of the last failed sync, cleared by a good one
    failed_entries: list[dict[str, Any]] = field(default_factory=list)

    def age_hours(self, now: datetime | None = None) -> float | None:
        """How old the data is, for the ``max_age_hours`` staleness check (None: never synced)."""
        if self.last_success is None:
            return None
        then = datetime.fromisoformat(self.last_success)
        return ((now or datetime.now(UTC)) - then).total_seconds() / 3600


# --- public API -----------------------------------------------------------------------------------
def sync(settings: PeeringDBSource, *, db_dir: Path, progress: Progress | None = None) -> None:
    """Bring the local cache in ``db_dir`` up to date with ``settings.url``.

    The first sync is a full download (from ``settings.cache_url`` when set — no per-request pause —
    else from the API); later ones are incremental per table (``?since=``), which is how deletions
    arrive. Raises SourceError, with a fix, on any failure; the previous data stays usable.
    """
    db_dir = _absolute(db_dir)
    db_dir.mkdir(parents=True, exist_ok=True)
    with _locked(db_dir, exclusive=True):
        state = read_sync_state(db_dir)
        if state is not None and state.origin.rstrip("/") != settings.url.rstrip("/"):
            raise SourceError(
                f"the PeeringDB cache in {db_dir} mirrors {state.origin}, not {settings.url}",
                fix=f"use a separate cache directory per PeeringDB origin, or delete {db_dir} to start over")
        started = _now()
        request = {
            "command": "sync",
            "url": settings.url,
            "cache_url": settings.cache_url,
            "timeout": settings.timeout,
            "api_key_env": settings.api_key_env,
            **_paths(db_dir),
        }
        secret = os.environ.get(settings.api_key_env, "")
        base = state or SyncState(origin=settings.url, cache_url=settings.cache_url, client=_client_version())
        try:
            data = _run_worker(request, db_dir, progress=progress, secrets=[secret] if secret else [])
        except SourceError as err:
            _write_state(db_dir, SyncState(**{**asdict(base), "last_error": err.message}))
            raise
        failed = list(data.get("failed_entries", []))
        _write_state(db_dir, SyncState(origin=settings.url, cache_url=settings.cache_url,
                                       client=_client_version(), last_success=started,
                                       last_error=None, failed_entries=failed))
        if failed and progress is not None:
            for entry in failed:
                progress(f"warning: PeeringDB {entry.get('resource_tag')} {entry.get('pk')} "
                         f"could not be stored: {entry.get('error')}")


def lookup(db_dir: Path, *, ix_id: int | None,
           asns: Iterable[int]) -> tuple[dict[int, PdbNetwork], list[PdbNetIxLan]]:
    """Networks ``asns`` and every live netixlan row of exchange ``ix_id`` (none when ix_id is None).

    Only rows with status "ok" are returned: deleted rows stay in the cache for ever. The netixlan
    list is *all* of the exchange's rows, members or not, so drift checks can see registrations the
    inventory lacks (e.g. a network about to join). Contacts are the public ones only.
    """
    data = _query(db_dir, want=["networks", "netixlan"], ix_id=ix_id, asns=sorted({int(a) for a in asns}))
    networks = {int(asn): _network(row) for asn, row in data["networks"].items()}
    rows = [PdbNetIxLan(**row) for row in data["netixlan"]]
    return networks, rows


def country_networks(db_dir: Path, country: str) -> dict[str, Any]:
    """PeeringDB's facilities in ``country`` and the networks at them or registered there:
    ``{"facilities": [{id, name, city}], "networks": [{asn, name, org_country, facilities: [id]}]}``."""
    return _query(db_dir, want=["country"], country=country)["country"]


def exchange(db_dir: Path, ix_id: int) -> tuple[dict[str, Any], list[PdbNetIxLan]]:
    """Exchange ``ix_id`` as the cache holds it (name, city, country, website, LANs with their
    ``rs_asn`` and prefixes) and its live netixlan rows: an inventory skeleton's raw material."""
    data = _query(db_dir, want=["exchange", "netixlan"], ix_id=ix_id)
    return data["exchange"], [PdbNetIxLan(**row) for row in data["netixlan"]]


def never_via_rs_asns(db_dir: Path) -> set[int]:
    """ASNs whose PeeringDB record says "never via route servers" (status ok).

    The route-server policy rejects routes with any of them in the AS_PATH: a network that says it
    never peers via route servers should not be reachable through one (arouteserver does the same).
    """
    return set(_query(db_dir, want=["never_via_rs"])["never_via_rs"])


def read_sync_state(db_dir: Path) -> SyncState | None:
    """The sync record of ``db_dir`` (None when it was never synced)."""
    path = _absolute(db_dir) / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path} is unreadable: {exc}", fix=f"delete {path} and sync again") from None
    known = {f for f in SyncState.__dataclass_fields__}
    return SyncState(**{k: v for k, v in raw.items() if k in known})


def provenance(db_dir: Path, networks: dict[int, PdbNetwork], netixlan: list[PdbNetIxLan], *,
               ix_id: int | None = None) -> Provenance:
    """Where :func:`lookup`'s answer came from, when, and its hash (canonical JSON, sha256)."""
    state = read_sync_state(db_dir)
    if state is None or state.last_success is None:
        raise SourceError(f"no successful PeeringDB sync recorded in {db_dir}",
                          fix="run a PeeringDB sync first (ixpctl sources sync)")
    return Provenance(
        source="peeringdb",
        origin=state.origin,
        fetched_at=state.last_success,
        sha256=facts_sha256(networks, netixlan),
        detail={"ix_id": ix_id, "networks": len(networks), "netixlan": len(netixlan), "client": state.client,
                "cache_url": state.cache_url, "failed_entries": len(state.failed_entries)},
    )


def facts_sha256(networks: dict[int, PdbNetwork], netixlan: list[PdbNetIxLan]) -> str:
    """sha256 of the canonical JSON of the extracted data: same facts, same hash, on any machine."""
    payload = {
        "networks": {str(asn): asdict(networks[asn]) for asn in sorted(networks)},
        "netixlan": sorted((asdict(r) for r in netixlan),
                           key=lambda r: (r["asn"], r["ixlan_id"], r["ipaddr4"] or "", r["ipaddr6"] or "")),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- internals ------------------------------------------------------------------------------------
def _absolute(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _client_version() -> str:
    try:
        return f"peeringdb {metadata.version('peeringdb')}"
    except metadata.PackageNotFoundError:
        return "peeringdb (not installed)"


def _paths(db_dir: Path) -> dict[str, str]:
    return {"db_path": str(db_dir / DB_FILE), "cache_dir": str(db_dir / CACHE_SUBDIR),
            "failed_entries": str(db_dir / FAILED_FILE)}


def _network(row: dict[str, Any]) -> PdbNetwork:
    row = dict(row)
    row["contacts"] = [Contact(**c) for c in row.get("contacts", [])]
    return PdbNetwork(**row)


def _write_state(db_dir: Path, state: SyncState) -> None:
    path = db_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(db_dir: Path, *, exclusive: bool) -> Iterator[None]:
    """One sync at a time per cache; no reads in the middle of a sync (the data is half-updated)."""
    with open(db_dir / _LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SourceError(f"the PeeringDB cache in {db_dir} is busy: a sync is running",
                              fix="wait for the other sync to finish and try again") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _query(db_dir: Path, *, want: list[str], ix_id: int | None = None,
           asns: list[int] | None = None, country: str | None = None) -> dict[str, Any]:
    db_dir = _absolute(db_dir)
    state = read_sync_state(db_dir) if db_dir.is_dir() else None
    if state is None or state.last_success is None or not (db_dir / DB_FILE).exists():
        raise SourceError(f"no PeeringDB data in {db_dir}: it was never synced successfully",
                          fix="run a PeeringDB sync first (ixpctl sources sync)")
    with _locked(db_dir, exclusive=False):
        request = {"command": "query", "want": want, "ix_id": ix_id, "asns": asns or [], "country": country,
                   "url": state.origin, "cache_url": "", "timeout": 60, "api_key_env": None,
                   **_paths(db_dir)}
        return _run_worker(request, db_dir)


def _pythonpath() -> str:
    """Make the child find this very ixpctl, installed or run from a checkout."""
    root = str(Path(__file__).resolve().parents[2])
    current = os.environ.get("PYTHONPATH")
    return root + (os.pathsep + current if current else "")


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<redacted>")
    return text


def _run_worker(request: dict[str, Any], db_dir: Path, *, progress: Progress | None = None,
                secrets: list[str] | None = None) -> dict[str, Any]:
    """Run one worker command; forward its progress; return its data or raise SourceError."""
    secrets = secrets or []
    env = dict(os.environ, PYTHONPATH=_pythonpath(), FAILED_ENTRIES_FILE=request["failed_entries"],
               PYTHONUNBUFFERED="1")
    tail: deque[str] = deque(maxlen=20)
    with tempfile.TemporaryDirectory(prefix="ixpctl-pdb-") as tmp:
        req_path, res_path = Path(tmp) / "request.json", Path(tmp) / "result.json"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-m", _WORKER, str(req_path), str(res_path)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=db_dir, env=env, text=True, errors="replace")
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = _redact(line.rstrip("\n"), secrets)
                if line.startswith(_PROGRESS_PREFIX):
                    if progress is not None:
                        progress(line[len(_PROGRESS_PREFIX):])
                elif line.strip():
                    tail.append(line)
            returncode = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        try:
            result = json.loads(res_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = "\n    ".join(tail) or "(no output)"
            raise SourceError(f"the PeeringDB worker stopped without an answer (exit code {returncode}):\n"
                              f"    {last}",
                              fix="check that the 'peeringdb' and 'django-peeringdb' packages are installed "
                                  "in the Python running ixpctl") from None
    if not result.get("ok"):
        error = result.get("error") or {}
        raise SourceError(_redact(str(error.get("message", "PeeringDB failed")), secrets),
                          fix=_redact(str(error.get("fix") or ""), secrets) or None)
    return result["data"]
