"""ixpctl serve with an OpenBGPD route server (the conformance IXP, rs2 on OpenBGPD, rs1 on BIRD,
real daemons in the lab): the looking glass and the JSON API read OpenBGPD through bgpctl (sessions,
a member's filtered routes with the decoded reason, prefix lookup); its birdwatcher API says 501
"not supported yet", while rs1's answers."""

from __future__ import annotations

import atexit
import shutil
import time

import pytest

from ixpctl.lab.model import Announcement, parse_path
from ixpctl.serve.service import Service
from tests.conftest import REPO
from tests.support.serve import TEST_LIMITS, client, lab_sources

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bgpd") is None, reason="needs openbgpd")]


@pytest.fixture(scope="module")
def obgpd(tmp_path_factory):
    from ixpctl.lab import Lab, LabConfig
    from ixpctl.serve.config import ServeConfig

    config = LabConfig.load(REPO / "lab" / "conformance-openbgpd.lab.yml", base=REPO)
    lab = Lab.up(config, base=tmp_path_factory.mktemp("ixpctl-lab-obgpd"))
    atexit.register(lab.down)
    try:
        lab.speaker(64496).announce([Announcement("10.99.0.0/16", parse_path([64496]))])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(r.prefix == "10.99.0.0/16" for r in lab.rs("rs2").member_routes(64496, filtered=True,
                                                                                   accepted=False)):
                break
            time.sleep(0.3)
        service = Service.start(ServeConfig(config.inventory, config.policy, config.snapshot, lab_sources(lab),
                                            limits=TEST_LIMITS))
        try:
            yield client(service)
        finally:
            service.close()
    finally:
        lab.down()


def test_openbgpd_looking_glass_through_bgpctl(obgpd):
    servers = {s["name"]: s for s in obgpd.get("/api/v1/route-servers").json()["route_servers"]}
    assert servers["rs2"] == {"name": "rs2", "daemon": "openbgpd", "reachable": True}
    sessions = obgpd.get("/api/v1/route-servers/rs2/sessions").json()["sessions"]
    assert sessions and any(s["neighbor_asn"] == 64496 and s["established"] for s in sessions)
    routes = obgpd.get("/api/v1/route-servers/rs2/members/64496/routes", params={"filtered": "true"}).json()
    bogon = [r for r in routes["routes"] if r["prefix"] == "10.99.0.0/16"]
    assert bogon and bogon[0]["reason"]["check"] == "bogon"
    found = obgpd.get("/api/v1/lookup", params={"q": "10.99.0.0/16"}).json()["route_servers"]
    for rs in ("rs1", "rs2"):
        assert [r["reason"]["check"] for r in found[rs]["routes"]] == ["bogon"], (rs, found[rs])
    page = obgpd.get("/lg/rs2/member/64496", params={"filtered": "1", "lang": "en"}).text
    assert "bogon prefix" in page and "10.99.0.0/16" in page


def test_openbgpd_birdwatcher_is_501_bird_answers(obgpd):
    r = obgpd.get("/birdwatcher/rs2/protocols/bgp")
    assert r.status_code == 501 and "not supported yet" in r.json()["error"]
    assert obgpd.get("/birdwatcher/rs1/protocols/bgp").status_code == 200
    assert 'ixpctl_bird_reachable{rs="rs2"} 1.0' in obgpd.get("/metrics").text
