"""The audit's numbers in the Prometheus text format, for node_exporter's textfile collector (and
for ``ixpctl serve``'s /metrics to pick up once it reads such files): findings per switch and kind,
whether each switch could be read, and when it was audited."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .audit import KINDS, AuditReport


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metrics_text(report: AuditReport, now: float | None = None) -> str:
    now = time.time() if now is None else now
    lines = ["# HELP ixpctl_switch_audit_findings Anomalies found by ixpctl switch audit, per switch and kind.",
             "# TYPE ixpctl_switch_audit_findings gauge"]
    for s in report.switches:
        for kind in KINDS:
            n = sum(1 for f in s.findings if f.kind == kind)
            lines.append(f'ixpctl_switch_audit_findings{{switch="{_label(s.switch)}",kind="{kind}"}} {n}')
    lines += ["# HELP ixpctl_switch_audit_readable 1 when the switch could be read, 0 when not.",
              "# TYPE ixpctl_switch_audit_readable gauge"]
    lines += [f'ixpctl_switch_audit_readable{{switch="{_label(s.switch)}"}} {0 if s.error else 1}' for s in report.switches]
    lines += ["# HELP ixpctl_switch_audit_timestamp_seconds When the audit ran (Unix time).",
              "# TYPE ixpctl_switch_audit_timestamp_seconds gauge", f"ixpctl_switch_audit_timestamp_seconds {now:.0f}"]
    return "\n".join(lines) + "\n"


def write_metrics(path: Path, report: AuditReport) -> None:
    """Atomic: the collector never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(metrics_text(report))
    os.replace(tmp, path)
