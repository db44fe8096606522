"""`ixpctl report impact` and `ixpctl report manrs` from the lab's real BIRD route servers and member
speakers (the MLIX example and its fictional RIR file for Mali).

The numbers are judged by difference against hand-computed address counts: Djoliba Transit
(AS64496, an ExaBGP member that announces nothing at start) announces 198.18.0.0/22 — registered
in its IRR data, inside its own ML block, announced by no other member: +1024 reachable IPv4
addresses — and 198.18.200.0/24, not registered (and covered by an AS0 ROA): filtered, +0.
"""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.lab.model import Announcement
from tests.conftest import REPO
from tests.support.browser import artefacts, phone_browser

pytestmark = pytest.mark.lab

GOOD, BAD = "198.18.0.0/22", "198.18.200.0/24"


def _report(kind: str, lab, out, *extra: str) -> dict:
    sockets = [arg for rs in lab.rs_names for arg in ("--socket", f"{rs}={lab.rs(rs).socket_path}")]
    result = CliRunner().invoke(main, ["-i", "inventory", "-p", "policies/default.yml", "report", kind, *sockets,
                                       "-o", str(out), "--json", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _wait_for(lab, prefix: str, filtered: bool, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(lab.rs(rs).routes(prefix=prefix, filtered=filtered) for rs in lab.rs_names):
            return
        time.sleep(0.5)
    raise AssertionError(f"{prefix} did not reach every route server (filtered={filtered})")


def test_impact_and_manrs_reports_from_the_lab(lab, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    before = _report("impact", lab, tmp_path / "before")["impact"]
    speaker = lab.speaker(64496)
    speaker.announce([Announcement(GOOD, (("seq", (64496,)),)), Announcement(BAD, (("seq", (64496,)),))])
    try:
        _wait_for(lab, GOOD, filtered=False)
        _wait_for(lab, BAD, filtered=True)
        out = tmp_path / "report"
        impact = _report("impact", lab, out, "--save-state", str(tmp_path / "state.json"))["impact"]
        manrs = _report("manrs", lab, out)["manrs"]
    finally:
        speaker.withdraw([GOOD, BAD])

    assert impact["country"] == "ML" and impact["country_asns"] == 15
    assert impact["space4_total"] == 51712  # the fictional file: sum of the ML ipv4 rows
    assert impact["space4_reachable"] - before["space4_reachable"] == 1024
    assert impact["routes_filtered"] - before["routes_filtered"] == 1
    djoliba = next(m for m in impact["per_member"] if m["asn"] == 64496)
    assert (djoliba["accepted"], djoliba["filtered"], djoliba["space4"]) == (1, 1, 1024)
    assert djoliba["filtered_by_reason"] == {"irr_prefix": 1}
    assert djoliba["invalid_prefixes"] == [BAD] and djoliba["unregistered_prefixes"] == [BAD]
    assert djoliba["sessions_up"] == djoliba["sessions"] == 4  # rs1 and rs2, IPv4 and IPv6
    sahel = next(m for m in impact["per_member"] if m["asn"] == 64497)
    assert sahel["space4"] in (1536, 1792)  # 198.18.16.0/22 + /23 (+ the /24 when its speaker sends it)
    assert [n["asns"] for n in impact["not_at_ixp"]][:3] == [[64508], [65538, 65539], [64509]]
    services = {s["kind"]: s for s in impact["resilience"]}
    assert services["cctld"]["status"] == "reachable" and services["cctld"]["via"] == [65536]
    assert services["government"]["status"] == "unreachable"

    actions = {a["number"]: a for a in manrs["actions"]}
    assert actions[1]["level"] == "met"
    assert actions[2]["level"] == "partly" and 64496 in [m["asn"] for m in actions[2]["members"]]
    assert set(actions) == {1, 2, 3, 4, 5}
    for name in ("impact.en.html", "impact.fr.html", "manrs.en.html", "manrs.fr.html", "impact.fr.md", "manrs.en.md"):
        assert (out / name).stat().st_size > 1000, name
    assert "des adresses IPv4 du pays sont joignables" in (out / "impact.fr.html").read_text()
    assert "AS64496" in (out / "manrs.fr.md").read_text()
    with phone_browser() as browser:  # the page members and officials will open, from real tables
        page = browser.new_page()
        page.goto((out / "impact.fr.html").as_uri())
        assert "15" in page.locator("#card-asn-members").inner_text()
        assert "AS64508" in page.locator("#recruit-table tr").nth(1).inner_text()
        page.screenshot(path=str(artefacts() / "report-impact-mlix-lab-fr.png"), full_page=True)
