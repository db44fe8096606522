"""Live IRR lookups of ixpctl serve for prospective members: real bgpq4 against the local IRRd test
fixture (tests/support/irrd.py, tests/fixtures/irr/fixture.rpsl), judged by the route servers' own
engine; cached, and bounded in concurrency."""

from __future__ import annotations

import shutil

import pytest

from ixpctl.serve.config import LiveIrr
from ixpctl.serve.prospect import Busy
from ixpctl.serve.service import Service
from tests.support.serve import client, mlix_config, offline_sources

pytestmark = [pytest.mark.integration, pytest.mark.skipif(shutil.which("bgpq4") is None, reason="needs bgpq4")]


@pytest.fixture
def service(irrd_host, tmp_path):
    svc = Service.start(mlix_config(offline_sources(tmp_path), live_irr=LiveIrr(irrd_host, ("RIPE", "AFRINIC"), timeout=20)))
    yield svc
    svc.close()


def test_prospective_member_checked_with_live_bgpq4(service):
    http = client(service)
    # AS-KITA (examples/mlix/irr.rpsl, loaded in the test IRRd): AS65544 and AS65545, not MLIX members
    params = [("asn", "65544"), ("as_set", "AS-KITA"), ("prefix", "198.18.14.0/24"),
              ("prefix", "198.18.15.0/24 AS65545"), ("prefix", "198.18.99.0/24")]
    r = http.get("/api/v1/check", params=params)
    assert r.status_code == 200, r.text
    data = r.json()
    verdicts = {x["prefix"]: (x["verdict"], x["check"]) for x in data["results"]}
    # registered under AS-KITA: accepted
    assert verdicts["198.18.14.0/24"] == ("accepted", None), verdicts
    assert verdicts["198.18.15.0/24"] == ("accepted", None), verdicts
    # no route object: rejected for that reason
    assert verdicts["198.18.99.0/24"] == ("rejected", "irr_prefix"), verdicts
    assert "expanded live with bgpq4" in data["notes"][0]
    assert service.prospects.lookups == 1
    assert http.get("/api/v1/check", params=params).status_code == 200
    assert service.prospects.lookups == 1  # cached: bgpq4 ran once
    # the same in the form
    page = http.post("/check?lang=en", data={"asn": "65544", "as_set": "AS-KITA", "prefixes": "198.18.99.0/24"})
    assert page.status_code == 200 and "not registered in IRR" in page.text


def test_hostile_as_set_never_reaches_bgpq4_and_busy_is_said(service):
    http = client(service)
    for bad in ("-h evil:43", "AS-TOP; reboot", "AS-TOP\n!g", "$(id)", "AS-" + "X" * 300):
        r = http.get("/api/v1/check", params={"asn": "65544", "as_set": bad})
        assert r.status_code == 400, (bad, r.text)
    assert service.prospects.lookups == 0
    slots = service.prospects._slots
    taken = 0
    while slots.acquire(blocking=False):  # every slot busy (as under load)
        taken += 1
    try:
        r = http.get("/api/v1/check", params={"asn": "65544", "as_set": "AS-KITA"})
        assert r.status_code == 503 and "retry" in r.json()["error"]
        with pytest.raises(Busy):
            service.prospects.check(65544, "AS-KITA", None, None)
    finally:
        for _ in range(taken):
            slots.release()
