"""BIRD's control socket, spoken directly (the reply framing pybird gets wrong on BIRD 2).

A reply is a series of lines ``CODE-text`` (more follows), `` text`` (continuation of the previous
code) and one final ``CODE text``. Codes 8000–9999 are errors: they raise, so a caller never mistakes
a refused command for an empty answer.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
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


class ReplyTooLarge(BirdError):
    """A reply went past the reader's byte bound (``BirdControl.max_bytes``)."""

    exit_code = 3


class BirdControl:
    socket_fix = "is BIRD running, and is this the socket given with -s?"
    max_bytes: int | None = None  # bound on one reply (a subclass sets it; None: unbounded)

    def __init__(self, path: str, timeout: float = 15.0):
        self.path = str(path)
        self.timeout = timeout

    def query(self, command: str, *, allow: tuple[int, ...] = ()) -> Reply:
        """Send one command; raise BirdError on socket trouble or an error code not in ``allow``."""
        return Reply(list(self.stream(command, allow=allow)))

    def stream(self, command: str, *, allow: tuple[int, ...] = ()) -> Iterator[tuple[int, str]]:
        """The reply's (code, text) lines as BIRD writes them, without keeping them: a table walk
        is read at the pace of its consumer. The final line comes last; an error code not in
        ``allow`` raises after it. Closing the generator early closes the connection (BIRD stops)."""
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
                final = (0, "")
                for final in self._lines(reader):
                    yield final
        except OSError as exc:
            raise BirdError(f"BIRD control socket {self.path}: {exc}", fix=self.socket_fix) from None
        if final[0] >= 8000 and final[0] not in allow:
            raise BirdError(f"BIRD refused `{command}`: {final[1].strip()} (code {final[0]})")

    def _prepare(self, sock: socket.socket, reader) -> None:
        """Between BIRD's greeting and the command (a subclass enters restricted mode here)."""

    def _read(self, reader) -> list[tuple[int, str]]:
        return list(self._lines(reader))

    def _lines(self, reader) -> Iterator[tuple[int, str]]:
        code = 0
        seen = 0
        while True:
            # bounded: a reply (or one endless line) past max_bytes is refused, not held
            raw = reader.readline() if self.max_bytes is None else reader.readline(self.max_bytes - seen + 1)
            if not raw:
                raise BirdError("BIRD closed the control socket in the middle of a reply")
            seen += len(raw)
            if self.max_bytes is not None and seen > self.max_bytes:
                raise ReplyTooLarge(f"BIRD's reply is larger than {self.max_bytes} bytes",
                                    fix="ask for one protocol, one table or one prefix")
            raw = raw.rstrip("\n")
            m = _LINE.match(raw)
            if m:
                code = int(m.group(1))
                yield code, m.group(3)
                if m.group(2) == " ":
                    return
            elif raw.startswith(" "):
                yield code, raw[1:]
            else:
                raise BirdError(f"unexpected line from BIRD: {raw!r}")
