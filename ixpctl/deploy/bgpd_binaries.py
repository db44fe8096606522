"""Which ``bgpd`` / ``bgpctl`` pair runs an OpenBGPD series (7.7, 8.8) on this machine.

The machine's own OpenBGPD (``IXPCTL_BGPD`` or ``bgpd`` on PATH, with the ``bgpctl`` next to it)
when it is of that series; else the wrappers ``scripts/openbgpd-versions.sh`` installs,
``bgpd-<series>`` / ``bgpctl-<series>`` in ``$IXPCTL_OPENBGPD_CACHE/bin`` (default
``.cache/openbgpd/bin`` of the working directory or of the ixpctl checkout), then on PATH. The
pair always comes from one place: bgpctl refuses a bgpd of another version (imsg version).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import IxpctlError
from .bgpd_check import bgpd_version


@dataclass(frozen=True)
class BgpdPair:
    bgpd: str
    bgpctl: str
    version: str  # what bgpd -V says, e.g. "8.8"


def cache_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("IXPCTL_OPENBGPD_CACHE"):
        dirs.append(Path(os.environ["IXPCTL_OPENBGPD_CACHE"]) / "bin")
    dirs.append(Path.cwd() / ".cache" / "openbgpd" / "bin")
    dirs.append(Path(__file__).resolve().parents[2] / ".cache" / "openbgpd" / "bin")  # a source checkout
    return list(dict.fromkeys(dirs))


def _same_series(version: str, series: str) -> bool:
    return version.split(".")[:2] == series.split(".")[:2]


def openbgpd_for(series: str) -> BgpdPair:
    """The bgpd/bgpctl of ``series``, or an IxpctlError saying how to get one."""
    native = shutil.which(os.environ.get("IXPCTL_BGPD", "bgpd"))
    if native:
        version = bgpd_version(native)
        if _same_series(version, series):
            ctl = Path(native).with_name("bgpctl")
            return BgpdPair(native, str(ctl) if ctl.exists() else "bgpctl", version)
    for where in [*(str(d / f"bgpd-{series}") for d in cache_dirs()), f"bgpd-{series}"]:
        found = shutil.which(where)
        if not found:
            continue
        ctl = Path(found).with_name(f"bgpctl-{series}")
        version = bgpd_version(found)
        if ctl.exists() and _same_series(version, series):
            return BgpdPair(str(Path(found).absolute()), str(ctl.absolute()), version)
    raise IxpctlError(f"no OpenBGPD {series} on this machine (bgpd on PATH is "
                      f"{bgpd_version(native) if native else 'missing'}, no bgpd-{series} in {cache_dirs()[0]})",
                      fix="run scripts/openbgpd-versions.sh (make test does): it fetches Debian's openbgpd "
                          f"{series} into .cache/openbgpd without touching apt")


__all__ = ["BgpdPair", "cache_dirs", "openbgpd_for"]
