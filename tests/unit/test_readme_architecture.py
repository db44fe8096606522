"""The README's package tree is generated from the packages (scripts/architecture.py): a package
added, renamed or given another `May import:` line without regenerating it fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_tree_is_the_generated_one():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "architecture.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_every_package_is_in_the_tree():
    tree = subprocess.run([sys.executable, str(REPO / "scripts" / "architecture.py")], capture_output=True,
                          text=True, check=True).stdout
    packages = {p.parent.name for p in (REPO / "ixpctl").glob("*/__init__.py") if p.parent.name != "_templates"}
    missing = {name for name in packages if f"── {name}/" not in tree}
    assert not missing, f"packages not ranked in tests/unit/test_layering.py RANKS: {sorted(missing)}"
