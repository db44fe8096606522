"""What each OpenBGPD version can run: the capability table of the OpenBGPD back end.

Read off the man pages of the Debian packages (bgpd.conf(5) of 7.7 from bookworm, of 8.8 from
bookworm-backports) and checked with ``bgpd -n`` of both: 7.7 spells the RFC 9234 role
``announce policy rs`` and refuses ``role``; 8.8 has ``role rs`` plus ``announce policy yes`` and
refuses the 7.7 form. ASPA (``aspa-set``, ``avs`` in filters) and RFC 8950 (``announce extended
nexthop``) exist from 8.x on. Neither version has BFD, a "block" or "warn" max-prefix action, or a
prefix count of accepted routes only (``max-prefix`` counts what the neighbour sent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPPORTED = ((7, 7), (8, 8))  # the versions ixpctl renders and checks (Debian 12, bookworm-backports / 13)


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@dataclass(frozen=True)
class OpenbgpdCapabilities:
    version: tuple[int, ...]

    @property
    def role_keyword(self) -> bool:
        """``role rs`` + ``announce policy yes`` (8.x) instead of ``announce policy rs`` (7.x)."""
        return self.version >= (8, 0)

    @property
    def role(self) -> bool:  # RFC 9234 roles: both forms exist in every supported version
        return self.version >= (7, 0)

    @property
    def aspa(self) -> bool:
        return self.version >= (8, 0)

    @property
    def extended_next_hop(self) -> bool:  # RFC 8950
        return self.version >= (8, 0)

    @property
    def reject_as_set_default(self) -> bool:
        """8.x rejects AS_SETs by default; 7.x accepts them (the config says it either way)."""
        return self.version >= (8, 0)

    def left_out(self) -> list[str]:
        out = []
        if not self.aspa:
            out.append("ASPA path verification (needs OpenBGPD >= 8.0)")
        return out


__all__ = ["SUPPORTED", "OpenbgpdCapabilities", "parse_version"]
