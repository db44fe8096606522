"""Deploy times and results for ``/metrics``, from ``ixpctl apply``'s run history: the JSON files in
``apply.state_dir/runs/`` (one per run, named by its id, which starts with its UTC time). Read as
plain files — serve ranks below apply — and only the fields this needs: a run's ``outcome``,
``started_at`` / ``finished_at``, ``dry_run``, and per route server ``route_server`` and ``status``
(deployed / unchanged / rolled back / untouched / skipped). Damaged or foreign files are skipped,
as ``ixpctl apply --history`` does; only the newest ``MAX_RUNS`` runs are read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

MAX_RUNS = 200
MAX_BYTES = 4 * 1024 * 1024  # a run record with its config diffs; larger is not ours
OK_OUTCOMES = ("deployed", "unchanged")
PUSHED = ("deployed", "rolled back")  # a new config reached the route server (kept or undone)


@dataclass
class RouteServerDeploy:
    last_result: str  # its status in the newest run that names it
    last_result_at: float
    last_attempt_at: float | None = None  # newest run that pushed it a config
    last_attempt_ok: bool | None = None
    last_deployed_at: float | None = None  # newest run where the config stayed


@dataclass
class DeployHistory:
    last_run_at: float | None = None
    last_run_outcome: str | None = None
    last_run_id: str | None = None
    route_servers: dict[str, RouteServerDeploy] = field(default_factory=dict)


def _time(record: dict[str, Any]) -> float | None:
    for key in ("finished_at", "started_at"):
        try:
            return datetime.fromisoformat(str(record[key])).timestamp()
        except (KeyError, ValueError):
            continue
    return None


def _records(runs_dir: Path):
    """Newest first: (record, time) of each readable, non-dry run."""
    try:
        paths = sorted((p for p in runs_dir.glob("*.json") if p.is_file()), reverse=True)[:MAX_RUNS]
    except OSError:
        return
    for path in paths:
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("dry_run") or record.get("outcome") == "dry-run":
            continue
        at = _time(record)
        if at is not None:
            yield record, at


def read_history(state_dir: Path) -> DeployHistory:
    out = DeployHistory()
    for record, at in _records(Path(state_dir) / "runs"):
        if out.last_run_at is None:
            out.last_run_at, out.last_run_outcome = at, str(record.get("outcome", "error"))
            out.last_run_id = str(record.get("run_id", ""))[:64]
        for entry in record.get("route_servers") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("route_server"), str):
                continue
            name, status = entry["route_server"][:64], str(entry.get("status", ""))[:32]
            rs = out.route_servers.setdefault(name, RouteServerDeploy(status, at))
            if status in PUSHED and rs.last_attempt_at is None:
                rs.last_attempt_at, rs.last_attempt_ok = at, status == "deployed"
            if status == "deployed" and rs.last_deployed_at is None:
                rs.last_deployed_at = at
    return out
