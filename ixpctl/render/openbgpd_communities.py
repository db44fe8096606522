"""OpenBGPD filter terms for the policy's communities (``ixpctl.policy.communities``), as
``render.bird_communities`` does for BIRD: the templates ask, they never spell a value.

An OpenBGPD filter rule takes at most one ``community``, one ``large-community`` and one
``ext-community`` term, and the rule matches when all its terms do. A community with several forms
is therefore several rules (``c.terms(name)``: one term per form), each with the same action. In a
``to`` rule a ``peer`` field is ``neighbor-as``, the receiving member's ASN, the equivalent of
BIRD's ``peer_as`` argument; OpenBGPD compares it with the whole 32-bit ASN, so a standard form
never matches a 32-bit member (its low 16 bits are not its ASN).
"""

from __future__ import annotations

from typing import Any

from ..policy.communities import BY_NAME, Pattern, active_patterns, info_patterns, scrub_patterns
from .bird_communities import _covers

_KEYWORD = {"std": "community", "large": "large-community", "ext": "ext-community"}
_EXT_SUBTYPE = {"rt": "rt", "ro": "soo"}  # BIRD's route origin is OpenBGPD's "soo"


class _Safe(str):
    """Marker type the renderer's finalize lets through (see render.openbgpd._SafeText)."""


class OpenbgpdCommunities:
    def __init__(self, rs_asn: int, policy: dict[str, Any], safe: type[str] = _Safe):
        self.rs = rs_asn
        self.policy = policy["communities"]
        self._safe = safe

    def patterns(self, name: str) -> list[Pattern]:
        return active_patterns(self.policy, name, self.rs)

    def has(self, name: str) -> bool:
        return bool(self.patterns(name))

    def _field(self, f: Any, peer: str) -> str:
        return str(self.rs) if f == "rs" else (peer if f == "peer" else str(int(f)))

    def _value(self, p: Pattern, peer: str = "neighbor-as") -> str:
        body = ":".join(self._field(f, peer) for f in p.fields)
        return f"{_EXT_SUBTYPE[p.ext_type or 'rt']} {body}" if p.kind == "ext" else body

    def term(self, p: Pattern, peer: str = "neighbor-as") -> str:
        return self._safe(f"{_KEYWORD[p.kind]} {self._value(p, peer)}")

    def terms(self, *names: str) -> list[str]:
        """One filter term per active form of the communities ``names`` (empty: none is offered)."""
        return [self.term(p) for n in names for p in self.patterns(n)]

    def forms(self, name: str) -> str:
        """The forms as a comment shows them (RS for the route server's ASN)."""
        return ", ".join(p.text().replace("rs", "RS") for p in self.patterns(name)) or "switched off by the policy"

    def sets(self, name: str) -> list[str]:
        """``set`` items adding every form of ``name`` (informational tags: no ``peer`` field)."""
        return [self._safe(f"{_KEYWORD[p.kind]} {self._value(p)}") for p in self.patterns(name)]

    def deletes(self, items: list[str]) -> list[str]:
        """The ``set`` items that remove what ``sets()`` items add."""
        return [self._safe(i.replace("community ", "community delete ", 1)) for i in items]

    def _wild(self, p: Pattern) -> str:
        body = ":".join("*" if f == "peer" else self._field(f, "*") for f in p.fields)
        return self._safe(f"{_KEYWORD[p.kind]} delete {_EXT_SUBTYPE[p.ext_type or 'rt']} {body}" if p.kind == "ext"
                          else f"{_KEYWORD[p.kind]} delete {body}")

    def _deletes(self, patterns: list[Pattern]) -> list[str]:
        kept: list[Pattern] = []
        for p in patterns:  # a form another one already deletes is left out (reads like by hand)
            if not any(_covers(q, p) for q in kept):
                kept = [q for q in kept if not _covers(p, q)] + [p]
        return [self._wild(p) for p in kept]

    def scrub(self) -> list[str]:
        """Before export: the control forms, the IXP's own blackhole form and the info tags, then the
        whole route-server namespace (RS:*:*, and RS:* for a 16-bit RS ASN)."""
        own = [p for p in scrub_patterns(self.policy, self.rs)
               if not (p.fields[0] == "rs" and (p.kind == "large" or (p.kind == "std" and self.rs <= 0xFFFF)))]
        out = self._deletes(own)
        if self.rs <= 0xFFFF:
            out.append(self._safe(f"community delete {self.rs}:*"))
        out.append(self._safe(f"large-community delete {self.rs}:*:*"))
        return out

    def delete_info(self) -> list[str]:
        """On import: informational tags a member might forge."""
        return self._deletes(info_patterns(self.policy, self.rs))

    def meaning(self, name: str) -> str:
        return BY_NAME[name].meaning


__all__ = ["OpenbgpdCommunities"]
