"""Other ixpctl commands' Prometheus text files, served again on ``/metrics`` (``ixpctl serve
--metrics-file``): e.g. ``ixpctl switch audit --metrics FILE`` run from cron. Each file is parsed
(prometheus_client's parser), so a damaged file is left out, not passed on; only ``ixpctl_``
families are kept, never one of the service's own names; a file is read up to ``MAX_BYTES``.
``ixpctl_metrics_file_readable{file}`` says which files were read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

MAX_BYTES = 4 * 1024 * 1024


def families(paths: Iterable[Path], own: set[str]) -> list[Metric]:
    readable = GaugeMetricFamily("ixpctl_metrics_file_readable",
                                 "1 when the metrics file (serve --metrics-file) was read and parsed", labels=["file"])
    out: list[Metric] = []
    seen = set(own)
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(MAX_BYTES + 1)
            if len(text) > MAX_BYTES:
                raise ValueError(f"larger than {MAX_BYTES} bytes")
            parsed = [f for f in text_string_to_metric_families(text)]
        except (OSError, ValueError, UnicodeDecodeError):
            readable.add_metric([path.name], 0)
            continue
        readable.add_metric([path.name], 1)
        for family in parsed:
            if family.name.startswith("ixpctl_") and family.name not in seen:
                seen.add(family.name)
                out.append(family)
    return [readable, *out]
