"""Names from PeeringDB for members the source left unnamed (IX-F exports without names,
arouteserver clients without ``description``), read from the local PeeringDB cache."""

from __future__ import annotations

import re
from pathlib import Path

from .model import Imported
from .text import NAME_MAX, clean_text


def names_from_peeringdb(imported: Imported, db_dir: Path) -> int:
    """Replace every ``AS<n>`` stand-in name by the network's PeeringDB name; returns how many."""
    from ..sources import peeringdb as pdb

    unnamed = [m for m in imported.members if re.fullmatch(rf"AS{m['asn']}", str(m.get("name")))]
    if not unnamed:
        return 0
    networks, _ = pdb.lookup(db_dir, ix_id=None, asns=[m["asn"] for m in unnamed])
    done = 0
    for member in unnamed:
        net = networks.get(member["asn"])
        name = clean_text(net.name, limit=NAME_MAX).value if net else ""
        if name:
            member["name"] = name
            done += 1
    missing = [f"AS{m['asn']}" for m in unnamed if re.fullmatch(rf"AS{m['asn']}", m["name"])]
    imported.note(f"{done} member name(s) taken from PeeringDB ({db_dir})"
                  + (f"; not in PeeringDB: {', '.join(missing[:8])}" + (" …" if len(missing) > 8 else "")
                     if missing else ""), file=imported.origin, severity="info")
    return done
