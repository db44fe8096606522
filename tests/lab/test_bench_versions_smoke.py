"""Smoke run of bench/versions.py (every BIRD target on one synthetic IXP) at N=20, one run: each
BIRD parses its config without a warning, starts in its own network namespace (``unshare -n``),
configures every BGP protocol, reloads, and is stopped again. The numbers are for `make bench`
(bench/RESULTS.md), never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.lab


def test_versions_bench_runs_on_every_target(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (unshare -n)")
    out = tmp_path / "versions.json"
    run = subprocess.run([sys.executable, str(REPO / "bench" / "versions.py"), "-n", "20", "--runs", "1",
                          "--out", str(tmp_path), "--json", str(out)], capture_output=True, text=True, timeout=600,
                         check=False)
    if run.returncode and "no BIRD" in run.stderr:
        pytest.skip(run.stderr[-300:])
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    assert [(r["series"], r["threads"]) for r in results] == [("2.0", None), ("2.17", None), ("3.1", None), ("3.1", 2)]
    for r in results:
        (one,) = r["live"]
        assert one["all_protocols"] >= one["startup"] > 0 and one["configure"] > 0, r
        assert one["configure_reply"].startswith("Reconfigur"), r
    assert "| 3.1.8, threads 2 |" in run.stdout
