"""BIRD's control socket, spoken directly (the reply framing pybird gets wrong on BIRD 2).

A reply is a series of lines ``CODE-text`` (more follows), `` text`` (continuation of the previous
code) and one final ``CODE text``. Codes 8000–9999 are errors: they raise, so a caller never mistakes
a refused command for an empty answer.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from ..errors import IxpctlError

_LINE = re.compile(r"^(\d{4})([ -])(.*)$")


class BirdError(IxpctlError):
    """The control socket is unreachable, or BIRD answered a command with an error code."""

    exit_code = 3


@dataclass
class Reply:
    lines: list[tuple[int, str]]  # (code, text) for every line, continuation lines carry their code

    @property
    def text(self) -> str:
        """What birdc would print (codes stripped, the closing 0000 dropped)."""
        return "\n".join(t for c, t in self.lines if c != 0) + "\n"


class BirdControl:
    socket_fix = "is BIRD running, and is this the socket given with -s?"

    def __init__(self, path: str, timeout: float = 15.0):
        self.path = str(path)
        self.timeout = timeout

    def query(self, command: str, *, allow: tuple[int, ...] = ()) -> Reply:
        """Send one command; raise BirdError on socket trouble or an error code not in ``allow``."""
        if "\n" in command:
            raise ValueError("one command per query")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout)
                sock.connect(self.path)
                reader = sock.makefile("r", encoding="utf-8", errors="replace", newline="\n")
                self._read(reader)  # greeting: 0001 BIRD x.y.z ready.
                self._prepare(sock, reader)
                sock.sendall(command.encode() + b"\n")
                lines = self._read(reader)
        except OSError as exc:
            raise BirdError(f"BIRD control socket {self.path}: {exc}", fix=self.socket_fix) from None
        final_code = lines[-1][0]
        if final_code >= 8000 and final_code not in allow:
            raise BirdError(f"BIRD refused `{command}`: {lines[-1][1].strip()} (code {final_code})")
        return Reply(lines)

    def _prepare(self, sock: socket.socket, reader) -> None:
        """Between BIRD's greeting and the command (a subclass enters restricted mode here)."""

    @staticmethod
    def _read(reader) -> list[tuple[int, str]]:
        lines: list[tuple[int, str]] = []
        code = 0
        while True:
            raw = reader.readline()
            if not raw:
                raise BirdError("BIRD closed the control socket in the middle of a reply")
            raw = raw.rstrip("\n")
            m = _LINE.match(raw)
            if m:
                code = int(m.group(1))
                lines.append((code, m.group(3)))
                if m.group(2) == " ":
                    return lines
            elif raw.startswith(" "):
                lines.append((code, raw[1:]))
            else:
                raise BirdError(f"unexpected line from BIRD: {raw!r}")
