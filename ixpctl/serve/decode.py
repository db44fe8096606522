"""Communities on a route, by name and meaning (EN/FR), with the route servers' own catalogue
(``policy.communities``: the same active forms the BIRD config tests) and the reject-reason codes
of the filter chain (``(RS, 65520, code)`` rejected, ``(RS, 65521, code)`` tagged)."""

from __future__ import annotations

from typing import Any

from ..policy.chain import BY_CODE
from ..policy.communities import DEFINITIONS, active_patterns
from ..verify.model import RouteEntry

WELL_KNOWN = {
    (65535, 0): ("GRACEFUL_SHUTDOWN", "RFC 8326: lowest preference", "RFC 8326 : préférence la plus basse"),
    (65535, 666): ("BLACKHOLE", "RFC 7999: discard traffic to this prefix", "RFC 7999 : jeter le trafic"),
    (65535, 65281): ("NO_EXPORT", "not to be exported beyond the receiving AS", "ne pas exporter au-delà de l'AS"),
    (65535, 65282): ("NO_ADVERTISE", "not to be advertised to any peer", "n'annoncer à aucun pair"),
}


class Decoder:
    def __init__(self, policy: Any, rs_asn: int):
        self.rs = rs_asn
        comm = policy.communities.model_dump(mode="json")
        self.reject_base = policy.communities.reject_reason_base
        self.tag_base = policy.communities.tag_reason_base
        self.patterns = [(d, p) for d in DEFINITIONS for p in active_patterns(comm, d.name, rs_asn)]

    def bases(self) -> tuple[int, int]:
        return self.reject_base, self.tag_base

    def one(self, value: tuple, kind: str) -> dict[str, Any]:
        text = ":".join(str(v) for v in value)
        out: dict[str, Any] = {"value": text, "kind": kind, "name": None, "en": None, "fr": None}
        if kind == "large" and value[0] == self.rs and value[1] in (self.reject_base, self.tag_base):
            check = BY_CODE.get(value[2])
            tagged = value[1] == self.tag_base
            label = check.name if check else f"code {value[2]}"
            out.update(name=("would_reject:" if tagged else "reject:") + label,
                       en=(("tagged, accepted: " if tagged else "rejected: ") + (check.title if check else "unknown")),
                       fr=(("marquée, acceptée : " if tagged else "rejetée : ") + (check.title_fr if check else "inconnu")))
            return out
        if kind == "std" and tuple(value) in WELL_KNOWN:
            name, en, fr = WELL_KNOWN[tuple(value)]
            out.update(name=name, en=en, fr=fr)
            return out
        pkind = {"std": "std", "large": "large", "ext": "ext"}[kind]
        for d, p in self.patterns:
            if p.kind == pkind and p.matches(tuple(value), self.rs):
                out.update(name=d.name, en=d.meaning, fr=d.meaning_fr)
                if p.has_peer:
                    peer = next(v for f, v in zip(p.fields, value[-len(p.fields):], strict=True) if f == "peer")
                    out["peer"] = peer
                break
        return out

    def route(self, r: RouteEntry) -> dict[str, Any]:
        """The route as JSON: the verify layer's fields, reject reasons, and every community decoded."""
        data = r.to_json(self.rs, self.bases())
        data["communities_decoded"] = (
            [self.one(c, "std") for c in r.communities] + [self.one(c, "large") for c in r.large_communities]
            + [self.one(c, "ext") for c in r.ext_communities])
        reason = r.reject_reason(self.rs, self.bases())
        data["reason"] = None if reason is None else {
            "code": reason.code, "check": reason.check, "en": reason.reason,
            "fr": BY_CODE[reason.code].title_fr if reason.code in BY_CODE else reason.reason,
            "fix": BY_CODE[reason.code].fix if reason.code in BY_CODE else None,
            "fix_fr": BY_CODE[reason.code].fix_fr if reason.code in BY_CODE else None}
        data.pop("attributes", None)  # raw BIRD lines: the typed fields above say the same, decoded
        return data
