"""Where ixpctl finds its templates: the repository's templates/ when run from a checkout (so operators
can edit them), otherwise the copy shipped inside the package."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    for candidate in (PACKAGE_DIR.parent / "templates", PACKAGE_DIR / "_templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("ixpctl templates not found (expected templates/ next to the ixpctl package)")
