#!/usr/bin/env python3
"""Make the bundled offline facts snapshot of the MLIX example (snapshots/mlix/).

Runs the real pipeline — `ixpctl sources refresh --all` — against local servers started on the
bundled data, so the snapshot is exactly what production code makes from those sources:
- PeeringDB: the official `peeringdb` client syncing from a PeeringDB-format server on 127.0.0.1
  serving examples/mlix/peeringdb/;
- IRR: bgpq4 against a throw-away IRRd (needs .venv-irrd: scripts/setup-irrd.sh) loaded with
  examples/mlix/irr.rpsl, or an IRRd you name with --irr-host;
- RPKI: examples/mlix/vrps.json.
Networks registered at MLIX in PeeringDB but not in the inventory yet (AS64507) are looked up and
their AS-SETs expanded too (ixpctl.sources.refresh), so `ixpctl onboard 64507 --offline` works.

    .venv/bin/python scripts/make-mlix-snapshot.py                 # writes snapshots/mlix/
    .venv/bin/python scripts/make-mlix-snapshot.py --output /tmp/s --irr-host 127.0.0.1:8043
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ixpctl.errors import IxpctlError  # noqa: E402
from ixpctl.inventory import load_inventory  # noqa: E402
from ixpctl.policy.loader import load_policy  # noqa: E402
from ixpctl.sources.refresh import refresh  # noqa: E402

IRR_SOURCES = ["RIPE", "AFRINIC"]


def refresh_country(inventory, output: Path, pdb_cache: Path) -> None:
    """The fictional RIR statistics of Mali + PeeringDB's networks and facilities in the country
    (from the cache just synced), for `ixpctl report` (same as `ixpctl sources refresh --rir`)."""
    from ixpctl.sources import peeringdb, rir

    country = inventory.ixp.country
    state = peeringdb.read_sync_state(pdb_cache)
    data = peeringdb.country_networks(pdb_cache, country)
    rir.refresh(inventory.sources.rir, country, output, REPO,
                source=str(REPO / "examples" / "mlix" / "delegated-afrinic-extended-latest"),
                peeringdb=(data, f"{state.origin} (synced {state.last_success})" if state else "PeeringDB"))


def make(output: Path, irr_host: str | None) -> int:
    loaded = load_inventory(REPO / "inventory")
    inventory = loaded.inventory
    policy = load_policy(REPO / "policies" / "default.yml").policy
    work = Path(tempfile.mkdtemp(prefix="ixpctl-mlix-snapshot-"))
    try:
        with ExitStack() as stack:
            from tests.support.pdb_server import PdbServer

            pdb = stack.enter_context(PdbServer(REPO / "examples" / "mlix" / "peeringdb"))
            if irr_host is None:
                from tests.support.irrd import IrrdServer

                irrd = stack.enter_context(IrrdServer(sources=IRR_SOURCES))
                irrd.load([str(REPO / "examples" / "mlix" / "irr.rpsl")])
                irr_host = irrd.host
            sources = inventory.sources.model_copy(deep=True)
            sources.peeringdb.url = pdb.api_url
            sources.peeringdb.cache_url = pdb.base_url  # cache mode: no 0.5 s pause per resource
            sources.peeringdb.cache_dir = str(work / "peeringdb")
            sources.irr.hosts = [irr_host]
            sources.irr.sources = IRR_SOURCES
            sources.rpki.vrp_file = str(REPO / "examples" / "mlix" / "vrps.json")
            inventory = inventory.model_copy(update={"sources": sources})
            fictional = inventory.ixp.fictional_resources
            outcome = refresh(inventory, ["peeringdb", "irr", "rpki"], snapshot_dir=output, repo_root=REPO,
                              irr_options={"max_length4": policy.prefixes.length.ipv4.max,
                                           "max_length6": policy.prefixes.length.ipv6.max,
                                           "aggregate": policy.irr.aggregate,
                                           "allow_special_asns": bool(fictional and fictional.enabled)})
            refresh_country(inventory, output, work / "peeringdb")
    except IxpctlError as err:
        print(f"error: {err.format()}", file=sys.stderr)
        return err.exit_code
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for what, why in outcome.failed.items():
        print(f"FAILED {what}: {why}", file=sys.stderr)
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    prospective = outcome.facts.provenance["irr"].detail.get("prospective_queries", {}) \
        if "irr" in outcome.facts.provenance else {}
    for asn, queries in sorted(prospective.items()):  # for `ixpctl onboard --offline`
        print(f"prospective member AS{asn} (in PeeringDB, not in the inventory): expanded "
              f"{', '.join(queries)}", file=sys.stderr)
    print(f"wrote {output}: refreshed {', '.join(outcome.refreshed)}", file=sys.stderr)
    return 0 if outcome.ok and not outcome.failed else 3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", type=Path, default=REPO / "snapshots" / "mlix")
    ap.add_argument("--irr-host", help="use this IRRd (host:port) instead of starting one")
    args = ap.parse_args(argv)
    return make(args.output, args.irr_host)


if __name__ == "__main__":
    sys.exit(main())
