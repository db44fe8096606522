"""ixpctl serve against the lab's real BIRD route servers: real sessions, and real filtered routes
announced by a member (AS64496, ExaBGP) for this module — a bogon and a too-long prefix. The
service runs in a real uvicorn on 127.0.0.1 and is asked over HTTP; then the API is fuzzed from its
own OpenAPI document, and every command that reached BIRD is checked against the allow-list."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ixpctl.verify.control import BirdError
from tests.support.bw_shapes import BGPCTL_ALLOWED, record_bgpctl
from tests.support.serve import client
from tests.support.serve_lab import BAD
from tests.unit.test_serve_shapes import ALLOWED

pytestmark = pytest.mark.lab

def _get(base: str, path: str, **params) -> httpx.Response:
    return httpx.get(base + path, params=params, timeout=30)


def test_birdwatcher_status_and_protocols_from_real_bird(served, lab):
    _, base = served
    status = _get(base, "/birdwatcher/rs1/status").json()
    assert status["status"]["version"].startswith("2.") and status["status"]["router_id"]
    assert status["api"]["cache_status"]["cached_at"]["timezone"] == "UTC"
    protocols = _get(base, "/birdwatcher/rs1/protocols/bgp").json()["protocols"]
    intent = lab.intent("rs1")
    assert set(protocols) == {s.name for s in intent.sessions}
    for s in intent.sessions:
        p = protocols[s.name]
        assert p["bgp_state"] == "Established" and p["neighbor_as"] == s.member_asn
        assert p["neighbor_address"] == s.neighbor
    assert protocols["AS64496_1_v4"]["routes"]["filtered"] >= 2
    short = _get(base, "/birdwatcher/rs1/protocols/short").json()["protocols"]
    assert any(v["proto"] == "RPKI" for v in short.values())


def test_birdwatcher_routes_with_reject_reasons(served, lab):
    _, base = served
    rs_asn = lab.state.info["rs_asn"]
    for path in ("/birdwatcher/rs1/routes/filtered/AS64496_1_v4", "/birdwatcher/rs2/routes/table/master4/filtered"):
        routes = {r["network"]: r for r in _get(base, path).json()["routes"]}
        assert set(BAD) <= set(routes), path
        assert [rs_asn, 65520, 2] in routes["10.99.0.0/16"]["bgp"]["large_communities"]
        assert [rs_asn, 65520, 13] in routes["198.18.40.0/25"]["bgp"]["large_communities"]
    accepted = _get(base, "/birdwatcher/rs1/routes/protocol/AS64497_1_v4").json()["routes"]
    assert accepted and all(r["from_protocol"] == "AS64497_1_v4" and r["bgp"]["as_path"][0] == "64497"
                            for r in accepted)
    table = _get(base, "/birdwatcher/rs1/routes/table/master4").json()["routes"]
    assert {r["network"] for r in accepted} <= {r["network"] for r in table}
    noexport = _get(base, "/birdwatcher/rs1/routes/noexport/AS64501_1_v4")
    assert noexport.status_code == 200 and isinstance(noexport.json()["routes"], list)
    paged = _get(base, "/birdwatcher/rs1/routes/table/master4", page=0, page_size=2).json()
    assert len(paged["routes"]) == 2 and paged["pagination"]["total"] == len(table)
    assert _get(base, "/birdwatcher/rs1/routes/protocol/NO_SUCH").status_code == 404


def test_member_filtered_routes_decoded_and_lookup_across_route_servers(served):
    _, base = served
    data = _get(base, "/api/v1/route-servers/rs1/members/64496/routes", filtered="true").json()
    reasons = {r["prefix"]: r["reason"]["check"] for r in data["routes"]}
    assert {p: reasons.get(p) for p in BAD} == BAD
    assert all(r["reason"]["fr"] and r["reason"]["fix"] for r in data["routes"])
    assert "attributes" not in data["routes"][0]
    found = _get(base, "/api/v1/lookup", q="10.99.0.0/16").json()["route_servers"]
    assert set(found) == {"rs1", "rs2"}
    for rs in found.values():
        assert [r["reason"]["check"] for r in rs["routes"]] == ["bogon"]
    by_ip = _get(base, "/api/v1/lookup", q="198.18.40.7").json()["route_servers"]["rs1"]["routes"]
    assert any(r["prefix"] == "198.18.40.0/25" and r["filtered"] for r in by_ip)


def test_metrics_from_real_sessions(served, lab):
    _, base = served
    text = _get(base, "/metrics").text
    assert 'ixpctl_bird_reachable{rs="rs1"} 1.0' in text and 'ixpctl_bird_reachable{rs="rs2"} 1.0' in text
    assert 'ixpctl_session_up{asn="64496",rs="rs1",session="AS64496_1_v4"} 1.0' in text
    for rs in ("rs1", "rs2"):
        assert f'ixpctl_routes_filtered_by_reason{{asn="64496",reason="bogon",rs="{rs}"}} 1.0' in text
        assert f'ixpctl_routes_filtered_by_reason{{asn="64496",reason="prefix_length",rs="{rs}"}} 1.0' in text
    assert re.search(r'ixpctl_facts_age_seconds\{source="rpki"\} \d', text)
    reconf = re.search(r'ixpctl_bird_last_reconfiguration_timestamp_seconds\{rs="rs1"\} ([0-9.e+]+)', text)
    assert reconf and abs(float(reconf.group(1)) - time.time()) < 3600
    assert all(line.startswith(("#", "ixpctl_")) for line in text.splitlines() if line)


def test_looking_glass_pages(served):
    _, base = served
    lg = _get(base, "/lg", lang="en").text
    assert "AS64496_1_v4" in lg and "Established" in lg
    page = _get(base, "/lg/rs1/member/64496", filtered="1", lang="fr").text
    assert "préfixe bogon" in page and "10.99.0.0/16" in page
    detail = _get(base, "/lg/rs1/route", prefix="10.99.0.0/16", lang="en").text
    assert "reject:bogon" in detail and "64500:65520:2" in detail


def _value(schema: dict) -> st.SearchStrategy:
    """Hostile values for one parameter, mostly outside the schema (the API must refuse them calmly)."""
    junk = st.one_of(st.text(max_size=60), st.sampled_from(
        ["0", "-1", "4294967296", "AS64496", "10.0.0.0/8", "::/0", "a;b", "x\nshow route", "master4 all",
         "%00", "../../etc", "10.99.0.0/16", "AS64496_1_v4", "master4", "rpki4", "device1", "rpki_1", "'", "1e9", "" , " "]))
    if schema.get("type") == "integer":
        return st.one_of(st.integers(-10, 2**33).map(str), junk)
    if schema.get("enum"):
        return st.one_of(st.sampled_from(schema["enum"]), junk)
    return junk


def test_fuzz_the_api_from_its_openapi_document(served):
    service, _ = served
    http = client(service)
    doc = http.get("/openapi.json").json()
    operations = [(path, op["get"]["parameters"]) for path, op in doc["paths"].items()]
    for view in service.views.values():
        view.gate.last_commands.clear()
    bgpctl = record_bgpctl(service)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one(data):
        path, params = data.draw(st.sampled_from(operations))
        url, query = path, []
        for p in params:
            value = data.draw(_value(p["schema"]))
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", quote(value, safe="") or "x")
            elif data.draw(st.booleans()):
                query.append((p["name"], value))
        r = http.get(url, params=query)
        # both BIRDs are up: any 5xx (a 503 would be BIRD refusing a command Query wrote) is a bug
        assert r.status_code < 500, (url, query, r.status_code, r.text[:300])
        assert "Traceback" not in r.text and 'File "' not in r.text

    one()
    commands = [c for v in service.views.values() for c in v.gate.last_commands]
    assert commands, "the fuzzing reached BIRD at least once"
    assert all(ALLOWED.match(c) for c in commands), [c for c in commands if not ALLOWED.match(c)]
    assert all(BGPCTL_ALLOWED.match(c) for c in bgpctl), [c for c in bgpctl if not BGPCTL_ALLOWED.match(c)]


def test_bird_connection_is_restricted(served):
    """Defence in depth: the gate's connections are in BIRD's restricted mode, so even a command
    that slipped past the allow-list could not change the route server."""
    service, _ = served
    control = service.views["rs1"].gate.control
    with pytest.raises(BirdError, match="Access denied"):
        control.query("configure check")
    with pytest.raises(BirdError, match="Access denied"):
        control.query("disable AS64496_1_v4")
    assert control.query("show status").lines[-1][0] == 13


def test_every_members_filtered_routes_from_one_table_walk(served):
    """BIRD walks its whole table for one protocol's filtered routes as for all of them: the service
    asks for all once per cache period and answers each member from that (Alice-LG polls them all)."""
    service, base = served
    gate = service.views["rs1"].gate
    gate.last_commands.clear()
    names = ("AS64496_1_v4", "AS64497_1_v4", "AS64498_1_v4", "AS64496_1_v6")
    got = {n: {r["network"] for r in _get(base, f"/birdwatcher/rs1/routes/filtered/{n}").json()["routes"]} for n in names}
    assert set(BAD) <= got["AS64496_1_v4"] and not (set(BAD) & got["AS64497_1_v4"])
    sent = [c for c in gate.last_commands if "filtered" in c]
    assert sent in ([], ["show route table all filtered all"]), sent  # [] when still cached from a test before
    assert _get(base, "/birdwatcher/rs1/routes/filtered/NO_SUCH").status_code == 404
