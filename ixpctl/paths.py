"""Where ixpctl finds its templates: the repository's templates/ when run from a checkout (so operators
can edit them), otherwise the copy shipped inside the package."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """IXPCTL_TEMPLATES (an operator's customised copy) first, then the checkout, then the package."""
    override = os.environ.get("IXPCTL_TEMPLATES")
    if override:
        return Path(override)
    for candidate in (PACKAGE_DIR.parent / "templates", PACKAGE_DIR / "_templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("ixpctl templates not found (expected templates/ next to the ixpctl package)")
