"""Each route server's own numbers, the routes two route servers disagree on, and MANRS Actions 3
(with a switch-audit state file) and 5 (a looking glass in the inventory), against the small
hand-computed example of test_report_impact.py (RIR file, inventory, facts).

rs1 (BIRD) and rs2 (OpenBGPD) below:
  AS64501 10.1.0.0/22   accepted on both                      -> counted once, no disagreement
  AS64501 10.1.1.0/24   accepted on rs1; rs2 has AS64501 up but not the route -> missing on rs2
  AS64502 10.2.0.0/23   accepted on rs1, filtered irr_prefix on rs2 -> a disagreement
  AS64502 10.2.2.0/24   filtered on rs1 (irr_prefix) and on rs2 (no reason: bgpd's treat-as-withdraw)
                        -> one filtered route, reason irr_prefix (the one that says why)
  AS64503 10.3.0.0/21   accepted on rs2 only; AS64503 has no session on rs1 -> no disagreement
Country IPv4 via rs1: 10.1.0.0/22 (1024) + 10.2.0.0/23 (512) = 1536; via rs2: 1024 + 10.3.0.0/21 (2048) = 3072.
"""

from __future__ import annotations

import json

import pytest

from ixpctl.errors import InputError
from ixpctl.policy.model import Policy
from ixpctl.report.assemble import assemble
from ixpctl.report.audit_state import read_audit_state
from ixpctl.report.impact import compute
from ixpctl.report.manrs import action3, action5
from ixpctl.report.render import render_impact
from ixpctl.report.state import RsRoute, RsServer, RsSession, RsState
from ixpctl.sources.rir import parse
from tests.unit.test_report_impact import RIR, _facts, _inventory


def _state() -> RsState:
    r = RsRoute
    return RsState(
        "2026-12-01T10:00:00Z", ["rs1", "rs2"],
        [RsSession("rs1", "AS64501_1_v4", 64501, True), RsSession("rs2", "AS64501_1_v4", 64501, True),
         RsSession("rs1", "AS64502_1_v4", 64502, True), RsSession("rs2", "AS64502_1_v4", 64502, True),
         RsSession("rs2", "AS64503_1_v4", 64503, True)],
        [r("rs1", 64501, "10.1.0.0/22", True, None, 64501), r("rs2", 64501, "10.1.0.0/22", True, None, 64501),
         r("rs1", 64501, "10.1.1.0/24", True, None, 64501),
         r("rs1", 64502, "10.2.0.0/23", True, None, 64502),
         r("rs2", 64502, "10.2.0.0/23", False, "irr_prefix", 64502),
         r("rs2", 64502, "10.2.2.0/24", False, "unknown", 64502),  # sorted before rs1's: the reason still wins
         r("rs1", 64502, "10.2.2.0/24", False, "irr_prefix", 64502),
         r("rs2", 64503, "10.3.0.0/21", True, None, 64600)],
        [RsServer("rs1", "bird", "rs1.sock"), RsServer("rs2", "openbgpd", "rs2.sock")])


@pytest.fixture(scope="module")
def impact():
    return compute(_inventory(), _facts(), parse(RIR, "ML"), _state())


def test_routes_counted_once_and_the_reason_that_says_why(impact):
    assert (impact.routes_accepted, impact.routes_filtered) == (4, 1)
    assert impact.filtered_by_reason == {"irr_prefix": 1}
    assert impact.space4_reachable == 1024 + 512 + 2048


def test_each_route_server_on_its_own(impact):
    by = {s.rs: s for s in impact.per_rs}
    assert [s.rs for s in impact.per_rs] == ["rs1", "rs2"]
    one, two = by["rs1"], by["rs2"]
    assert (one.daemon, one.sessions_up, one.sessions, one.members_sending) == ("bird", 2, 2, 2)
    assert (one.accepted, one.filtered, one.filtered_by_reason) == (3, 1, {"irr_prefix": 1})
    assert (two.daemon, two.sessions_up, two.sessions, two.members_sending) == ("openbgpd", 3, 3, 2)
    assert (two.accepted, two.filtered, two.filtered_by_reason) == (2, 2, {"irr_prefix": 1, "unknown": 1})
    assert (one.space4, two.space4) == (1536, 3072)


def test_disagreements(impact):
    rows = [(d.member_asn, d.prefix, d.accepted_on, d.filtered_on, d.missing_on) for d in impact.disagreements]
    assert rows == [(64501, "10.1.1.0/24", ["rs1"], {}, ["rs2"]),
                    (64502, "10.2.0.0/23", ["rs1"], {"rs2": "irr_prefix"}, [])]
    assert impact.disagreements_total == 2
    data = impact.to_json()
    assert data["per_rs"][1]["daemon"] == "openbgpd" and data["disagreements"][1]["filtered_on"] == {"rs2": "irr_prefix"}


def test_the_pages_show_both_route_servers():
    report = assemble(_inventory(), Policy(), _facts(), (parse(RIR, "ML"), None), _state())
    fr = render_impact(report, "fr", "md")
    assert "## Par serveur de routes" in fr and "| rs2 | openbgpd | 3/3 | 2 | 2 | 2 |" in fr
    assert "2 routes acceptées par un serveur de routes et filtrées par un autre" in fr
    html = render_impact(report, "en", "html")
    assert 'id="rs-table"' in html and "<td>rs1</td><td>bird</td>" in html and "<td>rs2</td><td>openbgpd</td>" in html


