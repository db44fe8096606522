"""The impact numbers over time, from what git already keeps: the inventory and the facts snapshot.

Each commit that changed the inventory or the snapshot is one point: the active members then, and
the country's IPv4 space their IRR data registered then (the route servers accept nothing outside
it, so it bounds what they could reach). The route servers' own tables are not in git; past
reports are: each ``impact.json`` a report wrote and the operator committed adds the reachable and
filtered shares measured at that time. The run history of ``ixpctl apply`` (one JSON record per
run in ``.ixpctl/apply/runs/``, documented in the README) adds the routes each route server
accepted before each run. The current report adds today's point.

Reads git with ``git log`` / ``git show`` (argument lists, never a shell); a repository without
git history gives just today's point.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from ..base.ranges import Range, intersect, merge, size, span

MAX_POINTS = 60


@dataclass
class Point:
    date: str  # ISO-8601
    commit: str | None
    members: int | None = None
    registered_share4: float | None = None  # country IPv4 covered by the members' IRR data
    reachable_share4: float | None = None  # measured on the route servers (past reports, today)
    filtered_share: float | None = None
    accepted_routes: int | None = None  # routes accepted by the busiest route server (apply runs, today)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _show(repo: Path, commit: str, path: str) -> str | None:
    return _git(repo, "show", f"{commit}:{path}")


def _members(repo: Path, commit: str, inventory_paths: list[str]) -> int | None:
    count, seen = 0, False
    for path in inventory_paths:
        if path.endswith((".yml", ".yaml")):
            names = [path]
        else:
            listing = _git(repo, "ls-tree", "-r", "--name-only", commit, "--", path) or ""
            names = [n for n in listing.splitlines() if n.endswith((".yml", ".yaml"))]
        for name in names:
            text = _show(repo, commit, name)
            try:
                data = yaml.safe_load(text) if text else None
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and isinstance(data.get("members"), list):
                seen = True
                count += sum(1 for m in data["members"] if isinstance(m, dict)
                             and m.get("status", "active") == "active")
    return count if seen else None


def _registered_share(repo: Path, commit: str, snapshot: str, space4: list[Range]) -> float | None:
    text = _show(repo, commit, f"{snapshot}/irr.json")
    if not text or not space4:
        return None
    try:
        irr = json.loads(text).get("irr", {})
    except ValueError:
        return None
    prefixes = []
    for expansion in irr.values():
        for entry in expansion.get("prefixes4", []):
            prefix = entry[0] if isinstance(entry, list) else str(entry).split("^")[0]
            prefixes.append(span(prefix)[1])
    return size(intersect(merge(prefixes), space4)) / size(space4)


def _report_point(repo: Path, commit: str, report_json: str) -> tuple[float | None, float | None]:
    text = _show(repo, commit, report_json)
    try:
        shares = json.loads(text).get("shares", {}) if text else {}
    except ValueError:
        return None, None
    return shares.get("space4"), shares.get("filtered")


def history(repo: Path, *, inventory_paths: list[str], snapshot: str, space4: list[Range],
            report_json: str | None = None) -> list[Point]:
    """Points from git, oldest first (at most MAX_POINTS, the most recent ones)."""
    paths = [*inventory_paths, snapshot] + ([report_json] if report_json else [])
    log = _git(repo, "log", f"-{MAX_POINTS}", "--format=%H %cI", "--", *paths)
    if not log:
        return []
    points = []
    for line in reversed(log.splitlines()):
        commit, date = line.split(" ", 1)
        reach, filtered = _report_point(repo, commit, report_json) if report_json else (None, None)
        points.append(Point(date, commit[:12], _members(repo, commit, inventory_paths),
                            _registered_share(repo, commit, snapshot, space4), reach, filtered))
    return points


def apply_runs(directory: Path) -> list[Point]:
    """One point per recorded `ixpctl apply` run: its start time and the accepted routes of the
    busiest route server then (``impacts[].accepted_now``). Read as plain JSON (apply sits above
    the reports); records that cannot be read, or carry no impact, are skipped."""
    points = []
    for path in sorted(Path(directory).glob("*.json"))[-MAX_POINTS:]:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            accepted = [int(i["accepted_now"]) for i in record.get("impacts", [])]
            started = str(record["started_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if accepted:
            points.append(Point(started, None, accepted_routes=max(accepted)))
    return points


def apply_notices(directory: Path) -> dict[int, list[str]]:
    """Member ASN → start times of the `ixpctl apply` runs that e-mailed it about filtered routes
    (``notifications[]`` entries with status "sent" and a non-empty "filtered" list)."""
    sent: dict[int, list[str]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            for entry in record.get("notifications", []):
                if entry.get("status") == "sent" and entry.get("filtered"):
                    sent.setdefault(int(entry["asn"]), []).append(str(record.get("started_at", path.stem)))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return sent
