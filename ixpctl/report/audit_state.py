"""What the switches showed at the last ``ixpctl switch audit --state FILE``, for MANRS Action 3.

The audit's state file keeps, per switch, when it was read (``taken_at``, Unix time), its error
counters, its findings (``kind``, ``port``, ``detail``, ``member_asn``) and, when the last attempt
could not read it, ``error`` and ``error_at``. A file written before findings were recorded has
none: the report then says the switch's findings are unknown instead of calling it clean.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

# the findings that show the peering-LAN traffic policy is not enforced (the others are operations)
POLICY_KINDS = ("unknown-mac", "wrong-port", "control-protocol", "unassigned-port-up")


@dataclass
class SwitchAuditState:
    switch: str
    taken_at: float | None
    findings: list[dict[str, Any]] | None  # None: the file predates recorded findings
    error: str | None = None  # the last attempt could not read the switch

    @property
    def when(self) -> str:
        if self.taken_at is None:
            return "never"
        return datetime.fromtimestamp(self.taken_at, UTC).strftime("%Y-%m-%d %H:%M UTC")

    @property
    def violations(self) -> list[dict[str, Any]]:
        return [f for f in self.findings or [] if f.get("kind") in POLICY_KINDS]


@dataclass
class AuditState:
    path: str
    switches: dict[str, SwitchAuditState] = field(default_factory=dict)


def read_audit_state(path: Path) -> AuditState:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        out = AuditState(str(path))
        for name, entry in data.items():
            if name.startswith("_") or not isinstance(entry, dict):
                continue  # "_written" and other bookkeeping
            findings = entry.get("findings")
            if findings is not None and not (isinstance(findings, list) and all(isinstance(f, dict) for f in findings)):
                raise ValueError(f"{name}.findings must be a list of objects")
            taken = entry.get("taken_at")
            error = entry.get("error")
            if error and (entry.get("error_at") or 0) < (taken or 0):
                error = None  # an old failure, read successfully since
            out.switches[name] = SwitchAuditState(name, float(taken) if taken is not None else None,
                                                  findings, str(error) if error else None)
        return out
    except (OSError, ValueError, TypeError) as err:
        raise InputError(f"{path} is not an `ixpctl switch audit` state file ({err})",
                         problems=[Problem(str(err), str(path), None, None)],
                         fix="give the file written by `ixpctl switch audit --state FILE`") from None
