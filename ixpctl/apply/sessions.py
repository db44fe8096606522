"""Sessions down for longer than ``apply.alerts.session_down_minutes``: each run notes when it
first saw a session down (``sessions_down.json`` in the state directory), and alerts once when
the session has stayed down past the threshold; a session seen up again is forgotten."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..base.fsutil import write_atomic
from .live import LiveState


def down_alerts(state_dir: Path, lives: dict[str, LiveState], minutes: int, *, now: datetime | None = None,
                record: bool = True) -> list[tuple[str, str]]:
    now = now or datetime.now(UTC)
    path = Path(state_dir) / "sessions_down.json"
    try:
        seen: dict[str, dict[str, str | bool]] = json.loads(path.read_text())
    except (OSError, ValueError):
        seen = {}
    out: list[tuple[str, str]] = []
    current: dict[str, dict[str, str | bool]] = {}
    for rs, live in lives.items():
        for name, s in live.sessions.items():
            if s.established:
                continue
            key = f"{rs}/{name}"
            entry = dict(seen.get(key) or {"since": now.isoformat(timespec="seconds"), "alerted": False})
            since = datetime.fromisoformat(str(entry["since"]))
            if not entry["alerted"] and now - since >= timedelta(minutes=minutes):
                why = f" ({s.problem})" if s.problem else ""
                text = f"{rs}: session {name} (AS{s.neighbor_asn}) has been down since {entry['since']}{why}"
                out.append(("session down", text))
                entry["alerted"] = True
            current[key] = entry
    if record:
        write_atomic(path, json.dumps(current, indent=1) + "\n")
    return out
