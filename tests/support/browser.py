"""Debian's chromium driven by Playwright, headless, as DESIGN.md's facts say it runs here."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# headless as root, and no background networking (the network is closed here)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
REPO = Path(__file__).resolve().parents[2]


def artefacts() -> Path:
    """Where tests keep screenshots: IXPCTL_TEST_ARTEFACTS, default build/test-artefacts/."""
    path = Path(os.environ.get("IXPCTL_TEST_ARTEFACTS", REPO / "build" / "test-artefacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def phone_browser(javascript: bool = False) -> Iterator[object]:
    """A persistent chromium context with a fresh profile (removed afterwards), phone-sized."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="ixpctl-chromium-")
    try:
        with sync_api.sync_playwright() as p:
            context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS,
                                                           headless=True, java_script_enabled=javascript,
                                                           viewport=PHONE)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
