"""What changed for each member since the last run: routes that became filtered, routes fixed.

The route servers' own state is compared with the one the previous successful run saw
(``filtered.json`` in the state directory), not only the state just before this run's deploy: with
RPKI over RTR a ROA changes what BIRD filters without any new config, and the member must hear of
it all the same. A route of a session that is down now keeps its last known state (a flap is not
news). The first run has no baseline: it compares with what the route servers held before its
deploy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.fsutil import write_atomic
from .live import LiveState

Key = str  # "rs|protocol|prefix"


@dataclass
class Changes:
    filtered: dict[int, dict[str, tuple[list[int], int | None]]] = field(default_factory=dict)  # prefix → path, code
    fixed: dict[int, dict[str, list[int]]] = field(default_factory=dict)


def _key(rs: str, protocol: str, prefix: str) -> Key:
    return f"{rs}|{protocol}|{prefix}"


def snapshot(lives: dict[str, LiveState], rs_asn: int) -> dict[Key, dict[str, Any]]:
    """Every filtered route of every route server, with its member, path and BIRD's reject code."""
    out: dict[Key, dict[str, Any]] = {}
    for rs, live in lives.items():
        for r in live.filtered:
            reason = r.reject_reason(rs_asn)
            out[_key(rs, r.protocol, r.prefix)] = {"asn": live.member_of(r.protocol), "path": r.flat_path,
                                                   "code": reason.code if reason else None}
    return out


def load_baseline(state_dir: Path) -> dict[Key, dict[str, Any]] | None:
    try:
        data = json.loads((Path(state_dir) / "filtered.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def save_baseline(state_dir: Path, lives: dict[str, LiveState], rs_asn: int,
                  previous: dict[Key, dict[str, Any]] | None) -> None:
    now = snapshot(lives, rs_asn)
    for key, entry in (previous or {}).items():  # sessions that are down now keep what was known
        rs, protocol, _ = key.split("|", 2)
        live = lives.get(rs)
        if live is not None and protocol in live.sessions and protocol not in live.established():
            now.setdefault(key, entry)
    write_atomic(Path(state_dir) / "filtered.json", json.dumps(now, indent=1, sort_keys=True) + "\n")


def changes(baseline: dict[Key, dict[str, Any]], lives: dict[str, LiveState], rs_asn: int) -> Changes:
    out = Changes()
    current = snapshot(lives, rs_asn)
    for key, entry in current.items():
        if key not in baseline and entry["asn"]:
            prefix = key.split("|", 2)[2]
            out.filtered.setdefault(entry["asn"], {})[prefix] = (entry["path"], entry["code"])
    accepted = {_key(rs, r.protocol, r.prefix): r for rs, live in lives.items() for r in live.accepted}
    for key, entry in baseline.items():
        if key in accepted and key not in current and entry.get("asn"):
            prefix = key.split("|", 2)[2]
            out.fixed.setdefault(int(entry["asn"]), {})[prefix] = accepted[key].flat_path
    still = {(e["asn"], k.split("|", 2)[2]) for k, e in current.items()}
    for asn, prefixes in out.fixed.items():  # fixed on one route server, still filtered on another: not fixed
        for prefix in list(prefixes):
            if (asn, prefix) in still:
                del prefixes[prefix]
    out.fixed = {asn: p for asn, p in out.fixed.items() if p}
    return out
