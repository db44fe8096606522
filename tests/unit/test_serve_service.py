"""ixpctl serve without a daemon: the pages and APIs that read files only, the self-check engine
(the same as `ixpctl check`), the bounds and headers, and 503 + JSON for an unreachable BIRD."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from ixpctl.analysis.selfcheck import parse_announcements, self_check
from ixpctl.serve.security import CSP, RateLimiter
from ixpctl.serve.service import Service
from tests.support.serve import client, mlix_config, offline_sources, with_limits

SECRET = "s3cr3t-MD5-never-shown"


@pytest.fixture
def service(tmp_path, monkeypatch):
    # the member's MD5 secret is in the environment of the service: it must never come out
    monkeypatch.setenv("MLIX_MD5_AS64496", SECRET)
    svc = Service.start(mlix_config(offline_sources(tmp_path)))
    yield svc
    svc.close()


@pytest.fixture
def http(service):
    return client(service)


def test_check_api_one_entry_per_prefix_same_verdicts_as_ixpctl_check(http, service):
    r = http.get("/api/v1/check", params=[("asn", "64496"), ("prefix", "10.0.0.0/8"), ("prefix", "198.18.40.0/25")])
    assert r.status_code == 200, r.text
    data = r.json()
    assert [x["prefix"] for x in data["results"]] == ["10.0.0.0/8", "198.18.40.0/25"]
    bogon = data["results"][0]
    assert bogon["verdict"] == "rejected" and bogon["reason_code"] == 2 and bogon["check"] == "bogon"
    assert bogon["reason"] and bogon["reason_fr"] and bogon["fix"] and bogon["fix_fr"]
    # the engine behind `ixpctl check`, called directly, says exactly the same
    site = service.site
    expected = self_check(site.intents["rs1"], site.facts, 64496,
                          parse_announcements("10.0.0.0/8\n198.18.40.0/25", 64496))
    assert [(x.prefix, x.accepted, x.code) for x in expected.results] == \
        [(x["prefix"], x["accepted"], x["code"]) for x in data["results"]]


def test_check_api_refuses_bad_input_with_json_errors(http):
    for params in ({"asn": "x"}, {}, {"asn": "64496", "prefix": "not-a-prefix"}, {"asn": "99999999999"},
                   {"asn": "64496", "rs": "rs9"}, {"asn": "65099"}):
        r = http.get("/api/v1/check", params=params)
        assert r.status_code == 400, (params, r.text)
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["error"] and "Traceback" not in r.text


def test_unreachable_bird_is_503_json_on_every_birdwatcher_endpoint(http):
    for path in ("status", "protocols/bgp", "protocols/short", "routes/protocol/AS64496_1_v4",
                 "routes/filtered/AS64496_1_v4", "routes/noexport/AS64496_1_v4", "routes/table/master4",
                 "routes/table/master4/filtered"):
        r = http.get(f"/birdwatcher/rs1/{path}")
        assert r.status_code == 503, (path, r.text)
        assert "rs1" in r.json()["error"]
    assert http.get("/birdwatcher/nope/status").status_code == 404
    assert http.get("/birdwatcher/rs1/routes/protocol/x;reboot").status_code == 400
    metrics = http.get("/metrics").text
    assert 'ixpctl_bird_reachable{rs="rs1"} 0.0' in metrics


def test_security_headers_methods_and_sizes(http):
    r = http.get("/")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CSP
    assert "script-src" not in CSP and "'unsafe-inline'" not in CSP
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert "<script" not in r.text and "style=" not in r.text and "<style" not in r.text
    for method in ("PUT", "DELETE", "PATCH"):
        assert http.request(method, "/api/v1/check").status_code == 405
    assert http.post("/api/v1/check").status_code == 405  # POST only for the form
    assert http.get("/api/v1/lookup?q=" + "1" * 9000).status_code == 414
    big = "10.0.0.0/8\n" * 30000
    r = http.post("/check", data={"asn": "64496", "prefixes": big})
    assert r.status_code == 413


def test_rate_limit_per_client(tmp_path):
    svc = Service.start(with_limits(mlix_config(offline_sources(tmp_path)), rate_per_minute=60, rate_burst=3))
    try:
        http = client(svc)
        codes = [http.get("/api/v1/ixp").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        assert int(http.get("/api/v1/ixp").headers["retry-after"]) >= 1
    finally:
        svc.close()
    # an exempt address (the TestClient's is "testclient") is never limited
    svc = Service.start(with_limits(mlix_config(offline_sources(tmp_path), rate_exempt=("testclient",)),
                                    rate_per_minute=60, rate_burst=1))
    try:
        http = client(svc)
        assert {http.get("/api/v1/ixp").status_code for _ in range(5)} == {200}
    finally:
        svc.close()
    limiter = RateLimiter(60, 2, max_clients=100)
    assert [limiter.take("a", now=0.0), limiter.take("a", now=0.0)] == [0, 0]
    assert limiter.take("a", now=0.0) > 0 and limiter.take("b", now=0.0) == 0
    assert limiter.take("a", now=1.01) == 0  # one token per second at 60/min
    for n in range(500):  # the table of clients stays bounded
        limiter.take(f"c{n}", now=2.0)
    assert len(limiter._buckets) <= 100


def test_pages_french_by_default_english_on_switch(http):
    fr = http.get("/")
    assert '<html lang="fr">' in fr.text and "Membres" in fr.text and "Djoliba Transit" in fr.text
    assert "https://www.peeringdb.com/asn/64496" in fr.text
    en = http.get("/?lang=en")
    assert '<html lang="en">' in en.text and "Members" in en.text
    assert en.cookies.get("lang") == "en"
    assert '<html lang="en">' in http.get("/policy").text  # the cookie keeps the choice
    for path in ("/check", "/communities", "/ixf", "/policy", "/lg"):
        r = http.get(path + "?lang=fr")
        assert r.status_code == 200, path
        assert '<html lang="fr">' in r.text


def test_check_form_post_gives_a_verdict_table(http):
    r = http.post("/check?lang=en", data={"asn": "AS64496", "rs": "rs1",
                                          "prefixes": "10.0.0.0/8\n198.18.40.0/25 AS64496\n"})
    assert r.status_code == 200
    rows = re.findall(r'<tr class="(ok|ko)" data-prefix="([^"]+)">', r.text)
    assert ("ko", "10.0.0.0/8") in rows
    assert "bogon prefix" in r.text
    r = http.post("/check", data={"asn": "xyz"})
    assert r.status_code == 400 and 'role="alert"' in r.text


def test_no_secret_anywhere(http):
    paths = ["/", "/check?asn=64496", "/lg", "/policy", "/communities", "/ixf", "/ixf/member-export.json",
             "/api/v1/ixp", "/api/v1/policy", "/api/v1/communities", "/api/v1/ixf", "/api/v1/check?asn=64496",
             "/openapi.json", "/metrics", "/api/v1/route-servers"]
    for path in paths:
        r = http.get(path)
        assert SECRET not in r.text, path
        assert "md5" not in r.text.lower() or path == "/policy", path


def test_ixf_export_at_a_stable_url_is_the_publish_export(http, service):
    data = http.get("/ixf/member-export.json").json()
    assert data["version"] and data["ixp_list"] and data["member_list"]
    assert data == json.loads(json.dumps(service.site.ixf()))


def test_openapi_document_lists_the_stable_entry_points(http):
    doc = http.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/check", "/birdwatcher/{rs}/status", "/birdwatcher/{rs}/routes/filtered/{protocol}"):
        assert path in doc["paths"]
    params = {p["name"]: p for p in doc["paths"]["/api/v1/check"]["get"]["parameters"]}
    assert params["asn"]["required"] and params["prefix"]["schema"]["type"] == "array"


def test_cli_check_only_json_and_bad_bind(tmp_path):
    from ixpctl.cli import main
    from tests.conftest import REPO

    args = ["-i", str(REPO / "inventory" / "mlix.yml"), "-p", str(REPO / "policies" / "default.yml"), "serve",
            "--snapshot", str(REPO / "snapshots" / "mlix"), "--rs-socket", f"rs1={tmp_path}/x.ctl",
            "--rs-socket", f"rs2={tmp_path}/y.ctl", "--check-only", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["url"] == "http://127.0.0.1:8080/"
    # --rs-socket names a socket; the daemon is the inventory's: MLIX's rs2 is OpenBGPD (bgpd's socket)
    assert json.loads(result.output)["daemons"] == {"rs1": "bird", "rs2": "openbgpd"}
    result = CliRunner().invoke(main, args[:-2] + ["--bind", "0.0.0.0; rm", "--check-only", "--json"])
    assert result.exit_code == 2 and json.loads(result.output)["ok"] is False
    result = CliRunner().invoke(main, args[:-2] + ["--rs-socket", "nonsense", "--json"])
    assert result.exit_code == 2 and "NAME=PATH" in json.loads(result.output)["error"]


def test_pasted_show_route_dump_is_checked(http):
    from pathlib import Path

    dump = (Path(__file__).parent / "data" / "serve" / "routes_filtered.txt").read_text()
    r = http.post("/check?lang=en", data={"asn": "64496", "prefixes": dump})
    assert r.status_code == 200
    rows = {p: c for c, p in re.findall(r'<tr class="(ok|ko)" data-prefix="([^"]+)">', r.text)}
    assert rows == {"198.18.40.0/25": "ko", "10.99.0.0/16": "ko"}


def test_unreachable_openbgpd_is_503_json_on_every_birdwatcher_endpoint(tmp_path):
    """The OpenBGPD route server's birdwatcher API reads bgpctl (real bgpctl, no bgpd behind the
    socket): 503 with a JSON error on every endpoint; a hostile name is refused before bgpctl runs."""
    from ixpctl.serve.config import RouteServerSource

    sources = (RouteServerSource("rs1", str(tmp_path / "rs1.ctl")),
               RouteServerSource("rs2", str(tmp_path / "bgpd.sock"), "openbgpd"))
    svc = Service.start(mlix_config(sources))
    try:
        http = client(svc)
        for path in ("status", "protocols/bgp", "protocols/short", "routes/protocol/AS64496_1_v4",
                     "routes/filtered/AS64496_1_v4", "routes/noexport/AS64496_1_v4", "routes/table/master4",
                     "routes/table/master6/filtered"):
            r = http.get(f"/birdwatcher/rs2/{path}")
            assert r.status_code == 503, (path, r.text)
            assert "rs2" in r.json()["error"] and "Traceback" not in r.text
        assert http.get("/birdwatcher/rs2/routes/protocol/x;reboot").status_code == 400
        assert http.get("/birdwatcher/rs2/routes/table/Rejected").status_code == 404  # BIRD's names only
        # its looking glass goes through bgpctl too: unreachable, said calmly
        assert http.get("/api/v1/route-servers/rs2/sessions").status_code == 503
    finally:
        svc.close()


def test_hostile_form_posts_never_fail(http):
    """The one POST: any body, any content type, hostile field values — a page or a 4xx, never a 5xx."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=st.binary(max_size=2000),
           ctype=st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data",
                                  "multipart/form-data; boundary=x", "text/plain", "application/json", ""]),
           asn=st.one_of(st.text(max_size=30), st.sampled_from(["64496", "AS64496", "0", "-5", "4294967296"])),
           prefixes=st.one_of(st.text(max_size=300), st.sampled_from(["10.0.0.0/8 AS", "::/0", "1.2.3.4/99",
                                                                     "BGP.as_path: 1 2 3", "x" * 500])))
    def one(body, ctype, asn, prefixes):
        r = http.post("/check", content=body, headers={"content-type": ctype} if ctype else {})
        assert r.status_code < 500, (body[:80], ctype, r.status_code)
        r = http.post("/check", data={"asn": asn, "prefixes": prefixes, "rs": "rs1"})
        assert r.status_code in (200, 400), (asn, prefixes, r.status_code, r.text[:200])
        assert "Traceback" not in r.text

    one()


