"""`ixpctl apply`'s guard rails: the live routes of a route server put through the new build's
policy (the real evaluator on the real intent of the test IXP), and the thresholds that refuse."""

from __future__ import annotations

from ixpctl.apply.guard import impact, refusals
from ixpctl.apply.live import LiveState
from ixpctl.apply.rollout import not_settled
from ixpctl.inventory.apply_config import Guard, Rollout
from ixpctl.verify.model import ChannelStats, RouteEntry, Session
from tests.support.policy_cases import M1, M2, M3, NH1, NH2, NH3, policy_intent


def _session(name: str, asn: int, imported: int = 0, up: bool = True) -> Session:
    return Session(name, "BGP", "master4", "up" if up else "start", None, "Established" if up else "Active",
                   neighbor_asn=asn, channels=[ChannelStats("ipv4", imported=imported)])


def _route(prefix: str, protocol: str, path: list[int], nh: str, filtered: bool = False) -> RouteEntry:
    return RouteEntry(prefix, protocol, "master4", True, filtered, as_path=(("seq", tuple(path)),), next_hop=nh)


def _live() -> LiveState:
    live = LiveState("rs1", {s.name: s for s in [
        _session("AS64501_1_v4", M1, 2), _session("AS64502_1_v4", M2, 1), _session("AS64503_1_v4", M3, 0),
        _session("AS64504_1_v4", 64504, 1)]})
    live.accepted = [
        _route("198.18.0.0/22", "AS64501_1_v4", [M1], NH1),  # valid: stays
        _route("198.18.30.0/24", "AS64501_1_v4", [M1], NH1),  # the new VRP says AS64999: RPKI invalid
        _route("198.18.50.0/24", "AS64502_1_v4", [M2], NH2),  # stays
        _route("198.18.70.0/24", "AS64504_1_v4", [64504], "192.0.2.14"),  # its member is gone from the build
    ]
    live.filtered = [_route("198.18.10.0/24", "AS64501_1_v4", [M1], NH1, filtered=True),  # now registered: fixed
                     _route("198.18.60.0/24", "AS64503_1_v4", [M3], NH3, filtered=True)]  # black-listed: stays
    return live


def test_impact_predicts_removed_fixed_and_sessions(tmp_path):
    imp = impact(_live(), policy_intent(tmp_path))
    removed = {(m.prefix, m.code) for m in imp.removed}
    assert removed == {("198.18.30.0/24", 14), ("198.18.70.0/24", None)}
    assert next(m for m in imp.removed if m.code == 14).reason == "RPKI invalid"
    assert [m.prefix for m in imp.fixed] == ["198.18.10.0/24"]
    assert imp.sessions_removed == ["AS64504_1_v4"]
    assert "AS64502_2_v4" in imp.sessions_added and "AS64501_1_v6" in imp.sessions_added
    assert imp.wiped_members == [64504]  # AS64501 keeps one route: not wiped
    # the rollout's yardstick: 2 - 1 removed + 1 fixed
    assert imp.expected == {"AS64501_1_v4": 2, "AS64502_1_v4": 1, "AS64503_1_v4": 0}
    assert imp.removed_share == 0.5


def test_refusals_name_each_threshold(tmp_path):
    imp = impact(_live(), policy_intent(tmp_path))
    why = refusals([imp], Guard(), {64504: "Gone Networks"})
    assert any("remove 2 of the 4 accepted routes (50%" in w and "max_removed_share = 10%" in w for w in why)
    assert any("every accepted route of AS64504 Gone Networks" in w for w in why)
    assert not any("flip" in w for w in why)  # 5 flips, the default limit is 10
    assert any("flip 5 sessions" in w for w in refusals([imp], Guard(max_session_flips=4), {}))
    assert refusals([imp], Guard(max_removed_share=0.6, refuse_member_wipe=False), {}) == []


