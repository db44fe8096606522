"""Filter-rule text for the OpenBGPD import chain, for one RIB: the Loc-RIB or the Rejected RIB.

The two RIBs run the same checks; only the verdict differs. In the Loc-RIB a failed check is
``deny quick`` (after an initial ``allow from ebgp``); in the Rejected RIB it is
``allow quick rib Rejected ... set large-community RS:65520:code`` and everything else meets
bgpd's default deny. Rules without ``rib`` apply to the Loc-RIB only (checked with bgpd 7.7 and
8.8), so the Rejected RIB's copy names its RIB in every rule.

Why marks: OpenBGPD's filter terms cannot be negated ("the NEXT_HOP is *not* one of the member's
addresses"). Such a check marks every route of the peers it covers with its own reject community
(``pending``), removes the mark where the condition holds (``clear``) and rejects what still has it
(``reject_pending``); in tag mode the mark becomes the tag community (RS, 65521, code) instead.
The marks are the reject communities themselves, which members cannot send (they are deleted on
entry), so a mark never outlives its check on an accepted route.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..policy.intent import RouteServerIntent

REJECTED_RIB = "Rejected"
EBGP = "ebgp"


class Rules:
    def __init__(self, intent: RouteServerIntent, rib: str | None, safe: type[str] = str):
        self.rib = rib
        self.rs = intent.rs_asn
        comm = intent.policy["communities"]
        self.reject_base, self.tag_base = comm["reject_reason_base"], comm["tag_reason_base"]
        self._safe = safe

    @property
    def rejected(self) -> bool:
        return self.rib is not None

    def reason(self, code: int) -> str:
        return f"large-community {self.rs}:{self.reject_base}:{int(code)}"

    def _rule(self, action: str, peers: str, terms: Iterable[str], sets: Iterable[str] = ()) -> str:
        head = f"{action} rib {self.rib} from {peers}" if self.rib else f"{action} from {peers}"
        body = " ".join(t for t in terms if t)
        items = [s for s in sets if s]
        tail = "" if not items else (f" set {items[0]}" if len(items) == 1 else " set { " + ", ".join(items) + " }")
        return self._safe(f"{head}{' ' + body if body else ''}{tail}")

    def default(self) -> str:
        """The Loc-RIB accepts what no check rejects; the Rejected RIB keeps bgpd's default deny."""
        return self._safe("" if self.rejected else self._rule("allow", EBGP, ()))

    def match(self, peers: str, *terms: str, sets: Iterable[str] = ()) -> str:
        return self._rule("match", peers, terms, sets)

    def reject(self, peers: str, code: int, *terms: str) -> str:
        """Reject what matches ``terms``: the check's one rule."""
        action = "allow quick" if self.rejected else "deny quick"
        return self._rule(action, peers, terms, [self.reason(code)])

    def pending(self, peers: str, code: int, *terms: str) -> str:
        return self.match(peers, *terms, sets=[self.reason(code)])

    def clear(self, peers: str, code: int, *terms: str, sets: Iterable[str] = ()) -> str:
        return self.match(peers, *terms, sets=[self.reason(code).replace("large-community ", "large-community delete "),
                                               *sets])

    def to_tag(self, peers: str, code: int) -> str:
        """Tag mode: the check failed, the route goes on with (RS, 65521, code)."""
        return self.match(peers, self.reason(code), sets=[
            self.reason(code).replace("large-community ", "large-community delete "),
            f"large-community {self.rs}:{self.tag_base}:{int(code)}"])

    def reject_pending(self, peers: str, code: int) -> str:
        """Reject what still carries the check's mark (which is already its reason tag)."""
        return self._rule("allow quick" if self.rejected else "deny quick", peers, [self.reason(code)])


__all__ = ["EBGP", "REJECTED_RIB", "Rules"]
