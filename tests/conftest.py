"""Shared pytest fixtures. Test-area specific fixtures live in tests/support/ and are imported here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.diff_repo import repo  # noqa: F401 - fixture: a git repo for `ixpctl diff` / `ci` tests

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def default_policy_path() -> Path:
    return REPO / "policies" / "default.yml"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run the test with the working directory in a temp dir (relative paths resolve there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session", autouse=True)
def _crash_logs_outside_the_repository(tmp_path_factory):
    """An internal error in a test writes its crash log (ixpctl/cli/crash.py) under the test's temp
    directory, not into .ixpctl/crash/ of the checkout the tests run from."""
    old = os.environ.get("IXPCTL_CRASH_DIR")
    os.environ["IXPCTL_CRASH_DIR"] = str(tmp_path_factory.mktemp("crash-logs"))
    yield
    if old is None:
        os.environ.pop("IXPCTL_CRASH_DIR", None)
    else:
        os.environ["IXPCTL_CRASH_DIR"] = old


def pytest_collection_modifyitems(config, items):
    # Lab tests need root and network namespaces: skip them loudly anywhere else.
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="lab tests need root (network namespaces)")
        for item in items:
            if "lab" in item.keywords:
                item.add_marker(skip)


# Real IRRd for the IRR integration tests (session-scoped; skips without .venv-irrd).
from tests.support.irrd import irrd_host, irrd_server  # noqa: F401

# Local PeeringDB server on the MLIX fixture, and caches synced from it by the real client.
from tests.support.pdb_fixtures import _migrated_empty_db, fresh_db_dir, mlix_pdb_cache, pdb_server  # noqa: F401
