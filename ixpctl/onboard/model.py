"""The data that flows through ``ixpctl onboard``: what PeeringDB says, pre-flight verdicts, the plan.

Plain dataclasses with ``to_json`` so the CLI can print them as rich tables for humans and as JSON
for CI from the same objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..errors import IxpctlError
from ..sources.facts import PdbNetIxLan, PdbNetwork
from .messages import CATALOG, CHECKS, Message, Param, check_id, check_title, render

Verdict = Literal["pass", "warn", "fail"]


class OnboardRefused(IxpctlError):
    """Onboarding stopped before writing anything (special ASN, already a member, not in PeeringDB,
    address or port taken, a failed pre-flight check...). Exit code 1: a check said no."""

    exit_code = 1


@dataclass
class NetworkRecord:
    """What we know about the network being onboarded, and where it came from."""

    asn: int
    network: PdbNetwork | None  # None: not in PeeringDB (only with --force)
    netixlan: list[PdbNetIxLan] = field(default_factory=list)  # its live rows at this IXP
    origin: str = "peeringdb cache"  # "peeringdb cache" | "facts snapshot" | "command line"
    notes: list[str] = field(default_factory=list)
    # addresses other networks registered at this IXP in PeeringDB: never handed out as "next free"
    reserved: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"asn": self.asn, "network": asdict(self.network) if self.network else None,
                "netixlan": [asdict(r) for r in self.netixlan], "origin": self.origin, "notes": self.notes}


@dataclass
class CheckResult:
    """One pre-flight check: a verdict and a sentence that says why (and what to do on warn/fail).

    ``code`` and ``params`` name the sentence in ``ixpctl.onboard.messages``; ``name`` and
    ``explanation`` are its English rendering (what the CLI and ``--json`` show), so the welcome pack
    can print the same result in French. Make one with :meth:`of`. ``details`` are raw data lines.
    """

    name: str
    verdict: Verdict
    explanation: str
    details: list[str] = field(default_factory=list)
    code: str = ""  # "" only for a result made by hand, without the catalog: English everywhere
    params: dict[str, Param] = field(default_factory=dict)

    @classmethod
    def of(cls, verdict: Verdict, message: Message, details: list[str] | None = None) -> CheckResult:
        """The result whose explanation is ``message``; its check is the code's prefix (``as_set.…``)."""
        if message.code not in CATALOG or check_id(message.code) not in CHECKS:
            raise ValueError(f"{message.code!r} is not a check message of ixpctl.onboard.messages")
        return cls(check_title(check_id(message.code)), verdict, message.render("en"), list(details or []),
                   message.code, dict(message.params))

    def title(self, lang: str = "en") -> str:
        return check_title(check_id(self.code), lang) if self.code else self.name

    def text(self, lang: str = "en") -> str:
        return render(self.code, self.params, lang) if self.code else self.explanation

    def line(self, lang: str = "en") -> str:
        """Title and explanation in ``lang``, as one to-do item of the welcome pack."""
        return render("common.line", {"check": self.title(lang), "text": self.text(lang)}, lang)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConnectionPlan:
    """One connection of the new member: addresses (with where each came from), port, MACs."""

    lan: str
    ipv4: str | None
    ipv6: str | None
    ipv4_source: str | None  # "peeringdb" | "--ipv4" | "next free"
    ipv6_source: str | None
    switch: str | None = None
    ports: list[str] = field(default_factory=list)
    speed: int | None = None
    macs: list[str] = field(default_factory=list)
    route_server: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
