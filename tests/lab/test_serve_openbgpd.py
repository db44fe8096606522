"""ixpctl serve with an OpenBGPD route server (the conformance IXP, rs2 on OpenBGPD, rs1 on BIRD,
real daemons in the lab): the looking glass and the JSON API read OpenBGPD through bgpctl (sessions,
a member's filtered routes with the decoded reason, prefix lookup), and so does its birdwatcher API —
the same JSON shapes as rs1's (BIRD), with the same routes in them, so an Alice-LG in front sees both
route servers alike. Every bgpctl command the service ran is checked against the allow-list."""

from __future__ import annotations

import atexit
import re
import shutil
import time

import pytest

from ixpctl.lab.model import Announcement, parse_path
from ixpctl.serve.service import Service
from tests.conftest import REPO
from tests.support.bw_shapes import BGPCTL_ALLOWED, check_envelope, check_protocol, check_route, record_bgpctl
from tests.support.serve import TEST_LIMITS, client, lab_sources

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bgpd") is None, reason="needs openbgpd")]

BAD = {"10.99.0.0/16": 2, "198.18.40.0/25": 13}  # bogon, prefix length: reject codes
GOOD = "198.18.1.0/24"
NOT_TO_64497 = "198.18.2.0/24"  # carries 0:64497, "do not announce to AS64497"


# rs2's OpenBGPD: the machine's (Debian 12: 7.7), and 8.8 from scripts/openbgpd-versions.sh's private
# root with its own bgpctl (bgpctl must match bgpd), whose JSON the same reader must understand
@pytest.fixture(scope="module", params=[None, "8.8"], ids=["machine", "openbgpd8.8"])
def obgpd(request, tmp_path_factory):
    from dataclasses import replace

    from ixpctl.lab import Lab, LabConfig
    from ixpctl.serve.config import ServeConfig

    config = LabConfig.load(REPO / "lab" / "conformance-openbgpd.lab.yml", base=REPO)
    if request.param:
        from ixpctl.deploy.bgpd_binaries import openbgpd_for
        from ixpctl.errors import IxpctlError

        try:
            openbgpd_for(request.param)
        except IxpctlError as exc:
            pytest.skip(f"{exc.message} ({exc.fix})")
        config = replace(config, rs_openbgpd=request.param)
    lab = Lab.up(config, base=tmp_path_factory.mktemp("ixpctl-lab-obgpd"))
    atexit.register(lab.down)
    try:
        lab.speaker(64496).announce([Announcement(p, parse_path([64496])) for p in (*BAD, GOOD)]
                                    + [Announcement(NOT_TO_64497, parse_path([64496]),
                                                    communities=frozenset({(0, 64497)}))])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = {r.prefix for rs in ("rs1", "rs2") for r in lab.rs(rs).member_routes(64496, filtered=True)}
            if {*BAD, GOOD, NOT_TO_64497} <= got:
                break
            time.sleep(0.3)
        service = Service.start(ServeConfig(config.inventory, config.policy, config.snapshot, lab_sources(lab),
                                            limits=TEST_LIMITS))
        if request.param:  # the service reads 8.8 with 8.8's bgpctl, as the lab gave it (the private
            # root's on Debian 12, the system's on Debian 13)
            from ixpctl.deploy.bgpd_binaries import openbgpd_for
            assert service.views["rs2"]._bgpctl.binary == openbgpd_for(request.param).bgpctl
        commands = record_bgpctl(service)
        try:
            yield client(service), commands
        finally:
            service.close()
    finally:
        lab.down()


def test_openbgpd_looking_glass_through_bgpctl(obgpd):
    http, _ = obgpd
    servers = {s["name"]: s for s in http.get("/api/v1/route-servers").json()["route_servers"]}
    assert servers["rs2"] == {"name": "rs2", "daemon": "openbgpd", "reachable": True}
    sessions = http.get("/api/v1/route-servers/rs2/sessions").json()["sessions"]
    assert sessions and any(s["neighbor_asn"] == 64496 and s["established"] for s in sessions)
    routes = http.get("/api/v1/route-servers/rs2/members/64496/routes", params={"filtered": "true"}).json()
    bogon = [r for r in routes["routes"] if r["prefix"] == "10.99.0.0/16"]
    assert bogon and bogon[0]["reason"]["check"] == "bogon"
    found = http.get("/api/v1/lookup", params={"q": "10.99.0.0/16"}).json()["route_servers"]
    for rs in ("rs1", "rs2"):
        assert [r["reason"]["check"] for r in found[rs]["routes"]] == ["bogon"], (rs, found[rs])
    page = http.get("/lg/rs2/member/64496", params={"filtered": "1", "lang": "en"}).text
    assert "bogon prefix" in page and "10.99.0.0/16" in page


def _bw(http, rs: str, path: str) -> dict:
    r = http.get(f"/birdwatcher/{rs}/{path}")
    assert r.status_code == 200, (rs, path, r.text)
    body = r.json()
    check_envelope(body)
    return body


