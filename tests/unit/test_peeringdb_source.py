"""PeeringDB source behaviour that needs no client run: state, hashing, refusals."""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ixpctl.errors import SourceError
from ixpctl.inventory.sources_config import PeeringDBSource
from ixpctl.sources import peeringdb as pdb
from ixpctl.sources.facts import Contact, PdbNetIxLan, PdbNetwork


def _state(db_dir: Path, **kw) -> None:
    data = {"origin": "http://127.0.0.1:9/api", "cache_url": "", "client": "peeringdb 2.5.0",
            "last_success": "2026-01-01T00:00:00Z", **kw}
    db_dir.mkdir(parents=True, exist_ok=True)
    (db_dir / pdb.STATE_FILE).write_text(json.dumps(data))


def test_lookup_before_any_sync_says_what_to_do(tmp_path):
    with pytest.raises(SourceError) as err:
        pdb.lookup(tmp_path / "nothing", ix_id=1, asns=[64496])
    assert "never synced" in err.value.message and "sync" in err.value.fix
    with pytest.raises(SourceError):
        pdb.never_via_rs_asns(tmp_path)


def test_provenance_needs_a_successful_sync(tmp_path):
    _state(tmp_path, last_success=None, last_error="boom")
    with pytest.raises(SourceError, match="no successful PeeringDB sync"):
        pdb.provenance(tmp_path, {}, [])


def test_provenance_and_hash(tmp_path):
    _state(tmp_path)
    nets = {64496: PdbNetwork(asn=64496, name="A", contacts=[Contact(role="NOC", email="n@a.example")]),
            64497: PdbNetwork(asn=64497, name="B", info_prefixes6=None)}
    rows = [PdbNetIxLan(asn=64497, ixlan_id=1, ipaddr4="192.0.2.11"),
            PdbNetIxLan(asn=64496, ixlan_id=1, ipaddr4="192.0.2.10", ipaddr6=None)]
    prov = pdb.provenance(tmp_path, nets, rows, ix_id=1)
    assert (prov.source, prov.origin, prov.fetched_at) == ("peeringdb", "http://127.0.0.1:9/api",
                                                           "2026-01-01T00:00:00Z")
    assert prov.detail["ix_id"] == 1 and prov.detail["netixlan"] == 2
    # order of the input does not matter; content does
    same = pdb.facts_sha256(dict(reversed(list(nets.items()))), list(reversed(rows)))
    assert prov.sha256 == same and len(same) == 64
    rows[0].is_rs_peer = True
    assert pdb.facts_sha256(nets, rows) != same


def test_sync_refuses_a_cache_of_another_origin(tmp_path):
    _state(tmp_path, origin="https://www.peeringdb.com/api")
    with pytest.raises(SourceError) as err:
        pdb.sync(PeeringDBSource(url="http://127.0.0.1:9/api", cache_url=""), db_dir=tmp_path)
    assert "mirrors https://www.peeringdb.com/api" in err.value.message
    assert "separate cache directory" in err.value.fix


def test_sync_refuses_while_another_sync_holds_the_cache(tmp_path):
    with open(tmp_path / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SourceError, match="busy"):
            pdb.sync(PeeringDBSource(url="http://127.0.0.1:9/api", cache_url=""), db_dir=tmp_path)


def test_sync_state_age_and_unknown_keys(tmp_path):
    _state(tmp_path, future_key=1)
    state = pdb.read_sync_state(tmp_path)
    assert state is not None and state.failed_entries == []
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert state.age_hours(now) == pytest.approx(36.0)
    assert pdb.read_sync_state(tmp_path / "none") is None


def test_corrupt_sync_state_is_a_source_error(tmp_path):
    (tmp_path / pdb.STATE_FILE).write_text("{not json")
    with pytest.raises(SourceError, match="unreadable"):
        pdb.read_sync_state(tmp_path)
