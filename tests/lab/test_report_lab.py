"""`ixpctl report impact` and `ixpctl report manrs` from the lab's real BIRD route servers and member
speakers (the MLIX example and its fictional RIR file for Mali).

rs1 runs BIRD, rs2 OpenBGPD (inventory/mlix.yml): both are read, through their control sockets
(``--socket NAME=PATH``, the daemon from the inventory). The numbers are judged by difference
against hand-computed address counts: Djoliba Transit (AS64496, an ExaBGP member that announces
nothing at start) announces, inside its own ML block (198.18.0.0 + 4096) and announced by no
other member:

- 198.18.0.0/22, registered in its IRR data, to both: +1024 reachable IPv4 addresses, counted once;
- 198.18.4.0/22, registered, to rs1 only: +1024 through rs1, +0 through rs2 — a disagreement
  (missing on rs2, where AS64496's sessions are up);
- 198.18.200.0/24, not registered (and covered by an AS0 ROA), to both: filtered on both, with the
  reason from BIRD's and from OpenBGPD's reason community (``irr_prefix``);
- 198.18.8.0/24 with an AS_SET in its path, to both: BIRD filters it (``as_set``); bgpd treats it as
  withdrawn before its filters (``treated_as_withdraw``, lab/differences.py): one filtered route.
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

GOOD, ONLY1, BAD, ASET = "198.18.0.0/22", "198.18.4.0/22", "198.18.200.0/24", "198.18.8.0/24"


def _report(kind: str, lab, out, *extra: str) -> dict:
    sockets, bgpctl = [], []
    for rs in lab.state.info["route_servers"]:
        sockets += ["--socket", f"{rs['name']}={rs['socket']}"]
        bgpctl = ["--bgpctl", rs["bgpctl"]] if rs.get("bgpctl") else bgpctl  # the lab's bgpd series
    result = CliRunner().invoke(main, ["-i", "inventory", "-p", "policies/default.yml", "report", kind, *sockets,
                                       *bgpctl, "-o", str(out), "--json", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _wait_for(lab, prefix: str, filtered: bool, timeout: float = 30, on: tuple[str, ...] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(lab.rs(rs).routes(prefix=prefix, filtered=filtered) for rs in on or lab.rs_names):
            return
        time.sleep(0.5)
    raise AssertionError(f"{prefix} did not reach every route server (filtered={filtered})")


def test_impact_and_manrs_reports_from_the_lab(lab, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    before = _report("impact", lab, tmp_path / "before")["impact"]
    speaker = lab.speaker(64496)
    own = (("seq", (64496,)),)
    speaker.announce([Announcement(GOOD, own), Announcement(ONLY1, own, to=("rs1",)), Announcement(BAD, own),
                      Announcement(ASET, (("seq", (64496,)), ("set", (65540, 65541))))])
    try:
        _wait_for(lab, GOOD, filtered=False)
        _wait_for(lab, ONLY1, filtered=False, on=("rs1",))
        _wait_for(lab, BAD, filtered=True)
        _wait_for(lab, ASET, filtered=True)
        out = tmp_path / "report"
        impact = _report("impact", lab, out, "--save-state", str(tmp_path / "state.json"))["impact"]
        manrs = _report("manrs", lab, out)["manrs"]
    finally:
        speaker.withdraw([GOOD, ONLY1, BAD, ASET])

    assert impact["country"] == "ML" and impact["country_asns"] == 15
    assert impact["space4_total"] == 51712  # the fictional file: sum of the ML ipv4 rows
    assert impact["space4_reachable"] - before["space4_reachable"] == 2048
    assert impact["routes_accepted"] - before["routes_accepted"] == 2  # GOOD on both counted once, ONLY1
    assert impact["routes_filtered"] - before["routes_filtered"] == 2  # BAD and ASET, each once
    djoliba = next(m for m in impact["per_member"] if m["asn"] == 64496)
    assert (djoliba["accepted"], djoliba["filtered"], djoliba["space4"]) == (2, 2, 2048)
    assert djoliba["filtered_by_reason"] == {"irr_prefix": 1, "as_set": 1}  # BIRD's reason beats "treated as withdrawn"
    # ASET's origin is the last AS of its path, inside the AS_SET: not the ROA's AS64496, so invalid too
    assert djoliba["invalid_prefixes"] == [BAD, ASET] and djoliba["unregistered_prefixes"] == [BAD]

    # each route server on its own: rs2's numbers come from bgpctl (Loc-RIB, Rejected RIB, rib in error)
    was = {r["rs"]: r for r in before["per_rs"]}
    now = {r["rs"]: r for r in impact["per_rs"]}
    assert (now["rs1"]["daemon"], now["rs2"]["daemon"]) == ("bird", "openbgpd")

    def delta(rs: str, key: str) -> int:
        return now[rs][key] - was[rs][key]

    def reasons(rs: str) -> dict[str, int]:
        keys = set(now[rs]["filtered_by_reason"]) | set(was[rs]["filtered_by_reason"])
        out = {k: now[rs]["filtered_by_reason"].get(k, 0) - was[rs]["filtered_by_reason"].get(k, 0) for k in keys}
        return {k: v for k, v in out.items() if v}

    assert (delta("rs1", "accepted"), delta("rs1", "filtered"), delta("rs1", "space4")) == (2, 2, 2048)
    assert (delta("rs2", "accepted"), delta("rs2", "filtered"), delta("rs2", "space4")) == (1, 2, 1024)
    assert reasons("rs1") == {"irr_prefix": 1, "as_set": 1}
    assert reasons("rs2") == {"irr_prefix": 1, "treated_as_withdraw": 1}
    assert now["rs2"]["sessions_up"] == now["rs2"]["sessions"] > 0
    mine = [d for d in impact["disagreements"] if d["member_asn"] == 64496]
    assert mine == [{"member_asn": 64496, "prefix": ONLY1, "accepted_on": ["rs1"], "filtered_on": {},
                     "missing_on": ["rs2"]}]
    assert "| rs2 | openbgpd |" in (out / "impact.fr.md").read_text()
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
    assert actions[5]["level"] == "met"  # keep_filtered + ixp.looking_glass in inventory/mlix.yml
    for name in ("impact.en.html", "impact.fr.html", "manrs.en.html", "manrs.fr.html", "impact.fr.md", "manrs.en.md"):
        assert (out / name).stat().st_size > 1000, name
    assert "des adresses IPv4 du pays sont joignables" in (out / "impact.fr.html").read_text()
    assert "AS64496" in (out / "manrs.fr.md").read_text()
    with phone_browser() as browser:  # the page members and officials will open, from real tables
        page = browser.new_page()
        page.goto((out / "impact.fr.html").as_uri())
        assert "15" in page.locator("#card-asn-members").inner_text()
        assert "AS64508" in page.locator("#recruit-table tr").nth(1).inner_text()
        assert "openbgpd" in page.locator("#rs-table").inner_text()  # rs2's own row, read from bgpctl
        page.screenshot(path=str(artefacts() / "report-impact-mlix-lab-fr.png"), full_page=True)
