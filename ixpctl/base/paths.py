"""Where ixpctl finds its templates: ``ixpctl/_templates``, which in a checkout is a symlink to the
repository's templates/ (so operators edit them there) and in a wheel is the copy shipped inside the
package; IXPCTL_TEMPLATES points at an operator's customised copy instead."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # ixpctl/ (this file is ixpctl/base/paths.py)


def templates_dir() -> Path:
    """IXPCTL_TEMPLATES (an operator's customised copy) first, then the package's, then the checkout's."""
    override = os.environ.get("IXPCTL_TEMPLATES")
    if override:
        return Path(override)
    # The package's own copy first: in a checkout it is a symlink to templates/ (the same files), and
    # in site-packages a stray top-level "templates" of another distribution must not be picked up.
    for candidate in (PACKAGE_DIR / "_templates", PACKAGE_DIR.parent / "templates"):
        if (candidate / "bird").is_dir():
            return candidate
    raise FileNotFoundError("ixpctl templates not found (expected templates/ next to the ixpctl package)")
