"""Run the audit: connect to each selected switch, read its live state, compare, keep the counters."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import IxpctlError
from .audit import AuditReport, SwitchAudit, compare, counters_of, load_state, save_state
from .live import LiveState, read_napalm
from .live_cli import read_extra
from .live_linux import read_linux_bridge
from .push import DriverFactory, _describe, default_driver_factory
from .render import RenderedSwitch


def read_switch(rendered: RenderedSwitch, driver: Any, listen_seconds: float) -> LiveState:
    intent = rendered.intent
    known = {p.name for g in intent.groups for p in g.ports} | {g.interface for g in intent.groups}
    known |= {p.name for p in intent.unused} | set(intent.uplinks)
    if intent.napalm_driver == "linux_bridge":
        return read_linux_bridge(intent.name, driver, listen_seconds, known)
    state = read_napalm(intent.name, driver, known)
    read_extra(intent.platform.name, driver, state, known)
    if listen_seconds > 0:
        state.notes.append("--listen only applies to Linux-bridge switches (vendor switches are read from "
                           "their MAC and LLDP tables)")
    return state


def run_audit(rendered: list[RenderedSwitch], *, limits: dict[str, set[str] | None] | None,
              secrets: dict[str, Any] | None = None, timeout: int = 30, listen_seconds: float = 0.0,
              state_path: Path | None = None, driver_factory: DriverFactory = default_driver_factory,
              keep_live: bool = False, on_read: Callable[[str], None] | None = None) -> AuditReport:
    previous = load_state(state_path)
    new_state: dict[str, Any] = dict(previous)
    results = []
    for r in rendered:
        if limits is not None and r.name not in limits:
            continue
        audit = SwitchAudit(r.name, r.intent.platform.name)
        results.append(audit)
        try:
            driver = driver_factory(r, secrets or {}, max(timeout, int(listen_seconds) + 10))
            driver.open()
        except IxpctlError as exc:
            audit.error = f"{r.name}: connect failed: {exc.message}"
            _unreadable(new_state, r.name, audit.error)
            continue
        except Exception as exc:  # noqa: BLE001 -- reported in the audit, never lost
            audit.error = f"{r.name}: connect failed: {_describe(exc)}"
            _unreadable(new_state, r.name, audit.error)
            continue
        try:
            live = read_switch(r, driver, listen_seconds)
        except Exception as exc:  # noqa: BLE001 -- reported in the audit, never lost
            audit.error = f"{r.name}: reading the live state failed: {_describe(exc)}"
            _unreadable(new_state, r.name, audit.error)
            continue
        finally:
            try:
                driver.close()
            except Exception as exc:  # noqa: BLE001 -- a close error is a note, the reading is done
                audit.notes.append(f"close failed: {_describe(exc)}")
        before = (previous.get(r.name) or {}).get("counters")
        audit.findings = compare(r.intent, live, before)
        ports = limits.get(r.name) if limits else None
        if ports:
            names = {n for g in r.intent.groups if g.port_names & ports for n in g.port_names} | ports
            audit.findings = [f for f in audit.findings if f.port in names]
        audit.notes += live.notes
        if keep_live:
            audit.live = live.to_json()
        # the findings too: `ixpctl report manrs --audit-state FILE` reads them (MANRS Action 3)
        new_state[r.name] = {"taken_at": live.taken_at, "counters": counters_of(live),
                             "findings": [asdict(f) for f in audit.findings], "error": None}
        if on_read:
            on_read(r.name)
    if state_path is not None:
        new_state["_written"] = time.time()
        save_state(state_path, new_state)
    return AuditReport(results)


def _unreadable(state: dict[str, Any], name: str, error: str) -> None:
    """Keep the last counters (the next reading compares with them) and say the switch was not read."""
    state[name] = {**(state.get(name) or {}), "error": error, "error_at": time.time()}
