"""Who is joining: the ASN gate (special-purpose, already a member) and the PeeringDB record.

PeeringDB is read through the official client's local cache (``ixpctl.sources.peeringdb``), synced
first when asked (``--refresh-peeringdb``) or when the cache was never synced. Offline, a missing
cache falls back to the facts snapshot, which holds the networks registered at the IXP but not yet
in the inventory (``ixpctl.sources.refresh`` puts them there for exactly this).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import SourceError
from ..inventory.asn import in_ranges, special_asn_reason
from ..inventory.models import Inventory
from ..sources.facts import Facts, PdbNetwork
from .model import NetworkRecord, OnboardRefused


def asn_gate(inv: Inventory, asn: int, *, force: bool) -> list[str]:
    """Refuse special-purpose ASNs; documentation ASNs pass only in a fictional (demo) inventory.

    Returns notes worth showing (e.g. "documentation ASN allowed by fictional_resources").
    """
    why = special_asn_reason(asn)
    if why is None:
        return []
    fr = inv.ixp.fictional_resources
    if "documentation" in why and fr is not None and fr.enabled and in_ranges(asn, [tuple(r) for r in fr.asn_ranges]):
        return [f"AS{asn} is a {why}, allowed because ixp.fictional_resources is on (DEMO MODE)"]
    if force:
        return [f"AS{asn} is a {why}: onboarding forced (validation will still refuse it as a member)"]
    fix = "a member peers with its public ASN: check the number with the member"
    if "documentation" in why:
        fix += " (documentation ASNs are accepted only when ixp.fictional_resources is on, for demos)"
    raise OnboardRefused(f"AS{asn} is a {why}: it cannot peer at an IXP; nothing was written", fix=fix)


def cache_dir(inv: Inventory, repo_root: Path, explicit: Path | None = None) -> Path:
    """The PeeringDB cache: ``--peeringdb-cache``, else ``sources.peeringdb.cache_dir`` (relative
    to the repository root, like every path in the inventory)."""
    if explicit is not None:
        return Path(explicit)
    path = Path(inv.sources.peeringdb.cache_dir)
    return path if path.is_absolute() else repo_root / path


def _cache_ready(db_dir: Path) -> bool:
    from ..sources.peeringdb import DB_FILE, read_sync_state

    try:
        state = read_sync_state(db_dir) if db_dir.is_dir() else None
    except SourceError:
        return False
    return state is not None and state.last_success is not None and (db_dir / DB_FILE).exists()


def find_network(inv: Inventory, asn: int, *, db_dir: Path, refresh: bool = False, offline: bool = False,
                 snapshot: Facts | None = None,
                 progress: Callable[[str], None] | None = None) -> NetworkRecord:
    """The PeeringDB record of ``asn`` and its rows at this IXP; ``network`` None when unknown.

    Raises SourceError when PeeringDB cannot be read at all (sync failed, no cache offline and no
    snapshot data): an unknown network must never be confused with an unreadable source.
    """
    from ..sources import peeringdb as pdb

    ix_id = inv.ixp.peeringdb_ix_id
    notes: list[str] = []
    if ix_id is None:
        notes.append("ixp.peeringdb_ix_id is not set: the network's registration at this IXP (netixlan) "
                     "cannot be looked up")
    ready = _cache_ready(db_dir)
    if (refresh or not ready) and not offline:
        pdb.sync(inv.sources.peeringdb, db_dir=db_dir, progress=progress)
        notes.append(f"PeeringDB cache {db_dir} synced from {inv.sources.peeringdb.url}")
        ready = True
    if ready:
        networks, rows = pdb.lookup(db_dir, ix_id=ix_id, asns=[asn])
        return NetworkRecord(asn, networks.get(asn), [r for r in rows if r.asn == asn], "peeringdb cache", notes,
                             _reserved(rows, asn))
    if snapshot is not None and (asn in snapshot.peeringdb or snapshot.netixlan_of(asn)):
        notes.append(f"--offline and no PeeringDB cache in {db_dir}: used the facts snapshot's PeeringDB data")
        return NetworkRecord(asn, snapshot.network(asn), snapshot.netixlan_of(asn), "facts snapshot", notes,
                             _reserved(snapshot.netixlan, asn))
    if offline:
        raise SourceError(f"--offline: no PeeringDB cache in {db_dir} and AS{asn} is not in the facts snapshot",
                          fix="run without --offline to sync the cache (ixpctl sources refresh --peeringdb), "
                              "or pass --peeringdb-cache DIR")
    raise SourceError(f"no PeeringDB data in {db_dir}", fix="ixpctl sources refresh --peeringdb")


def _reserved(rows, asn: int) -> list[str]:
    """Addresses other networks registered at this IXP in PeeringDB (a prospective member's too)."""
    return sorted({a for r in rows if r.asn != asn for a in (r.ipaddr4, r.ipaddr6) if a})


def require_network(record: NetworkRecord, *, force: bool, name: str | None) -> PdbNetwork:
    """The PeeringDB network, or refuse; ``--force --name`` stands in for an unregistered network."""
    if record.network is not None:
        return record.network
    if not force:
        raise OnboardRefused(
            f"AS{record.asn} is not in PeeringDB ({record.origin}); nothing was written",
            fix="ask the network to create its PeeringDB record (name, AS-SET, max-prefix, contacts), then "
                "re-run with --refresh-peeringdb; for an exceptional case use --force --reason '...' --name '...'")
    if not name:
        raise OnboardRefused(f"AS{record.asn} is not in PeeringDB: --force needs --name",
                             fix="add --name 'Network name' (and --as-set, --contact)")
    record.origin = "command line"
    record.notes.append(f"AS{record.asn} is not in PeeringDB: onboarding forced with data from the command line")
    return PdbNetwork(asn=record.asn, name=name)


def already_member(inv: Inventory, asn: int) -> bool:
    return inv.member(asn) is not None


def pdb_as_sets(network: PdbNetwork) -> tuple[list[str], list[str]]:
    """PeeringDB's ``irr_as_set`` → (normalised names, unreadable tokens)."""
    from ..inventory.irr_names import split_irr_as_set

    return split_irr_as_set(network.irr_as_set)


def pick_contact(network: PdbNetwork) -> str | None:
    """The best e-mail for the inventory's ``contact``: NOC, then Technical, then Policy, then any."""
    order = ["noc", "technical", "policy"]
    emails = [(order.index(c.role.lower()) if c.role.lower() in order else len(order), c.email)
              for c in network.contacts if c.email]
    return min(emails)[1] if emails else None
