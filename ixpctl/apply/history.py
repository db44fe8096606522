"""The run history of `ixpctl apply`: one JSON file per run under ``apply.state_dir/runs/``.

A run records what the change was (its fingerprint: the hashes of the configs it would deploy, and
the predicted impact), the guard's verdict, who approved it, what each route server did, and what
was sent to whom. ``--approve RUN_ID`` names a refused run: the approval holds only for a change
with the same fingerprint, so a different change the next day is judged again.

The files are also an interface (``ixpctl serve``'s "last deploy" metric, monitoring scripts), so
their format is fixed and documented in README.md, "Run records": ``<state_dir>/runs/<run_id>.json``,
written once when the run ends, atomically (a temporary ``.<name>.*.tmp`` renamed over it: a
reader never sees half a record); ``run_id`` starts with the UTC start time
(``YYYYMMDDTHHMMSSZ-xxxxxx``), so the names sort in time order. ``format`` is bumped only when a
key changes meaning or goes away; new keys may appear without it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..base.fsutil import write_atomic
from ..errors import InputError

FORMAT = 1  # RunRecord.format: see the module docstring

# outcome of a run
DEPLOYED = "deployed"  # every route server got the new config
UNCHANGED = "unchanged"  # nothing to deploy
REFUSED = "refused"  # the guard rails stopped it
STALE = "stale"  # a source was too old: nothing deployed
FAILED = "failed"  # a deploy failed: rolled back, later route servers untouched
DRY_RUN = "dry-run"
ERROR = "error"  # the build or the refresh failed
OUTCOMES = (DEPLOYED, UNCHANGED, REFUSED, STALE, FAILED, DRY_RUN, ERROR)
# what a run did to one route server (RunRecord.route_servers[].status, rollout.RsOutcome)
RS_STATUSES = ("deployed", "unchanged", "rolled back", "refused", "failed", "untouched")


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass
class RunRecord:
    run_id: str
    started_at: str
    outcome: str = ERROR
    finished_at: str | None = None
    dry_run: bool = False
    fingerprint: str | None = None
    approved_by: str | None = None
    approves: str | None = None  # the refused run this one carried out
    refresh: dict[str, Any] = field(default_factory=dict)
    impacts: list[dict[str, Any]] = field(default_factory=list)
    config_diffs: list[dict[str, Any]] = field(default_factory=list)  # running → new, per route server
    refusals: list[str] = field(default_factory=list)
    route_servers: list[dict[str, Any]] = field(default_factory=list)  # per rs: deployed / rolled back / untouched
    notifications: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    format: int = FORMAT

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class History:
    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir) / "runs"

    def save(self, record: RunRecord) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{record.run_id}.json"
        write_atomic(path, json.dumps(record.to_json(), indent=1, default=str) + "\n")
        return path

    def load(self, run_id: str) -> RunRecord:
        if not run_id.replace("-", "").isalnum():
            raise InputError(f"--approve {run_id!r} is not a run id", fix="copy the id from `ixpctl apply --history`")
        path = self.dir / f"{run_id}.json"
        if not path.is_file():
            raise InputError(f"no apply run {run_id} in {self.dir}", fix="see `ixpctl apply --history` for the ids")
        try:
            return RunRecord.from_json(json.loads(path.read_text()))
        except (ValueError, TypeError) as exc:
            raise InputError(f"{path}: not a run record ({exc})", fix="remove the file; it was not written by ixpctl")

    def runs(self, limit: int = 20) -> list[RunRecord]:
        if not self.dir.is_dir():
            return []
        out = []
        for path in sorted(self.dir.glob("*.json"), reverse=True)[:limit]:
            try:
                out.append(RunRecord.from_json(json.loads(path.read_text())))
            except (ValueError, TypeError):
                continue  # a damaged record is skipped, never fatal to the history
        return out
