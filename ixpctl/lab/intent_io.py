"""Read an Intent back from its JSON (``<rs>.intent.json``), for the evaluator in lab tests."""

from __future__ import annotations

from typing import Any

from ..policy.intent import AsnSet, MemberIntent, PrefixSet, RouteServerIntent, SessionIntent


def intent_from_json(d: dict[str, Any]) -> RouteServerIntent:
    d = dict(d)
    d["members"] = [MemberIntent(**{**m, "length4": tuple(m["length4"]), "length6": tuple(m["length6"])})
                    for m in d["members"]]
    d["sessions"] = [SessionIntent(**s) for s in d["sessions"]]
    d["prefix_sets"] = [PrefixSet(**{**p, "entries": [tuple(e) for e in p["entries"]]}) for p in d["prefix_sets"]]
    d["asn_sets"] = [AsnSet(**a) for a in d["asn_sets"]]
    d["vrps4"] = [tuple(v) for v in d["vrps4"]]
    d["vrps6"] = [tuple(v) for v in d["vrps6"]]
    d["invalid_asn_ranges"] = [tuple(r) for r in d["invalid_asn_ranges"]]
    d["aspas"] = [(int(c), tuple(p)) for c, p in d.get("aspas", [])]
    return RouteServerIntent(**d)
