"""What an importer produces: inventory data as plain dicts (in the key order the YAML gets) and
notes about every decision it had to take, each located in the input file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem


@dataclass
class Note:
    """One decision or loss worth the operator's attention, at file:line of the input."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    fix: str | None = None
    severity: str = "warning"  # "warning" | "info"

    def to_problem(self) -> Problem:
        return Problem(self.message, self.file, self.line, self.field, self.fix,
                       "warning" if self.severity == "warning" else "info")


@dataclass
class Unmapped:
    """A setting of the source tool that ixpctl has no equivalent for, and the closest one."""

    setting: str
    value: Any
    closest: str
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"setting": self.setting, "value": self.value, "closest": self.closest,
                "file": self.file, "line": self.line}


@dataclass
class Imported:
    """An inventory described by an importer, before it is merged into files."""

    source: str  # "ixf" | "arouteserver" | "peeringdb"
    origin: str  # the file or URL it came from
    ixp: dict[str, Any]
    route_servers: list[dict[str, Any]]
    members: list[dict[str, Any]]
    policy: dict[str, Any] = field(default_factory=dict)  # dotted key -> value, into policies/default.yml
    notes: list[Note] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)  # relative path -> secret (written mode 600)

    def note(self, message: str, **where: Any) -> None:
        self.notes.append(Note(message, **where))

    def summary(self) -> dict[str, Any]:
        return {"source": self.source, "origin": self.origin, "members": len(self.members),
                "connections": sum(len(m.get("connections", [])) for m in self.members),
                "route_servers": len(self.route_servers),
                "notes": [n.to_problem().to_json() for n in self.notes],
                "unmapped": [u.to_json() for u in self.unmapped]}
