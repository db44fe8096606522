"""ASPA records (Autonomous System Provider Authorization) from a relying-party JSON export, and the
upstream path verification of draft-ietf-sidrops-aspa-verification as BIRD implements it.

The VRP file of ``sources.rpki`` carries them when the validator validates ASPA objects. The shapes
validators actually export:

* rpki-client ``-j`` (8.x/9.x): ``"aspas": [{"customer_asid": 64496, "expires": ..., "providers":
  [64500, 64501]}]``; older 8.x releases wrote ``"provider_set": [{"asid": 64500, "afi_limit": ...}]``;
* Routinator ``jsonext``: ``"aspas": [{"customer": "AS64496", "providers": ["AS64500"]}]``;
* StayRTR 0.5 cache files: ``"provider_authorizations": {"ipv4": [...], "ipv6": [...]}`` (the per
  address family ASPAs of the early drafts), merged here.

Records for the same customer are merged (union of providers). A malformed record is skipped and
counted like a malformed VRP; a file without ASPA records is normal (most validators, all old
snapshots) and yields none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from .facts import Aspa

AspaState = Literal["valid", "invalid", "unknown"]
_MAX_ASN = 4294967295


def _asn(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not an AS number")
    if isinstance(value, str) and value.upper().startswith("AS"):
        value = value[2:]
    asn = int(value)
    if not 0 <= asn <= _MAX_ASN:
        raise ValueError(f"{value!r} is outside 0..{_MAX_ASN}")
    return asn


def _records(data: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    for i, record in enumerate(data.get("aspas") or []):
        yield f"aspas[{i}]", record
    pa = data.get("provider_authorizations") or {}
    if isinstance(pa, dict):
        for family in ("ipv4", "ipv6"):
            for i, record in enumerate(pa.get(family) or []):
                yield f"provider_authorizations.{family}[{i}]", record


def _providers(record: dict[str, Any]) -> list[int]:
    if "providers" in record:
        return [_asn(p) for p in record["providers"]]
    return [_asn(p["asid"] if isinstance(p, dict) else p) for p in record.get("provider_set") or []]


def parse_aspas(data: Any, reject: Callable[[str, str], None]) -> list[Aspa]:
    """The ASPA records of a validator's JSON export, sorted by customer; ``reject(where, why)`` is
    told about each malformed one."""
    if not isinstance(data, dict):
        return []
    merged: dict[int, set[int]] = {}
    for where, record in _records(data):
        try:
            if not isinstance(record, dict):
                raise TypeError(f"entry is {type(record).__name__}, not an object")
            customer = _asn(record.get("customer_asid", record.get("customer")))
            providers = _providers(record)
            if customer == 0:
                raise ValueError("customer AS0")  # the profile allows 1..4294967295
        except (TypeError, ValueError, KeyError) as err:
            reject(where, f"ASPA: {err}")
            continue
        merged.setdefault(customer, set()).update(p for p in providers if p != 0)  # AS0: "none"
    return [(c, tuple(sorted(p))) for c, p in sorted(merged.items())]


# --- verification, with BIRD's semantics (nest/rt-table.c aspa_check, 2.17.6 and 3.1.8) -----------

def aspa_upstream(path: list[int] | None, providers: dict[int, frozenset[int]]) -> AspaState:
    """``aspa_check_upstream()`` of a path given left to right (neighbour first, origin last);
    ``None`` stands for a path BIRD refuses outright (AS_SET or empty): invalid.

    Prepends count once. Walking from the neighbour to the origin, each AS after the first must
    have the AS before it (the one it sent the route to) among its providers: an AS with an ASPA
    that lacks it makes the path invalid; an AS without any ASPA makes it at best unknown."""
    if not path:
        return "invalid"
    asns = [a for i, a in enumerate(path) if i == 0 or a != path[i - 1]]
    unknown = False
    for i in range(1, len(asns)):
        record = providers.get(asns[i])
        if record is None:
            unknown = True
        elif asns[i - 1] not in record:
            return "invalid"
    return "unknown" if unknown else "valid"


def aspa_culprit(path: list[int], providers: dict[int, frozenset[int]]) -> tuple[int, int] | None:
    """(AS, the AS before it) for the first hop that makes an upstream path invalid, if one does."""
    asns = [a for i, a in enumerate(path) if i == 0 or a != path[i - 1]]
    for i in range(1, len(asns)):
        record = providers.get(asns[i])
        if record is not None and asns[i - 1] not in record:
            return asns[i], asns[i - 1]
    return None


def aspa_table(aspas: Iterable[Aspa]) -> dict[int, frozenset[int]]:
    return {customer: frozenset(providers) for customer, providers in aspas}


__all__ = ["AspaState", "aspa_culprit", "aspa_table", "aspa_upstream", "parse_aspas"]
