"""What the CLI does with an exception nobody expected: a bug in ixpctl, never the operator's fault.

The operator gets one short message and exit code 70; the traceback goes to a log file to attach to
a bug report: ``$IXPCTL_CRASH_DIR`` if set, else ``.ixpctl/crash/`` under the working directory (the
IXP repository, where ``.ixpctl/`` already holds ixpctl's caches and is git-ignored), else the
system's temporary directory when that cannot be written (read-only checkout, full disk).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__


def crash_dirs() -> list[Path]:
    """Where a crash log may go, in order of preference."""
    explicit = os.environ.get("IXPCTL_CRASH_DIR")
    first = Path(explicit) if explicit else Path.cwd() / ".ixpctl" / "crash"
    return [first, Path(tempfile.gettempdir())]


def write_crash_log(exc: BaseException) -> Path | None:
    """Write the traceback of ``exc`` (with the command line and version); None when no directory
    could take it (the caller then prints the traceback itself)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = (f"ixpctl {__version__} internal error at {stamp}\n"
            f"command: {' '.join(sys.argv)}\nworking directory: {Path.cwd()}\n\n"
            + "".join(traceback.format_exception(exc)))
    for directory in crash_dirs():
        path = directory / f"ixpctl-crash-{stamp}-{os.getpid()}.log"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError:  # e.g. a full disk: a partial log is removed, the next directory is tried
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            continue
        return path
    return None
