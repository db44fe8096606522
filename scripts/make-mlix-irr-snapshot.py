#!/usr/bin/env python3
"""Make the bundled offline IRR snapshot of the MLIX example (snapshots/mlix/irr.json).

Expands every MLIX member's AS-SETs (and aut-nums of members without one) with bgpq4 against an
IRRd and writes ``{query: IrrExpansion as dict}``, sorted, so `make demo` and the tests can build
offline. The IRR data is examples/mlix/irr.rpsl; either point at an IRRd that serves it
(``--host``), or let this script start a throw-away one (``--start-irrd``; needs .venv-irrd, see
scripts/setup-irrd.sh).

    scripts/make-mlix-irr-snapshot.py --start-irrd
    scripts/make-mlix-irr-snapshot.py --host 127.0.0.1:8043 --output /tmp/irr.json

Why special-purpose ASNs are allowed (bgpq4 -p): the example uses documentation ASNs, and the
inventory says so (ixp.fictional_resources.enabled). Kora (AS64498) takes its AS-SET from PeeringDB:
its PeeringDB value is given here (``--pdb-irr-as-set``), so this script needs no PeeringDB.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ixpctl.errors import IxpctlError
from ixpctl.facts import PdbNetwork
from ixpctl.inventory.loader import load_inventory
from ixpctl.sources import irr
from ixpctl.sources.config import IrrSource

# The PeeringDB irr_as_set of MLIX members with `as_set: from_peeringdb` (fictional, like them all).
MLIX_PDB_IRR_AS_SET = {64498: "AS-KORA@RIPE"}
# Networks not (yet) in the inventory whose data the example uses: AS64507 is a prospective member.
MLIX_EXTRA_QUERIES = ["AFRINIC::AS-TOMBOUCTOU"]
MLIX_SOURCES = ["RIPE", "AFRINIC"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--host", action="append", help="IRRd whois host:port (repeat for failover)")
    where.add_argument("--start-irrd", action="store_true",
                       help="start a throw-away IRRd loaded with --rpsl (needs .venv-irrd)")
    ap.add_argument("--inventory", default=str(REPO / "inventory" / "mlix.yml"))
    ap.add_argument("--rpsl", default=str(REPO / "examples" / "mlix" / "irr.rpsl"))
    ap.add_argument("--sources", default=",".join(MLIX_SOURCES), help="IRR sources for bgpq4 -S")
    ap.add_argument("--pdb-irr-as-set", action="append", default=[], metavar="ASN=VALUE",
                    help="PeeringDB irr_as_set of a from_peeringdb member (default: the MLIX example's)")
    ap.add_argument("--extra-query", action="append", default=None, help="expand this too")
    ap.add_argument("--max-length4", type=int, default=24)
    ap.add_argument("--max-length6", type=int, default=48)
    ap.add_argument("--output", default=str(REPO / "snapshots" / "mlix" / "irr.json"))
    return ap.parse_args(argv)


def queries_for(inventory_path: str, pdb_values: dict[int, str], extra: list[str]) -> tuple[list[str], bool]:
    """Every member's queries (planned and disabled members too: the example shows them all),
    and whether the inventory allows special-purpose ASNs."""
    inventory = load_inventory(inventory_path).inventory
    pdb = {asn: PdbNetwork(asn=asn, name=f"AS{asn}", irr_as_set=value) for asn, value in pdb_values.items()}
    notes: list[str] = []
    queries = [q for m in inventory.members for q in irr.member_queries(m, pdb.get(m.asn), notes=notes)]
    for note in notes:
        print(f"  {note}", file=sys.stderr)
    fictional = inventory.ixp.fictional_resources
    return list(dict.fromkeys(queries + extra)), bool(fictional and fictional.enabled)


def expand(args: argparse.Namespace, hosts: list[str]) -> dict:
    pdb_values = dict(MLIX_PDB_IRR_AS_SET)
    for item in args.pdb_irr_as_set:
        asn, _, value = item.partition("=")
        pdb_values[int(asn.upper().removeprefix("AS"))] = value
    extra = MLIX_EXTRA_QUERIES if args.extra_query is None else args.extra_query
    queries, allow_special = queries_for(args.inventory, pdb_values, extra)
    settings = IrrSource(hosts=hosts, sources=[s for s in args.sources.split(",") if s], timeout=60)
    results = irr.expand_all(queries, settings, progress=lambda q: print(f"  expanded {q}", file=sys.stderr),
                             max_length4=args.max_length4, max_length6=args.max_length6,
                             allow_special_asns=allow_special)
    for query, exp in results.items():
        for warning in exp.warnings:
            print(f"  WARNING {query}: {warning}", file=sys.stderr)
    return irr.expansions_to_json(results)


def dump(data: dict) -> str:
    """JSON with one prefix range or ASN list per line: small, readable diffs in review."""
    text = json.dumps(data, indent=1)
    text = re.sub(r'\[\s+("[^"]+"),\s+(\d+),\s+(\d+)\s+\]', r"[\1, \2, \3]", text)
    asn_list = re.compile(r"\[\s+(\d+(?:,\s+\d+)*)\s+\]")
    return asn_list.sub(lambda m: "[" + ", ".join(re.findall(r"\d+", m.group(1))) + "]", text) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.start_irrd:
            from tests.support.irrd import IrrdServer

            with IrrdServer(sources=MLIX_SOURCES) as server:
                server.load([args.rpsl])
                data = expand(args, [server.host])
        else:
            data = expand(args, args.host)
    except IxpctlError as err:
        print(f"error: {err.format()}", file=sys.stderr)
        return err.exit_code
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump(data))
    print(f"wrote {len(data)} expansions to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
