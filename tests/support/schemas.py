"""The JSON schemas some tests validate against (containerlab, Euro-IX IX-F), kept outside the
repository in ``../shared/schemas`` (next to the checkout, wherever it is).

Without them those tests skip, loudly — except under ``make test`` (``IXPCTL_REQUIRE_SCHEMAS=1``,
which CI runs), where a missing schema is a failure: CI must not pass by skipping its checks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas"


def schema_path(name: str) -> Path:
    """``../shared/schemas/<name>`` relative to the repository, or skip (fail when required)."""
    path = SCHEMAS / name
    if not path.is_file():
        message = (f"schema {path.resolve()} is absent: put the containerlab and Euro-IX schemas in "
                   "../shared/schemas/ next to the repository to run this test")
        if os.environ.get("IXPCTL_REQUIRE_SCHEMAS") == "1":
            pytest.fail(message + " (IXPCTL_REQUIRE_SCHEMAS=1: make test requires them)")
        pytest.skip(message)
    return path
