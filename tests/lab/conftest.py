"""One lab for the whole lab test session (bring-up costs ~3 s; every test reuses it).

The lab is torn down by its recorded PIDs and namespace names in the fixture finalizer, and again at
interpreter exit as a safety net (``down`` is idempotent), so a failing or interrupted run leaves
nothing behind.
"""

from __future__ import annotations

import atexit
import os
import shutil

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("lab tests need root (network namespaces)")
    missing = [t for t in ("bird", "birdc", "gobgpd", "gobgp", "exabgp", "stayrtr", "ip") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"lab tests need {', '.join(missing)} on PATH")
    from ixpctl.lab import Lab, LabConfig

    base = tmp_path_factory.mktemp("ixpctl-lab")
    config = LabConfig.load(REPO / "lab" / "mlix.lab.yml", base=REPO)
    lab = Lab.up(config, base=base)  # tears itself down if the bring-up fails
    atexit.register(lab.down)
    try:
        yield lab
    finally:
        lab.down()


# The deploy tests' own small labs (one route server, one peer): tests/support/rslab.py (BIRD) and
# tests/support/bgpdlab.py (OpenBGPD).
from tests.support.bgpdlab import bgpdlab  # noqa: F401
from tests.support.rslab import rslab, rslab_factory  # noqa: F401

# ixpctl serve reading the lab (tests/support/serve_lab.py): its module-scoped `served` fixture.
from tests.support.serve_lab import served  # noqa: F401
