"""The route-server lab: real route servers (MLIX: rs1 on BIRD, rs2 on OpenBGPD), BIRD/GoBGP/ExaBGP
members, StayRTR (RTR to both), in namespaces.

Order matters and is the file order: read-only checks, the scenarios, the differential test, then
the destructive max-prefix scenario (it leaves AS65537's IPv4 session down for 15 minutes).
"""

from __future__ import annotations

import collections
import os
import time

import pytest

from ixpctl.lab.differential import compare, random_routes
from ixpctl.lab.scenarios import Runner, load_scenarios, scenario_files
from ixpctl.lab.state import LabState, list_namespaces
from ixpctl.verify import BirdError, RouteServerClient
from tests.conftest import REPO

pytestmark = pytest.mark.lab

SCENARIOS = load_scenarios(scenario_files(REPO / "lab" / "scenarios"))


def _report(results) -> str:
    return "\n".join(f"{'PASS' if r.ok else 'FAIL'} {r.scenario}[{r.step}] {r.expectation}: {r.detail}"
                     for r in results if not r.ok)


def test_every_session_established_with_typed_data(lab):
    assert {rs: lab.daemon(rs) for rs in lab.rs_names} == {"rs1": "bird", "rs2": "openbgpd"}  # inventory/mlix.yml
    for rs in lab.rs_names:
        client = lab.rs(rs)
        bird = lab.daemon(rs) == "bird"
        intent = lab.intent(rs)
        if bird:
            status = client.status()  # pybird
            assert status.version == intent.bird_version == "2.0.12"  # the BIRD of its bird_version
        sessions = client.sessions()
        assert {s.name for s in sessions} == {s.name for s in intent.sessions}
        by_name = {s.name: s for s in intent.sessions}
        for s in sessions:
            assert s.established, (rs, s.name, s.info, s.problem)
            assert s.neighbor == by_name[s.name].neighbor
            assert s.neighbor_asn == by_name[s.name].member_asn and s.local_asn == (64500 if bird else None)
            assert len(s.channels) == 1 and s.channels[0].import_limit == by_name[s.name].import_limit
        rpki = [p for p in client.protocols() if p.proto == "RPKI"]
        assert rpki and rpki[0].info == "Established"


def test_verify_counts_match_routes_and_errors_raise(lab):
    client = lab.rs("rs1")
    session = client.session("AS64497_1_v4")
    routes = client.routes(protocol="AS64497_1_v4")
    assert len(routes) == session.channels[0].imported > 0
    assert all(r.protocol == "AS64497_1_v4" and r.as_path[0][1][0] == 64497 for r in routes)
    with pytest.raises(BirdError):
        client.session("NO_SUCH_SESSION")
    with pytest.raises(BirdError):
        client.member_routes(65099)
    with pytest.raises(BirdError):
        RouteServerClient("/nonexistent/bird.ctl").sessions()
    with pytest.raises(BirdError):  # BIRD refuses the command: an error, never an empty list
        client.control.query("show route protocol NO_SUCH_PROTOCOL")


def test_scenarios(lab):
    started = time.monotonic()
    results = Runner(lab).run([s for s in SCENARIOS if not s.destructive], include_destructive=False)
    assert results and all(r.ok for r in results), _report(results)
    names = {r.scenario for r in results}
    assert {"accepted-v4", "accepted-v6", "as-set-in-path", "rpki-change-while-running"} <= names
    assert time.monotonic() - started < 60


def test_members_receive_identical_routes_from_bird_and_openbgpd(lab):
    from ixpctl.lab.equivalence import compare_route_servers

    result = compare_route_servers(lab)
    assert [d.split()[0] for d in result.route_servers.values()] == ["BIRD", "OpenBGPD"] and result.receivers >= 5
    assert result.routes >= 50 and result.identical, "\n".join(map(str, result.differences[:20]))


def test_differential_bird_vs_evaluator(lab):
    seed = int(os.environ.get("IXPCTL_DIFF_SEED", "20261122"))
    member = next(n for n in lab.state.info["members"] if n["speaker"] == "exabgp")
    sp = lab.speaker(member["asn"])
    routes = random_routes(lab.intent("rs1"), member["asn"], sp.own_address(4), member["ipv6"], 200, seed)
    assert len(routes) == 200
    assert any(k == "set" for a in routes for k, _ in a.as_path)
    mismatches, compared = compare(lab, member["asn"], routes)
    assert compared == 200 * len(lab.rs_names)
    assert not mismatches, f"seed {seed}: " + "\n".join(map(str, mismatches[:20]))
    # the sample exercises many checks, not just one
    from ixpctl.policy.evaluate import PolicyEngine, Route
    engine = PolicyEngine(lab.intent("rs1"), vrps=lab.read_vrps())
    reasons = collections.Counter(
        engine.evaluate(Route.make(a.prefix, a.as_path, a.next_hop or sp.own_address(a.afi), a.communities,
                                   a.large_communities), engine.session_for(member["asn"], a.afi)).check or "accepted"
        for a in routes)
    assert reasons["accepted"] >= 10 and len(reasons) >= 8, reasons


def test_max_prefix_restart_destructive(lab):
    try:
        results = Runner(lab).run([s for s in SCENARIOS if s.destructive])
        assert results and all(r.ok for r in results), _report(results)
    finally:
        _restore_after_max_prefix(lab)


def _restore_after_max_prefix(lab) -> None:
    """The lab is shared by the whole session: the member over its limit withdraws the extra route
    and its sessions are restarted at once (instead of after the restart timer), so the tests after
    this one (serve, reports) see every session Established again."""
    import subprocess

    lab.speaker(65537).withdraw(["198.18.88.0/21"])
    for rs in lab.state.info["route_servers"]:
        for s in lab.rs(rs["name"]).member_sessions(65537):
            if s.established:
                continue
            if rs.get("daemon") == "openbgpd":
                cmd = [rs.get("bgpctl", "bgpctl"), "-s", rs["socket"], "neighbor", str(s.neighbor), "clear"]
            else:
                cmd = ["birdc", "-s", rs["socket"], "restart", s.name]
            subprocess.run(cmd, check=False, capture_output=True, timeout=30)
    lab.wait_established(timeout=120)


def test_state_down_removes_exactly_what_it_recorded(tmp_path):
    state = LabState.create(tmp_path)
    ns = state.add_namespace("probe")
    rec = state.spawn("sleeper", ns, ["sleep", "60"])
    assert state.alive(rec) and ns in list_namespaces()
    done = state.down()
    assert not state.alive(rec) and ns not in list_namespaces()
    assert any("sleeper" in d for d in done) and any(ns in d for d in done)
    assert state.down() == []  # idempotent: nothing left to do