def test_settled_needs_sessions_and_counts_within_tolerance(tmp_path):
    before = _live()
    imp = impact(before, policy_intent(tmp_path))
    awaited = before.established() - set(imp.sessions_removed)
    after = LiveState("rs1", {s.name: s for s in [
        _session("AS64501_1_v4", M1, 2), _session("AS64502_1_v4", M2, 1), _session("AS64503_1_v4", M3, 0)]})
    assert not_settled(after, awaited, imp, Rollout()) == []
    after.sessions["AS64501_1_v4"] = _session("AS64501_1_v4", M1, 1)
    assert not_settled(after, awaited, imp, Rollout()) == [
        "session AS64501_1_v4 accepts 1 routes, expected 2 (at least 2 with apply.rollout.accepted_tolerance)"]
    assert not_settled(after, awaited, imp, Rollout(accepted_tolerance=0.5)) == []
    after.sessions["AS64502_1_v4"] = _session("AS64502_1_v4", M2, 0, up=False)
    assert "session AS64502_1_v4 is not Established" in not_settled(after, awaited, imp, Rollout(accepted_tolerance=0.5))


def test_session_down_alerts_once_past_the_threshold(tmp_path):
    from datetime import UTC, datetime, timedelta

    from ixpctl.apply.sessions import down_alerts

    t0 = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
    live = LiveState("rs1", {"AS64502_1_v4": _session("AS64502_1_v4", M2, up=False),
                             "AS64501_1_v4": _session("AS64501_1_v4", M1, 1)})
    assert down_alerts(tmp_path, {"rs1": live}, 30, now=t0) == []  # first seen down: noted
    assert down_alerts(tmp_path, {"rs1": live}, 30, now=t0 + timedelta(minutes=29)) == []
    alerts = down_alerts(tmp_path, {"rs1": live}, 30, now=t0 + timedelta(minutes=31))
    assert alerts == [("session down", ("rs1: session AS64502_1_v4 (AS64502) has been down since "
                                       "2026-12-04T06:00:00+00:00"))]
    assert down_alerts(tmp_path, {"rs1": live}, 30, now=t0 + timedelta(minutes=90)) == []  # once
    live.sessions["AS64502_1_v4"] = _session("AS64502_1_v4", M2, 1)  # back up: forgotten
    assert down_alerts(tmp_path, {"rs1": live}, 30, now=t0 + timedelta(minutes=91)) == []
    live.sessions["AS64502_1_v4"] = _session("AS64502_1_v4", M2, up=False)
    assert down_alerts(tmp_path, {"rs1": live}, 30, now=t0 + timedelta(minutes=100)) == []  # a new outage


def test_news_since_the_last_run_rtr_flaps_and_both_route_servers(tmp_path):
    from ixpctl.apply.news import changes, load_baseline, save_baseline

    def filtered(prefix, protocol, asn_path, code):
        r = _route(prefix, protocol, asn_path, NH1, filtered=True)
        r.large_communities = [(64500, 65520, code)]
        return r

    def state(accepted, bad, up=True):
        live = LiveState("rs", {"AS64501_1_v4": _session("AS64501_1_v4", M1, len(accepted), up=up)})
        live.accepted, live.filtered = accepted, bad
        return live

    ok = _route("198.18.1.0/24", "AS64501_1_v4", [M1], NH1)
    invalid = filtered("198.18.1.0/24", "AS64501_1_v4", [M1], 14)
    first = {"rs1": state([ok], []), "rs2": state([ok], [])}
    assert load_baseline(tmp_path) is None
    save_baseline(tmp_path, first, 64500, None)
    # a ROA over RTR: BIRD filters the route with no new config
    day = {"rs1": state([], [invalid]), "rs2": state([], [invalid])}
    news = changes(load_baseline(tmp_path), day, 64500)
    assert news.filtered == {M1: {"198.18.1.0/24": ([M1], 14)}} and news.fixed == {}
    save_baseline(tmp_path, day, 64500, load_baseline(tmp_path))
    assert changes(load_baseline(tmp_path), day, 64500).filtered == {}  # told once
    # the session flaps: its routes vanish, the known state stays, and nothing is news when it is back
    down = {"rs1": state([], [], up=False), "rs2": state([], [invalid])}
    save_baseline(tmp_path, down, 64500, load_baseline(tmp_path))
    assert changes(load_baseline(tmp_path), day, 64500).filtered == {}
    # fixed on rs1 only: not fixed yet; fixed on both: fixed
    half = {"rs1": state([ok], []), "rs2": state([], [invalid])}
    assert changes(load_baseline(tmp_path), half, 64500).fixed == {}
    both = changes(load_baseline(tmp_path), first, 64500)
    assert both.fixed == {M1: {"198.18.1.0/24": [M1]}} and both.filtered == {}
