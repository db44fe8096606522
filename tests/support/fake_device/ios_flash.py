"""IOS flash: the files NAPALM's ``ios`` driver copies in by SCP and the commands that use them
(``dir``, ``verify /md5``, ``copy``, ``configure replace``, ``show archive config incremental-diffs``).

The SCP upload itself is handled by asyncssh's SCP server into the same directory (server.py), so
the driver's whole path — SCP, MD5 check, incremental diff, ``copy ... running-config`` — is real.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .model import CommandError, Config


def _path(root: Path, name: str) -> Path | None:
    m = re.fullmatch(r"flash:/?([A-Za-z0-9_.-]+)", name)
    return root / "flash:" / m.group(1) if m else None


def incremental_diff(cfg: Config, text: str) -> str:
    """What `copy FILE running-config` would change, in IOS's "List of Commands" form."""
    cand = Config.parse("ios", cfg.hostname, text)
    out = []
    for key, children in cand.blocks.items():
        have = cfg.blocks.get(key)
        if key.startswith("no "):
            if key[3:] in cfg.blocks:
                out.append(key)
            continue
        if have is None:
            out += [key, *(" " + c for c in children if not c.startswith("no "))]
            continue
        new = []
        for c in children:
            if c in have:
                continue
            absent = c.startswith("no ") and not any(h == c[3:] or h.startswith(c[3:] + " ") for h in have)
            if absent and not re.match(r"^no (lldp transmit|cdp enable)$", c):
                continue  # removing what is not there changes nothing
            new.append(" " + c)
        if new:
            out += [key, *new]
    if not out:
        return "!List of Commands:\nend\n!No changes were found\n"
    return "!List of Commands:\n" + "\n".join(out) + "\nend\n"


def command(cmd: str, cfg: Config, root: Path, apply_line) -> str | None:
    """The flash commands of the IOS dialect; None when ``cmd`` is not one of them."""
    words = cmd.split()
    if not words:
        return None
    if words[0] == "dir" and len(words) == 2:
        if words[1] in ("flash:", "flash:/"):
            files = sorted((root / "flash:").iterdir())
            lines = [f"   {i}  -rw-  {p.stat().st_size:>10}  Dec 4 2026 01:00:00 +00:00  {p.name}" for i, p in enumerate(files)]
            return "Directory of flash:/\n\n" + "\n".join(lines) + "\n\n1621966848 bytes total (1000000000 bytes free)\n"
        p = _path(root, words[1])
        if p is None or not p.exists():
            return f"%Error opening {words[1]} (No such file or directory)\n"
        return (f"Directory of {words[1]}\n\n   33  -rw-  {p.stat().st_size:>10}  Dec 4 2026 01:00:00 +00:00  {p.name}\n\n"
                "1621966848 bytes total (1000000000 bytes free)\n")
    if words[:2] == ["verify", "/md5"] and len(words) == 3:
        p = _path(root, words[2])
        if p is None or not p.exists():
            return f"%Error opening {words[2]} (No such file or directory)\n"
        return f".....Done!\nverify /md5 ({words[2]}) = {hashlib.md5(p.read_bytes()).hexdigest()}\n"
    if words[:2] == ["show", "archive"] and len(words) == 2:
        return "The maximum archive configurations allowed is 10.\nThere are currently 1 archive configurations saved.\n"
    if cmd == "show archive config rollback timer":
        return "No Rollback Confirmed Change pending\n"
    if words[:4] == ["show", "archive", "config", "incremental-diffs"]:
        p = _path(root, words[4])
        if p is None or not p.exists():
            return f"%Error opening {words[4]} (No such file or directory)\n"
        return incremental_diff(cfg, p.read_text())
    if words[0] == "copy" and len(words) == 3:
        src, dst = words[1], words[2]
        if src == "running-config" and _path(root, dst):
            text = cfg.text()
            _path(root, dst).write_text(text)
            return f"{len(text)} bytes copied in 0.051 secs\n"
        if src == "null:" and _path(root, dst):
            _path(root, dst).write_text("")
            return "0 bytes copied in 0.001 secs\n"
        if dst == "running-config" and _path(root, src):
            p = _path(root, src)
            if not p.exists():
                return f"%Error opening {src} (No such file or directory)\n"
            out = []
            view = None
            for line in p.read_text().splitlines():
                if not line.strip() or line.strip().startswith("!") or line.strip() == "end":
                    continue
                try:
                    view = apply_line(view, line)
                except CommandError as exc:
                    out.append(f"{line.strip()}\n   ^\n{exc}")
            return "\n".join(out) + f"\n{p.stat().st_size} bytes copied in 0.102 secs\n"
        if (src, dst) in (("running-config", "startup-config"), ("system:running-config", "nvram:startup-config")):
            return "Building configuration...\n[OK]\n"
    if words[:2] == ["configure", "replace"] and len(words) >= 3:
        p = _path(root, words[2])
        if p is None or not p.exists():
            return f"%Error opening {words[2]} (No such file or directory)\n"
        replacement = Config.parse("ios", cfg.hostname, p.read_text())
        cfg.blocks = replacement.blocks
        return "Total number of passes: 1\nRollback Done\n"
    if cmd in ("write mem", "write memory"):
        return "Building configuration...\n[OK]\n"
    return None