def test_state_file_keeps_the_daemons(tmp_path):
    path = tmp_path / "state.json"
    _state().write(path)
    back = RsState.read(path)
    assert back.servers == _state().servers and back.daemon("rs2") == "openbgpd"
    data = json.loads(path.read_text())
    del data["servers"]  # a state file of the previous version
    path.write_text(json.dumps(data))
    old = RsState.read(path)
    assert old.servers == [] and compute(_inventory(), _facts(), None, old).per_rs[1].daemon is None


def test_action5_met_with_a_looking_glass():
    inventory = _inventory()
    assert action5(inventory, Policy()).level == "partly"
    inventory.ixp.looking_glass = "https://lg.example.net/"
    act = action5(inventory, Policy())
    assert act.level == "met" and not act.todo
    assert "https://lg.example.net/" in act.evidence[1].en and "looking glass pour les membres" in act.evidence[1].fr


def test_looking_glass_must_be_a_web_address():
    from pydantic import ValidationError

    from ixpctl.inventory.models import Inventory
    from tests.support.builders import base_inventory

    data = base_inventory(1)
    data["ixp"]["looking_glass"] = "javascript:alert(1)"
    with pytest.raises(ValidationError, match="looking_glass"):
        Inventory.model_validate(data)


def test_action3_uses_the_last_switch_audit(tmp_path):
    inventory = _inventory()  # sw1, every member port with its MAC
    assert action3(inventory).level == "met"
    path = tmp_path / "audit-state.json"
    finding = {"kind": "unknown-mac", "switch": "sw1", "port": "Ethernet1",
               "detail": "02:00:00:00:00:99 is not a registered MAC of AS64501", "member_asn": 64501}
    path.write_text(json.dumps({"sw1": {"taken_at": 1764800000.0, "counters": {}, "findings": [finding],
                                        "error": None}, "_written": 1764800001.0}))
    act = action3(inventory, read_audit_state(path))
    assert act.level == "partly" and act.switches[0]["audit"]["violations"] == {"unknown-mac": 1}
    assert "sw1 (unknown-mac 1)" in act.evidence[-1].en and "dernier audit" in act.evidence[-1].fr
    clean = {"kind": "member-port-down", "switch": "sw1", "port": "Ethernet2", "detail": "no link"}
    path.write_text(json.dumps({"sw1": {"taken_at": 1764800000.0, "counters": {}, "findings": [clean]}}))
    assert action3(inventory, read_audit_state(path)).level == "met"  # a port down is not a policy breach
    path.write_text(json.dumps({"sw1": {"taken_at": 1764800000.0, "counters": {}, "findings": [],
                                        "error": "sw1: connect failed: timeout", "error_at": 1764800100.0}}))
    act = action3(inventory, read_audit_state(path))
    assert act.level == "partly" and act.switches[0]["audit"] == {"read": False, "why": "sw1: connect failed: timeout"}
    path.write_text(json.dumps({"sw1": {"taken_at": 1764800000.0, "counters": {}}}))  # before findings were kept
    assert action3(inventory, read_audit_state(path)).level == "partly"


def test_a_bad_audit_state_names_the_file(tmp_path):
    path = tmp_path / "audit-state.json"
    path.write_text('{"sw1": {"findings": "many"}}')
    with pytest.raises(InputError, match="audit-state.json is not an `ixpctl switch audit` state file"):
        read_audit_state(path)


def _cli(*args: str):
    from click.testing import CliRunner

    from ixpctl.cli import main
    from tests.conftest import REPO

    return CliRunner().invoke(main, ["-i", str(REPO / "inventory"), "-p", str(REPO / "policies/default.yml"),
                                     "report", "impact", *args], catch_exceptions=False)


def test_a_bad_daemon_is_refused_with_the_fix(tmp_path):
    result = _cli("--socket", f"rs2={tmp_path / 'bgpd.sock'}", "--daemon", "rs2=frr", "-o", str(tmp_path))
    assert result.exit_code == 2 and "expected NAME=bird or NAME=openbgpd" in result.output
    assert not list(tmp_path.iterdir()), "nothing written"


def test_an_unreachable_openbgpd_socket_names_the_route_server_and_daemon(tmp_path):
    # rs2 is OpenBGPD in inventory/mlix.yml: read with bgpctl, whose error is reported (exit 3)
    result = _cli("--socket", f"rs2={tmp_path / 'bgpd.sock'}", "-o", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    assert "cannot read route server rs2 (openbgpd" in result.output and not (tmp_path / "out").exists()


def test_the_manrs_pages_show_the_last_audit(tmp_path):
    from ixpctl.report.render import render_manrs

    path = tmp_path / "audit-state.json"
    finding = {"kind": "wrong-port", "switch": "sw1", "port": "Ethernet2", "detail": "x", "member_asn": 64502}
    path.write_text(json.dumps({"sw1": {"taken_at": 1764800000.0, "counters": {}, "findings": [finding]}}))
    report = assemble(_inventory(), Policy(), _facts(), (parse(RIR, "ML"), None), _state(), audit=read_audit_state(path))
    fr = render_manrs(report, "fr", "md")
    assert "Dernier audit\u00a0: 2025-12-03 22:13 UTC, wrong-port 1" in fr
    assert "<th>Last switch audit</th>" in render_manrs(report, "en", "html")
