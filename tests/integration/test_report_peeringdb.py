"""PeeringDB's networks and facilities in the IXP's country, from a cache the real client synced
from the local PeeringDB server (the MLIX fixture), stored with the RIR statistics by
`ixpctl sources refresh --rir` and used by the impact report's recruitment list."""

from __future__ import annotations

import json
import shutil

import pytest

from ixpctl.sources import peeringdb, rir
from tests.conftest import REPO
from tests.support.builders import base_inventory, write_inventory
from tests.support.ixp_repo import make_repo

pytestmark = pytest.mark.integration


def test_country_networks_from_the_synced_cache(mlix_pdb_cache):
    data = peeringdb.country_networks(mlix_pdb_cache, "ML")
    assert data["facilities"] == [{"id": 1, "name": "AMRTP Bamako", "city": "Bamako"}]
    by_asn = {n["asn"]: n for n in data["networks"]}
    assert by_asn[64507]["facilities"] == [1] and by_asn[64507]["name"] == "Tombouctou Telecom"
    assert by_asn[64498]["org_country"] == "SN" and by_asn[64498]["facilities"] == [1]  # present, foreign
    assert by_asn[64505]["facilities"] == []  # registered in Mali, at no facility
    assert peeringdb.country_networks(mlix_pdb_cache, "SN")["facilities"] == []


def test_refresh_rir_stores_the_peeringdb_view(tmp_path, mlix_pdb_cache):
    repo = make_repo(tmp_path)
    cache = tmp_path / "pdb-cache"
    shutil.copytree(mlix_pdb_cache, cache)
    data = base_inventory()
    data["ixp"]["country"] = "ML"
    data["sources"] = {"snapshot_dir": str(repo.snapshot), "peeringdb": {"cache_dir": str(cache)},
                       "rir": {"file": str(REPO / "examples" / "mlix" / "delegated-afrinic-extended-latest")}}
    write_inventory(repo.inventory.parent, data)
    result = repo.cli("sources", "refresh", "--rir", "--json")
    assert result.exit_code == 0, result.output
    detail = json.loads(result.output)["rir"]["peeringdb"]
    assert detail["facilities"] == 1 and detail["networks"] >= 10 and "127.0.0.1" in detail["origin"]
    stats, _ = rir.load(repo.snapshot, "ML")
    assert [f["name"] for f in stats.peeringdb["facilities"]] == ["AMRTP Bamako"]
