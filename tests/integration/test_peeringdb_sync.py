"""The real ``peeringdb`` client syncing from the local PeeringDB server, then ixpctl's lookups.

Full syncs use cache mode (``/<tag>-0.json``: no pause per request); the incremental sync goes
through the API, where the client pauses 0.5 s per resource (~7 s, once).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ixpctl.errors import SourceError
from ixpctl.inventory.loader import load_inventory
from ixpctl.inventory.sources_config import PeeringDBSource
from ixpctl.sources import peeringdb as pdb
from ixpctl.sources.drift import peeringdb_drift
from ixpctl.sources.facts import Facts
from tests.support.pdb_fixtures import MLIX_INVENTORY, MLIX_IX_ID, MLIX_PDB, REPO, closed_port, pdb_settings
from tests.support.pdb_server import TAGS, PdbServer

pytestmark = pytest.mark.integration

MEMBERS = [64496, 64497, 64498, 64499, 64501, 64502, 64503, 64504, 64505, 64506, 65536, 65537]


# --- full sync and lookups -----------------------------------------------------------------------
def test_full_sync_in_cache_mode_asks_for_the_13_dumps(pdb_server: PdbServer, tmp_path, in_tmp):
    lines: list[str] = []
    pdb.sync(pdb_settings(pdb_server), db_dir=tmp_path / "pdb", progress=lines.append)
    assert [r.path for r in pdb_server.requests] == [f"/{tag}-0.json" for tag in TAGS]
    assert "[netixlan] Processed 14 objects" in lines  # the deleted row is not in a full list
    assert sorted(p.name for p in (tmp_path / "pdb").iterdir()) == \
        [".lock", "cache", "peeringdb.sqlite3", "sync-state.json"]
    assert list(in_tmp.iterdir()) == [tmp_path / "pdb"]  # nothing else in the working directory
    state = pdb.read_sync_state(tmp_path / "pdb")
    assert state.origin == pdb_server.api_url and state.last_error is None and state.failed_entries == []


def test_lookup_networks(mlix_pdb_cache: Path):
    nets, _ = pdb.lookup(mlix_pdb_cache, ix_id=None, asns=[64496, 64498, 64503, 64999])
    assert sorted(nets) == [64496, 64498, 64503]  # unknown ASNs are simply absent
    djoliba = nets[64496]
    assert (djoliba.name, djoliba.irr_as_set, djoliba.info_prefixes4, djoliba.info_prefixes6,
            djoliba.policy_general, djoliba.website, djoliba.never_via_route_servers) == \
        ("Djoliba Transit", "RIPE::AS-DJOLIBA", 400, 100, "Open", "https://www.djoliba-transit.example", False)
    # public contacts only: the "Users"-visible Sales contact is left out
    assert [(c.role, c.email) for c in djoliba.contacts] == [
        ("NOC", "noc@djoliba-transit.example"), ("Policy", "peering@djoliba-transit.example")]
    assert nets[64498].irr_as_set == "AS-KORA@RIPE"
    assert nets[64503].info_prefixes6 is None and nets[64503].info_prefixes4 == 12


def test_lookup_netixlan_of_the_exchange(mlix_pdb_cache: Path):
    _, rows = pdb.lookup(mlix_pdb_cache, ix_id=MLIX_IX_ID, asns=[])
    by_asn = {}
    for row in rows:
        by_asn.setdefault(row.asn, []).append(row)
    assert 64506 not in by_asn  # the deleted row
    assert sorted(by_asn) == [64496, 64497, 64498, 64499, 64500, 64501, 64502, 64503, 64504, 64507,
                              65536, 65537]
    (wass,) = by_asn[64503]
    assert (wass.ipaddr4, wass.ipaddr6, wass.is_rs_peer, wass.speed, wass.ixlan_id, wass.operational) == \
        ("192.0.2.17", None, False, 1000, 1, True)
    (tomb,) = by_asn[64507]
    assert (tomb.ipaddr4, tomb.ipaddr6, tomb.is_rs_peer) == ("192.0.2.23", "2001:db8:0:10::23", True)
    assert [r.ipaddr4 for r in by_asn[64497]] == ["192.0.2.11", "192.0.2.12"]


def test_lookup_of_an_unknown_exchange_is_a_clear_error(mlix_pdb_cache: Path):
    with pytest.raises(SourceError) as err:
        pdb.lookup(mlix_pdb_cache, ix_id=4242, asns=[64496])
    assert "no exchange with id 4242" in err.value.message and "peeringdb_ix_id" in err.value.fix


def test_never_via_route_servers(mlix_pdb_cache: Path):
    assert pdb.never_via_rs_asns(mlix_pdb_cache) == {64510}


def test_provenance_of_a_lookup(mlix_pdb_cache: Path):
    nets, rows = pdb.lookup(mlix_pdb_cache, ix_id=MLIX_IX_ID, asns=MEMBERS)
    prov = pdb.provenance(mlix_pdb_cache, nets, rows, ix_id=MLIX_IX_ID)
    assert prov.source == "peeringdb" and prov.origin.startswith("http://127.0.0.1:")
    assert prov.fetched_at.endswith("Z") and prov.detail["client"] == "peeringdb 2.5.0"
    again = pdb.lookup(mlix_pdb_cache, ix_id=MLIX_IX_ID, asns=reversed(MEMBERS))
    assert pdb.facts_sha256(*again) == prov.sha256


def test_drift_of_the_mlix_example(mlix_pdb_cache: Path):
    inventory = load_inventory(MLIX_INVENTORY).inventory
    inventory.ixp.peeringdb_ix_id = MLIX_IX_ID  # the example inventory does not set it (yet)
    nets, rows = pdb.lookup(mlix_pdb_cache, ix_id=MLIX_IX_ID, asns=[m.asn for m in inventory.members] + [64507])
    drifts = peeringdb_drift(inventory, Facts(peeringdb=nets, netixlan=rows))
    assert [(x.asn, x.kind) for x in drifts] == [(64503, "not_rs_peer"), (64507, "not_a_member")]


# --- incremental sync ----------------------------------------------------------------------------
def test_incremental_sync_brings_changes_and_deletions(pdb_server: PdbServer, fresh_db_dir):
    db_dir = fresh_db_dir()
    settings = pdb_settings(pdb_server)
    pdb.sync(settings, db_dir=db_dir)
    later = "2026-06-01T12:00:00Z"
    pdb_server.upsert("netixlan", dict(pdb_server.row("netixlan", 7), status="deleted", updated=later))  # AS64499
    pdb_server.upsert("net", dict(pdb_server.row("net", 3), info_prefixes4=150, updated=later))  # AS64497
    pdb_server.upsert("netixlan", dict(pdb_server.row("netixlan", 15), id=16, ipaddr4="192.0.2.24",
                                       ipaddr6=None, created=later, updated=later))  # AS64507, 2nd router
    bad = dict(pdb_server.row("net", 13), id=16, asn=64511, name="Broken Net", aka=None, updated=later)
    pdb_server.upsert("net", bad)  # aka is NOT NULL in the schema: the client skips the row
    pdb_server.clear_log()
    lines: list[str] = []

    pdb.sync(settings, db_dir=db_dir, progress=lines.append)

    asked = {(r.path, "since" in r.query) for r in pdb_server.requests}
    assert ("/api/netixlan", True) in asked and ("/api/net", True) in asked
    assert not any(p.endswith("-0.json") for p, _ in asked)
    nets, rows = pdb.lookup(db_dir, ix_id=MLIX_IX_ID, asns=[64497, 64499])
    assert nets[64497].info_prefixes4 == 150
    assert 64499 not in {r.asn for r in rows}
    assert sorted(r.ipaddr4 for r in rows if r.asn == 64507) == ["192.0.2.23", "192.0.2.24"]
    # a row the client could not store is reported, not silently lost
    assert [(e["resource_tag"], e["pk"]) for e in pdb.read_sync_state(db_dir).failed_entries] == [("net", 16)]
    assert any(line.startswith("warning: PeeringDB net 16 could not be stored") for line in lines)
    # the client keeps deleted rows (status "deleted"): only our status filter hides them
    with sqlite3.connect(db_dir / pdb.DB_FILE) as db:
        assert db.execute("select status from peeringdb_network_ixlan where id = 7").fetchone() == ("deleted",)


def test_nulls_where_the_schema_allows_them(pdb_server: PdbServer, fresh_db_dir):
    db_dir = fresh_db_dir()
    later = "2026-06-01T12:00:00Z"
    pdb_server.upsert("net", dict(pdb_server.row("net", 12), id=16, asn=65550, name="Nullish Net",
                                  irr_as_set="", info_prefixes4=None, info_prefixes6=None, website="",
                                  rir_status=None, netixlan_updated=None, poc_updated=None, updated=later))
    pdb_server.upsert("netixlan", dict(pdb_server.row("netixlan", 15), id=16, net_id=16, asn=65550,
                                       ipaddr4=None, ipaddr6="2001:db8:0:10::30", net_side_id=None))
    pdb.sync(pdb_settings(pdb_server), db_dir=db_dir)
    nets, rows = pdb.lookup(db_dir, ix_id=MLIX_IX_ID, asns=[65550])
    net = nets[65550]
    assert (net.irr_as_set, net.info_prefixes4, net.info_prefixes6, net.website, net.contacts) == \
        ("", None, None, "", [])
    assert [(r.ipaddr4, r.ipaddr6) for r in rows if r.asn == 65550] == [(None, "2001:db8:0:10::30")]


def test_nulls_where_the_schema_forbids_them_in_a_full_sync(pdb_server: PdbServer, fresh_db_dir):
    db_dir = fresh_db_dir()
    pdb_server.upsert("net", dict(pdb_server.row("net", 12), id=16, asn=65550, name="Broken", aka=None))
    with pytest.raises(SourceError) as err:
        pdb.sync(pdb_settings(pdb_server), db_dir=db_dir)
    assert "cannot store (NOT NULL constraint failed: peeringdb_network.aka)" in err.value.message


# --- failures ------------------------------------------------------------------------------------
def test_404_on_one_cache_dump(pdb_server: PdbServer, fresh_db_dir):
    db_dir = fresh_db_dir()
    pdb_server.fail("ixlan", 404)
    with pytest.raises(SourceError) as err:
        pdb.sync(pdb_settings(pdb_server), db_dir=db_dir)
    assert err.value.message == (f"PeeringDB cache {pdb_server.base_url}/ixlan-0.json answered HTTP 404 "
                                 "for 'ixlan'")
    assert "cache_url" in err.value.fix
    assert pdb.read_sync_state(db_dir).last_error == err.value.message
    with pytest.raises(SourceError, match="never synced successfully"):
        pdb.lookup(db_dir, ix_id=1, asns=[])


def test_500_from_the_api_with_an_api_key(pdb_server: PdbServer, fresh_db_dir, monkeypatch):
    db_dir = fresh_db_dir()
    secret = "s3cr3t-api-key-0123456789"
    monkeypatch.setenv("IXPCTL_TEST_PDB_KEY", secret)
    pdb_server.fail("fac", 500)
    lines: list[str] = []
    with pytest.raises(SourceError) as err:
        pdb.sync(pdb_settings(pdb_server, cache=False), db_dir=db_dir, progress=lines.append)
    assert err.value.message == f"PeeringDB API {pdb_server.api_url}/fac answered HTTP 500"
    assert "retry later" in err.value.fix
    assert [r.path for r in pdb_server.requests] == ["/api/org", "/api/campus", "/api/fac"]
    assert all(r.auth for r in pdb_server.requests)
    text = "\n".join(lines) + err.value.format() + (db_dir / pdb.STATE_FILE).read_text()
    assert secret not in text


def test_401_names_the_api_key_variable(pdb_server: PdbServer, fresh_db_dir):
    db_dir = fresh_db_dir()
    pdb_server.fail("org", 401)
    with pytest.raises(SourceError) as err:
        pdb.sync(pdb_settings(pdb_server, cache=False), db_dir=db_dir)
    assert "HTTP 401" in err.value.message and "$IXPCTL_TEST_PDB_KEY" in err.value.fix


def test_connection_refused(fresh_db_dir):
    db_dir = fresh_db_dir()
    port = closed_port()
    settings = PeeringDBSource(url=f"http://127.0.0.1:{port}/api", cache_url=f"http://127.0.0.1:{port}")
    with pytest.raises(SourceError) as err:
        pdb.sync(settings, db_dir=db_dir)
    assert err.value.message == f"cannot reach PeeringDB at http://127.0.0.1:{port}/org-0.json: connection refused"
    settings = PeeringDBSource(url=f"http://127.0.0.1:{port}/api", cache_url="")
    with pytest.raises(SourceError, match=rf"127.0.0.1:{port}/api/org: connection refused"):
        pdb.sync(settings, db_dir=db_dir)


def test_timeout(pdb_server: PdbServer, fresh_db_dir):
    db_dir = fresh_db_dir()
    pdb_server.stall("org", 3)
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        pdb.sync(pdb_settings(pdb_server, timeout=1), db_dir=db_dir)
    assert "no answer within 1 s" in err.value.message and "timeout" in err.value.fix
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(("cache", "body", "expected"), [
    (True, "<html>maintenance</html>", "did not answer PeeringDB JSON (JSONDecodeError: Expecting value"),
    (True, '{"rows": []}', "did not answer PeeringDB JSON (KeyError: no 'data' key)"),
    (False, "<html>maintenance</html>", "did not answer PeeringDB JSON (JSONDecodeError"),
])
def test_not_peeringdb_json(pdb_server: PdbServer, fresh_db_dir, cache, body, expected):
    db_dir = fresh_db_dir()
    pdb_server.fail("org", 200, body)
    with pytest.raises(SourceError) as err:
        pdb.sync(pdb_settings(pdb_server, cache=cache), db_dir=db_dir)
    assert expected in err.value.message and "Traceback" not in err.value.format()


def test_server_module_runs_standalone():
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.pdb_server", str(MLIX_PDB)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = proc.stdout.readline()
        url = first.strip().rsplit(" at ", 1)[1]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/api/ix", timeout=5) as resp:
            assert b'"MLIX"' in resp.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
