"""What an OpenBGPD route server cannot show the way BIRD does: the documented differences the
conformance judge accepts, explicitly and for that daemon only. Each entry says why; README.md
("OpenBGPD") lists them for operators. What members *receive* has no entry here: it must be the
same from both route servers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    daemon: str
    field: str  # the judge's field
    expected: str  # what BIRD shows
    shown: str  # what this daemon shows instead
    why: str


TREATED_AS_WITHDRAW = "rejected:treated-as-withdraw"

DIFFERENCES: tuple[Difference, ...] = (
    Difference("openbgpd", "result", "rejected:as_set", TREATED_AS_WITHDRAW,
               "`reject as-set yes` treats an update with an AS_SET as withdrawn (RFC 7606) before any "
               "filter runs, so no reason tag can be set: the route is in the Adj-RIB-In flagged E "
               "(`bgpctl show rib in error`), not in the Rejected RIB. bgpd's filter terms cannot "
               "match an AS_SET (source-as is the last AS before it), so this is the only way."),
    Difference("openbgpd", "result", "rejected:invalid_asn", TREATED_AS_WITHDRAW,
               "AS 0 in an AS_PATH is a malformed attribute for bgpd (RFC 7607): the update is treated "
               "as withdrawn before the filters (Adj-RIB-In, flag E), so the invalid-ASN rule never "
               "sees it. Other invalid ASNs get reason 7 as on BIRD."),
)

# bgpd's words for what BIRD calls the same session error (SessionExpectation.last_error_contains).
ERROR_WORDS: dict[str, dict[str, str]] = {
    "openbgpd": {"route limit exceeded": "max-prefix"},
}

MED_NOTE = ("bgpctl -j prints MED 0 for a route without MED: on an OpenBGPD route server a route is "
            "matched with MED 0 or none (receivers still see the MED exactly)")


def accepted(daemon: str, field: str, expected: str, shown: str) -> bool:
    return any(d.daemon == daemon and d.field == field and d.expected == expected and d.shown == shown
               for d in DIFFERENCES)


def error_words(daemon: str, text: str) -> str:
    return ERROR_WORDS.get(daemon, {}).get(text.lower(), text)


__all__ = ["DIFFERENCES", "MED_NOTE", "TREATED_AS_WITHDRAW", "Difference", "accepted", "error_words"]
