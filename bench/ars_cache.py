"""Pre-populate arouteserver's IRR and PeeringDB caches from a scenario (run with arouteserver's venv).

The files are written by arouteserver's own classes (``ASSet``/``RSet``/``PeeringDBNet``...
``save_data_to_cache``) so name, layout and entry format are exactly what a real run writes after
bgpq4 / PeeringDB answered. IRR prefix entries are what ``RSet._parse_prefix`` makes of bgpq4's
``-A -R 32|128 -j`` output for a route object (``{"prefix": P, "exact": false, "greater-equal": len,
"less-equal": 32|128}``); the first entries are parsed by arouteserver itself and the rest are
checked to have the same shape, to keep this fast at 600 k entries.

Usage: bench/.venv-ars/bin/python bench/ars_cache.py SCENARIO.json CACHE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pierky.arouteserver.irrdb import ASSet, RSet
from pierky.arouteserver.peering_db import PeeringDBNet, PeeringDBNetNeverViaRouteServers

KW = {"bgpq3_path": "bgpq4", "bgpq3_host": ["127.0.0.1:4343"]}


def _entry(obj: RSet, prefix: str, top: int, fast: bool) -> dict:
    addr, length = prefix.split("/")
    raw = {"prefix": prefix, "exact": False, "greater-equal": int(length), "less-equal": top}
    if not fast:
        return obj._parse_prefix(raw)
    return {"prefix": addr, "length": int(length), "exact": False, "ge": int(length), "le": top,
            "comment": None, "max_length": top}


def main(scenario_path: str, cache_dir: str) -> None:
    sc = json.loads(Path(scenario_path).read_text())
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    ro = {int(k): v for k, v in sc["irr"]["route_objects"].items()}
    as_sets = sc["irr"]["as_sets"]
    checked = 0

    def write_bundle(name: str, asns: list[int]) -> None:
        nonlocal checked
        a = ASSet([name], cache_dir=str(cache), **KW)
        a.raw_data = sorted(set(asns))
        a.save_data_to_cache()
        for ver, fam, top in ((4, "ipv4", 32), (6, "ipv6", 128)):
            r = RSet([name], ver, True, cache_dir=str(cache), **KW)
            data = []
            for asn in sorted(set(asns)):
                for p in ro.get(asn, {}).get(fam, []):
                    fast = checked >= 200
                    entry = _entry(r, p, top, fast)
                    if not fast:
                        assert entry == _entry(r, p, top, True), (entry, _entry(r, p, top, True))
                        checked += 1
                    data.append(entry)
            r.raw_data = data
            r.save_data_to_cache()

    for m in sc["members"]:
        write_bundle(f"AS{m['asn']}", [m["asn"]])  # arouteserver always adds the client's own AS<n>
        if m["as_set"]:
            write_bundle(m["as_set"], as_sets[m["as_set"]])
        net = PeeringDBNet(m["asn"], cache_dir=str(cache))
        net.raw_data = [{
            "id": m["asn"], "asn": m["asn"], "name": m["name"], "irr_as_set": m["as_set"] or "",
            "info_prefixes4": m["max_prefix"]["ipv4"], "info_prefixes6": m["max_prefix"]["ipv6"],
            "info_never_via_route_servers": False, "status": "ok",
        }]
        net.save_data_to_cache()
    nv = PeeringDBNetNeverViaRouteServers(cache_dir=str(cache))
    nv.raw_data = [{"asn": a, "info_never_via_route_servers": True} for a in sc["never_via_route_servers"]]
    nv.save_data_to_cache()
    print(f"cache: {len(list(cache.iterdir()))} files in {cache}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
