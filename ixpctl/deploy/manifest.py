"""The build manifest: deploy installs only what ``ixpctl build`` produced and checked.

``ixpctl build`` writes ``<out>/manifest.json`` next to the configs (the configs themselves stay
byte-identical): per file its SHA-256 and size, and per route-server config the number of BGP
sessions the build meant to render and the ixpctl version that rendered it. ``deploy rs`` refuses a
config whose hash is not the recorded one (edited, truncated, copied from elsewhere) or whose
``protocol bgp`` count differs from the recorded one, before anything on the route server changes.

The manifest is part of the build's generation (``base/generations.py``): it becomes visible in the
same rename as the configs it vouches for, never before or after them. A reader resolves the config
it deploys once and reads the manifest from that config's generation (``check_built(generation=)``).
It is 0600 when a config it lists holds MD5 secrets: the hash of such a file would let a reader test
password guesses.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .. import __version__
from ..errors import DeployError

MANIFEST = "manifest.json"
FORMAT = 1
_PROTOCOL_BGP = re.compile(rb"^[ \t]*protocol[ \t]+bgp\b", re.MULTILINE)
_BGPD_NEIGHBOR = re.compile(rb"^[ \t]*neighbor[ \t]+[0-9A-Fa-f:.]+(?:/\d+)?[ \t]*\{", re.MULTILINE)


def file_entry(path: Path) -> dict:
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"sha256": digest, "size": path.stat().st_size}


def config_entry(path: Path, route_server: str, sessions: int, *, secret: bool) -> dict:
    return {**file_entry(path), "route_server": route_server, "sessions": sessions,
            "ixpctl_version": __version__, "secret": secret}


def count_sessions(config: bytes) -> int:
    """BGP sessions in a rendered config: its ``protocol bgp NAME`` blocks (templates are not sessions),
    or in an OpenBGPD config its ``neighbor ADDRESS {`` blocks."""
    return len(_PROTOCOL_BGP.findall(config)) or len(_BGPD_NEIGHBOR.findall(config))


def read_manifest(out_dir: Path) -> dict | None:
    try:
        data = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def write_manifest(staging: Path, entries: dict[str, dict], *, previous: Path | None = None) -> None:
    """Record ``entries`` (file name → entry) in the new generation ``staging``, keeping those of the
    files the build carries over from the ``previous`` generation (a ``build --rs rs1`` leaves
    rs2's files and their entries as they were)."""
    old = (read_manifest(previous) if previous is not None else None) or {"files": {}}
    files = {name: entry for name, entry in old["files"].items()
             if name not in entries and previous is not None and (previous / name).exists()}
    files.update(entries)
    path = staging / MANIFEST
    path.write_text(json.dumps({"format": FORMAT, "files": dict(sorted(files.items()))}, indent=2) + "\n",
                    encoding="utf-8")
    path.chmod(0o600 if any(e.get("secret") for e in files.values()) else 0o644)


def check_built(build_dir: Path, file_name: str, config: bytes, *, generation: Path | None = None) -> dict:
    """The manifest entry for ``config`` (the bytes about to be deployed), or DeployError. The
    manifest is read from ``generation`` (the directory the config was read from) when given."""
    where = Path(build_dir) / MANIFEST
    rebuild = f"run `ixpctl build -o {build_dir}` and deploy what it wrote"
    manifest = read_manifest(generation if generation is not None else build_dir)
    if manifest is None:
        raise DeployError(f"{where} is missing or unreadable: only configs `ixpctl build` wrote are deployed",
                          fix=rebuild)
    entry = manifest["files"].get(file_name)
    if not isinstance(entry, dict) or "sessions" not in entry:
        raise DeployError(f"{build_dir / file_name} is not in the build manifest {where}", fix=rebuild)
    digest = hashlib.sha256(config).hexdigest()
    if digest != entry.get("sha256") or len(config) != entry.get("size"):
        raise DeployError(f"{build_dir / file_name} is not the file `ixpctl build` wrote (SHA-256 {digest[:12]}…, "
                          f"{len(config)} bytes; the manifest says {str(entry.get('sha256'))[:12]}…, "
                          f"{entry.get('size')} bytes): it was changed after the build", fix=rebuild)
    found = count_sessions(config)
    if found != entry["sessions"]:
        raise DeployError(f"{build_dir / file_name} has {found} BGP sessions, the build rendered {entry['sessions']}",
                          fix=rebuild)
    return entry