def test_check_form_post_is_in_the_openapi_document_and_fuzzed_from_it(http):
    """The self-check POST as the OpenAPI document describes it: its form fields drawn from the
    document's own schema (hostile strings, the enum's values); every answer is one the document
    lists, an HTML page, never a 5xx."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    op = http.get("/openapi.json").json()["paths"]["/check"]["post"]
    schema = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert schema["required"] == ["asn"] and set(schema["properties"]) == {"asn", "prefixes", "rs", "as_set"}
    assert set(op["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "multipart/form-data"}

    def field(spec):
        if "enum" in spec:
            return st.sampled_from(spec["enum"])
        return st.one_of(st.text(max_size=spec.get("maxLength", 300)),
                         st.sampled_from(["64496", "AS64496", "198.18.0.0/22\n10.0.0.0/8 AS64496", "AS-DJOLIBA"]))

    form = st.fixed_dictionaries({name: field(spec) for name, spec in schema["properties"].items()
                                  if name in schema["required"]},
                                 optional={name: field(spec) for name, spec in schema["properties"].items()
                                           if name not in schema["required"]})

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=form, multipart=st.booleans())
    def one(data, multipart):
        r = http.post("/check", files={k: (None, v) for k, v in data.items()}) if multipart else \
            http.post("/check", data=data)
        assert str(r.status_code) in op["responses"], (data, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("text/html") and "Traceback" not in r.text

    one()
    good = http.post("/check", data={"asn": "64496", "prefixes": "10.0.0.0/8", "rs": "rs1"})
    assert good.status_code == 200 and "10.0.0.0/8" in good.text
