"""One exception family for everything ixpctl reports to a human.

Every error names where the problem is (file, line, field) and how to fix it, so the CLI can print it
without a traceback. Exit codes are part of the CLI contract (documented in the README).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Exit code of an unexpected exception: a bug in ixpctl, not in the operator's files (EX_SOFTWARE of
# sysexits.h). The CLI writes the traceback to a log file and says where.
INTERNAL_ERROR = 70


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    field: str | None = None  # dotted path, e.g. "members[3].connections[0].ipv4"
    fix: str | None = None
    severity: str = "error"  # "error" | "warning"

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def format(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def to_json(self) -> dict:
        return {
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "fix": self.fix,
        }


class IxpctlError(Exception):
    """Base of every error ixpctl expects; the CLI prints these without a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, problems: list[Problem] | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.problems: list[Problem] = problems or []

    def format(self) -> str:
        lines = [self.message]
        lines += ["  " + p.format().replace("\n", "\n  ") for p in self.problems]
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


class InputError(IxpctlError):
    """The inventory, policy or another operator-owned file cannot be read or is malformed."""

    exit_code = 2

    @classmethod
    def at(cls, message: str, file: str | Path | None, line: int | None = None, field: str | None = None,
           fix: str | None = None) -> InputError:
        """An error about one place in one file: "file:line: field: message" plus how to fix it."""
        problem = Problem(message, str(file) if file else None, line, field, fix)
        where = problem.where()
        err = cls(f"{where}: {message}" if where else message, fix=fix)
        err.problems = []
        err.located = problem
        return err

    located: Problem | None = None


class ValidationFailed(IxpctlError):
    """`ixpctl validate` found errors in an inventory that loaded fine."""

    exit_code = 1


class SourceError(IxpctlError):
    """An external data source (PeeringDB, IRR, RPKI) failed and no usable last-good data exists."""

    exit_code = 3


class SnapshotInvalid(InputError, SourceError):
    """A facts snapshot file holds what ixpctl cannot use (a wrong type, a missing key, an out-of-
    range number): a malformed input file (exit 2, with file:line), and a failed source for the
    last-good fallback, which must not take this snapshot as good data (it catches SourceError)."""

    exit_code = 2


class BuildError(IxpctlError):
    """A build could not be completed and nothing changed: a generated configuration was rejected
    (e.g. by `bird -p`), the output directory cannot be written (a full disk), or another build
    holds its lock."""

    exit_code = 4


class DeployError(IxpctlError):
    """Deploying to a route server or switch failed; the previous configuration was kept or restored."""

    exit_code = 5


class ApplyRefused(IxpctlError):
    """`ixpctl apply` did not deploy a change its guard rails stopped (too many routes or sessions
    affected); nothing changed, the operator was alerted, `--approve RUN_ID` deploys it."""

    exit_code = 6


@dataclass
class Report:
    """Collects problems while checking something, so the operator sees all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, message: str, **where) -> None:
        self.problems.append(Problem(message, severity="error", **where))

    def warning(self, message: str, **where) -> None:
        self.problems.append(Problem(message, severity="warning", **where))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]
