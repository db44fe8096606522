"""The local PeeringDB server answers like PeeringDB does for the client's 13 resources."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.support.pdb_server import TAGS, PdbServer


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def test_binds_loopback_on_an_ephemeral_port(pdb_server: PdbServer):
    assert pdb_server.base_url.startswith("http://127.0.0.1:")
    assert pdb_server.port != 0


@pytest.mark.parametrize("tag", TAGS)
def test_every_tag_answers_in_api_and_cache_form(pdb_server: PdbServer, tag: str):
    for url in (f"{pdb_server.api_url}/{tag}", f"{pdb_server.base_url}/{tag}-0.json"):
        status, body = _get(url)
        assert status == 200 and isinstance(body["data"], list)


def test_full_list_hides_deleted_rows_since_shows_them(pdb_server: PdbServer):
    _, full = _get(f"{pdb_server.api_url}/netixlan")
    _, cache = _get(f"{pdb_server.base_url}/netixlan-0.json")
    _, since = _get(f"{pdb_server.api_url}/netixlan?since=1740000000")  # 2025-02-19
    assert 14 not in [r["id"] for r in full["data"]] and full == cache
    assert [(r["id"], r["status"]) for r in since["data"]] == [(14, "deleted"), (15, "ok")]


def test_single_object_query_for_dangling_references(pdb_server: PdbServer):
    _, body = _get(f"{pdb_server.api_url}/net?since=1&id=15&depth=0")
    assert [r["asn"] for r in body["data"]] == [64510]


def test_field_filters(pdb_server: PdbServer):
    _, body = _get(f"{pdb_server.api_url}/netixlan?asn__in=64503,64507&is_rs_peer=true")
    assert [r["asn"] for r in body["data"]] == [64507]


def test_unknown_paths_are_404(pdb_server: PdbServer):
    assert _get(f"{pdb_server.api_url}/nope")[0] == 404
    assert _get(f"{pdb_server.base_url}/something")[0] == 404


def test_upsert_fail_and_request_log(pdb_server: PdbServer):
    row = pdb_server.row("net", 2)
    pdb_server.upsert("net", dict(row, info_prefixes4=999))
    pdb_server.fail("poc", 500)
    _, body = _get(f"{pdb_server.api_url}/net?asn=64496")
    assert body["data"][0]["info_prefixes4"] == 999
    assert _get(f"{pdb_server.api_url}/poc")[0] == 500
    pdb_server.fail("poc", None)
    assert _get(f"{pdb_server.api_url}/poc")[0] == 200
    log = pdb_server.requests
    assert [(r.tag, r.query) for r in log] == [("net", {"asn": "64496"}), ("poc", {}), ("poc", {})]
    assert not any(r.auth for r in log)


def test_stops_cleanly(tmp_path):
    (tmp_path / "org.json").write_text('{"data": []}')
    with PdbServer(tmp_path) as server:
        url = f"{server.api_url}/org"
        assert _get(url)[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
    with pytest.raises(RuntimeError):
        _ = server.port
