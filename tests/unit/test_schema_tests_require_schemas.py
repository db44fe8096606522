"""The schema tests read ../shared/schemas relative to the repository and, under `make test`
(IXPCTL_REQUIRE_SCHEMAS=1), fail instead of skipping when it is absent (issue #15, item 15).

Run on a copy of the test tree placed where no ../shared exists: it must not find the schemas
through an absolute path, and it must fail, not skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMA_TESTS = ["tests/unit/test_ixf.py", "tests/unit/test_clab_export.py"]


@pytest.fixture(scope="module")
def copy_without_shared(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("noshared") / "repo"  # root/../shared does not exist
    root.mkdir()
    for name in ("tests", "policies", "inventory", "snapshots", "lab", "templates"):
        shutil.copytree(REPO / name, root / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    assert not (root.parent / "shared").exists()
    return root


def run_schema_tests(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *SCHEMA_TESTS],
                          check=False, cwd=root, capture_output=True, text=True, timeout=300,
                          env={**env, "PYTHONPATH": f"{root}:{REPO}"})


def test_schema_tests_fail_without_the_schemas_under_make_test(copy_without_shared):
    result = run_schema_tests(copy_without_shared, {**os.environ, "IXPCTL_REQUIRE_SCHEMAS": "1"})
    assert result.returncode == 1, result.stdout[-3000:]
    assert "5 failed" in result.stdout and "skipped" not in result.stdout.splitlines()[-1], result.stdout[-3000:]
    assert "shared/schemas" in result.stdout and "IXPCTL_REQUIRE_SCHEMAS" in result.stdout


def test_schema_tests_skip_loudly_elsewhere(copy_without_shared):
    env = {k: v for k, v in os.environ.items() if k != "IXPCTL_REQUIRE_SCHEMAS"}
    result = run_schema_tests(copy_without_shared, env)
    assert result.returncode == 0 and "5 skipped" in result.stdout, result.stdout[-3000:]
    assert "../shared/schemas" in result.stdout