def test_openbgpd_birdwatcher_status_and_protocols(obgpd):
    http, _ = obgpd
    status = _bw(http, "rs2", "status")["status"]
    assert status["version"].startswith("OpenBGPD ") and status["router_id"] == "192.0.2.2"
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", status["current_server"])
    bird = _bw(http, "rs1", "protocols/bgp")["protocols"]
    bgpd = _bw(http, "rs2", "protocols/bgp")["protocols"]
    assert set(bgpd) == set(bird)  # the same sessions, by the same names (bgpd's descr)
    for name, p in bgpd.items():
        check_protocol(p)
        assert p["neighbor_as"] == bird[name]["neighbor_as"] and p["neighbor_address"] == bird[name]["neighbor_address"]
        assert p["bgp_state"] == "Established" and p["state"] == "up"
    p = bgpd["AS64496_1_v4"]
    assert p["routes"]["imported"] == bird["AS64496_1_v4"]["routes"]["imported"] == 2
    assert p["routes"]["filtered"] == bird["AS64496_1_v4"]["routes"]["filtered"] == 2
    assert p["routes"]["preferred"] == 2 and p["channels"]["ipv4"]["import_limit"] == 500
    short = _bw(http, "rs2", "protocols/short")["protocols"]
    assert set(bgpd) <= set(short)  # and the RTR sessions when bgpd has any (this lab's ROAs are static)
    for v in short.values():
        assert v["table"] == "Loc-RIB" or v["proto"] == "RPKI"
        assert set(v) == {"proto", "table", "state", "since", "info"}


def test_openbgpd_birdwatcher_routes_match_bird(obgpd):
    http, _ = obgpd
    for path in ("routes/filtered/AS64496_1_v4", "routes/table/master4/filtered"):
        bird = {r["network"]: r for r in _bw(http, "rs1", path)["routes"]}
        bgpd = {r["network"]: r for r in _bw(http, "rs2", path)["routes"]}
        assert set(BAD) <= set(bgpd) and set(bgpd) == set(bird), path
        for network, code in BAD.items():
            check_route(bgpd[network])
            # Alice-LG maps (RS, 65520, code) to the reject reason: the same integers as BIRD's
            assert [64500, 65520, code] in bgpd[network]["bgp"]["large_communities"]
            assert bgpd[network]["bgp"]["as_path"] == bird[network]["bgp"]["as_path"] == ["64496"]
            assert set(bgpd[network]) == set(bird[network]) and set(bgpd[network]["bgp"]) >= {
                "as_path", "communities", "large_communities", "ext_communities", "next_hop", "origin"}
    accepted = _bw(http, "rs2", "routes/protocol/AS64496_1_v4")["routes"]
    assert {r["network"] for r in accepted} == {GOOD, NOT_TO_64497}
    assert all(r["from_protocol"] == "AS64496_1_v4" and r["primary"] for r in accepted)
    table = {r["network"] for r in _bw(http, "rs2", "routes/table/master4")["routes"]}
    assert {GOOD, NOT_TO_64497} <= table and table == {r["network"] for r in _bw(http, "rs1", "routes/table/master4")["routes"]}
    assert _bw(http, "rs2", "routes/table/master6")["routes"] == []
    # what the export rules held back from AS64497: the route tagged 0:64497, on both route servers
    for rs in ("rs1", "rs2"):
        held = [r["network"] for r in _bw(http, rs, "routes/noexport/AS64497_1_v4")["routes"]]
        assert held == [NOT_TO_64497], rs
        assert _bw(http, rs, "routes/noexport/AS64498_1_v4")["routes"] == []
    paged = _bw(http, "rs2", "routes/table/master4?page=0&page_size=1")
    assert len(paged["routes"]) == 1 and paged["pagination"]["total"] == len(table)
    assert http.get("/birdwatcher/rs2/routes/protocol/NO_SUCH").status_code == 404
    assert http.get("/birdwatcher/rs2/routes/table/Rejected").status_code == 404


def test_only_allowed_bgpctl_commands_ran(obgpd):
    http, commands = obgpd
    for hostile in ("AS64496_1_v4;reboot", "x y", "..", "192.0.2.10", "a" * 80, "AS64496_1_v4%0Ashow"):
        assert http.get(f"/birdwatcher/rs2/routes/filtered/{hostile}").status_code in (400, 404)
        assert http.get(f"/birdwatcher/rs2/routes/table/{hostile}").status_code in (400, 404)
    assert "show neighbor" in commands and any(c.startswith("show rib out neighbor ") for c in commands)
    for command in commands:
        assert BGPCTL_ALLOWED.match(command), command
    metrics = http.get("/metrics").text
    assert 'ixpctl_bird_reachable{rs="rs2"} 1.0' in metrics
    # OpenBGPD's per-session counts as BIRD's: 2 accepted, 2 filtered (bogon, too long)
    for rs in ("rs1", "rs2"):
        assert f'ixpctl_routes_accepted{{asn="64496",rs="{rs}",session="AS64496_1_v4"}} 2.0' in metrics, rs
        assert f'ixpctl_routes_filtered{{asn="64496",rs="{rs}",session="AS64496_1_v4"}} 2.0' in metrics, rs
