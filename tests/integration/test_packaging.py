"""A wheel (what a non-editable `pip install .` installs) carries the templates inside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def test_wheel_ships_every_template(tmp_path):
    # A clean copy of the sources: setuptools reuses ./build/lib, which would hide a missing mapping.
    source = tmp_path / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "bench", "tests"))
    # --no-build-isolation: the venv's setuptools, no package index (tests never use the network)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("ixpctl-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = REPO / "templates"
    expected = {f"ixpctl/_templates/{p.relative_to(templates).as_posix()}" for p in templates.rglob("*") if p.is_file()}
    assert expected and expected <= names, sorted(expected - names)[:5]


def test_installed_package_finds_its_templates(tmp_path, monkeypatch):
    """Without a checkout around the package, templates_dir() is the packaged copy."""
    from ixpctl.base import paths

    package = tmp_path / "site-packages" / "ixpctl"
    (package / "_templates" / "bird").mkdir(parents=True)
    (package.parent / "templates" / "bird").mkdir(parents=True)  # another distribution's stray directory
    monkeypatch.delenv("IXPCTL_TEMPLATES", raising=False)
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    assert paths.templates_dir() == package / "_templates"


def test_a_checkout_uses_the_repository_templates(monkeypatch):
    from ixpctl.base import paths

    monkeypatch.delenv("IXPCTL_TEMPLATES", raising=False)
    assert paths.templates_dir().resolve() == (REPO / "templates").resolve()
