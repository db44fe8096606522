"""Which ``bird`` checks which config: one binary per target series, found and probed once.

A config for BIRD 3.1 checked by BIRD 2.0 proves nothing (and is refused for syntax 3.1 needs), so
the binary that runs ``bird -p`` must be of the route server's target series (``bird_versions``).
Where they come from, first match wins:

1. ``--bird BINARY`` (repeatable): only these; a target none of them runs is an error.
2. ``IXPCTL_BIRD_BINARIES="2.17=/opt/bird2/sbin/bird,3.1=bird-3.1"``: a binary per series.
3. ``IXPCTL_BIRD`` or ``bird`` on PATH: the machine's own BIRD, for the series it is.
4. The wrappers ``scripts/bird-versions.sh`` installs: ``bird-<series>`` in ``$IXPCTL_BIRD_CACHE/bin``
   (default ``.cache/bird/bin`` of the working directory or of the ixpctl checkout), then on PATH.

Every candidate is asked ``bird --version``; a binary whose series differs from the target is never
used for it (a patch release within a series is fine: the config text is the same).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import BuildError
from ..render.bird_versions import TARGETS, parse_version, same_series, target_of


@dataclass(frozen=True)
class BirdBinary:
    path: str  # what runs: absolute path of the binary or wrapper
    version: str  # what it says it is, e.g. "3.1.8"
    origin: str  # how it was found: "--bird", "IXPCTL_BIRD_BINARIES", "PATH", "cache"

    @property
    def birdc(self) -> str:
        """The matching client: ``birdc`` next to a plain ``bird``, ``birdc-3.1`` next to ``bird-3.1``."""
        p = Path(self.path)
        name = p.name.replace("bird", "birdc", 1) if p.name.startswith("bird") else "birdc"
        candidate = p.with_name(name)
        return str(candidate) if candidate.exists() else "birdc"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "version": self.version, "origin": self.origin}


@cache
def probe_version(binary: str) -> str | None:
    """``bird --version`` of a binary ("2.0.12"); None when it does not run or says nothing usable."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"BIRD version (\d+\.\d+(?:\.\d+)?)", out.stdout + out.stderr)
    return match.group(1) if match else None


def cache_dirs() -> list[Path]:
    """Where ``scripts/bird-versions.sh`` leaves its wrappers (``IXPCTL_BIRD_CACHE`` first)."""
    dirs = []
    if os.environ.get("IXPCTL_BIRD_CACHE"):
        dirs.append(Path(os.environ["IXPCTL_BIRD_CACHE"]) / "bin")
    dirs.append(Path.cwd() / ".cache" / "bird" / "bin")
    dirs.append(Path(__file__).resolve().parents[2] / ".cache" / "bird" / "bin")  # a source checkout
    return list(dict.fromkeys(dirs))


def _resolve(binary: str) -> str | None:
    found = shutil.which(binary)
    return str(Path(found).absolute()) if found else None


@dataclass
class BirdBinaries:
    """The BIRD binaries of this machine, by target series."""

    explicit: list[str] = field(default_factory=list)
    environ: dict[str, str] | None = None

    def candidates(self) -> list[tuple[str, str]]:
        """(binary, origin) in the order they are tried."""
        env = os.environ if self.environ is None else self.environ
        if self.explicit:
            return [(b, "--bird") for b in self.explicit]
        out: list[tuple[str, str]] = []
        for item in filter(None, (env.get("IXPCTL_BIRD_BINARIES") or "").split(",")):
            _series, _, binary = item.partition("=")
            out.append((binary.strip(), "IXPCTL_BIRD_BINARIES"))
        out.append((env.get("IXPCTL_BIRD") or "bird", "PATH"))
        for target in TARGETS:
            for directory in cache_dirs():
                out.append((str(directory / f"bird-{target.name}"), "cache"))
            out.append((f"bird-{target.name}", "PATH"))
        return out

    def found(self) -> list[BirdBinary]:
        """Every candidate that runs, with its version (duplicates by path removed)."""
        seen: dict[str, BirdBinary] = {}
        for binary, origin in self.candidates():
            path = _resolve(binary)
            if path is None or path in seen:
                continue
            version = probe_version(path)
            if version is not None:
                seen[path] = BirdBinary(path, version, origin)
        return list(seen.values())

    def for_version(self, version: str, *, what: str = "the config") -> BirdBinary:
        """The binary that checks a config targeting ``version``; BuildError when there is none."""
        target = target_of(version)
        found = self.found()
        for binary in found:
            if same_series(binary.version, version):
                return binary
        have = ", ".join(f"{b.version} ({b.path})" for b in found) or "none"
        if self.explicit:
            fix = (f"pass --bird with a BIRD {target.name} binary too (scripts/bird-versions.sh installs "
                   f"bird-{target.name} in .cache/bird/bin)")
        else:
            fix = (f"run scripts/bird-versions.sh (installs bird-{target.name} in .cache/bird/bin), install "
                   f"{target.debian}, or name one with --bird / IXPCTL_BIRD_BINARIES={target.name}=PATH")
        raise BuildError(f"{what} targets BIRD {version} but no BIRD {target.name} is here to check it "
                         f"(found: {have})", fix=fix)

    def for_series(self, series: str) -> BirdBinary:
        """A binary of a series given as "3.1", a version, or a path to a binary."""
        if not re.fullmatch(r"\d+\.\d+(\.\d+)?", series):
            path = _resolve(series)
            version = probe_version(path) if path else None
            if path is None or version is None:
                raise BuildError(f"{series} is not a BIRD binary that runs here",
                                 fix="give a version (2.0, 2.17, 3.1) or the path of a bird binary")
            return BirdBinary(path, version, "--bird")
        return self.for_version(".".join(map(str, parse_version(series))), what=f"BIRD {series}")


__all__ = ["BirdBinaries", "BirdBinary", "cache_dirs", "probe_version"]
