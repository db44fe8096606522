"""Communities as policy data: parsing, refusing ambiguous values, and the export half of the evaluator.

The lab's conformance suite proves the same rules against real BIRD routers; these are the fast
checks of the pieces (no root, no daemons).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ixpctl.errors import InputError
from ixpctl.policy.communities import DEFINITIONS, Communities, CommunityValues, parse_pattern
from ixpctl.policy.evaluate import PolicyEngine, Route, best_for
from ixpctl.policy.export import missing_receivers, reaches
from ixpctl.policy.loader import load_policy
from ixpctl.policy.model import Policy
from tests.support.policy_cases import M1, M2, M3, NH1, NH2, RS, policy_intent

NO_EXPORT, NO_ADVERTISE = (65535, 65281), (65535, 65282)


def write_policy(tmp_path, text):
    (tmp_path / "bogons.yml").write_text("ipv4: [10.0.0.0/8]\nipv6: [fc00::/7]\n")
    path = tmp_path / "policy.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("kind,text,fields", [
    ("std", "0:peer", (0, "peer")), ("large", "rs:101:0", ("rs", 101, 0)), ("ext", "rt:0:peer", (0, "peer")),
])
def test_parse_pattern(kind, text, fields):
    assert parse_pattern(kind, text).fields == fields


@pytest.mark.parametrize("kind,text", [("std", "65536:1"), ("std", "1:2:3"), ("large", "rs:x:1"),
                                       ("ext", "peer:1:2"), ("ext", "rt:peer:1"), ("std", "peer:peer")])
def test_parse_pattern_refuses(kind, text):
    with pytest.raises(ValueError):
        parse_pattern(kind, text)


def test_defaults_are_todays_values_and_do_not_overlap(default_policy_path):
    lp = load_policy(default_policy_path)  # the loader runs the overlap check
    v = lp.policy.communities.values
    assert (v.do_not_announce_to_peer.std, v.do_not_announce_to_peer.large) == ("0:peer", "rs:0:peer")
    assert (v.announce_to_peer.std, v.announce_to_peer.large) == ("rs:peer", "rs:1:peer")
    assert (v.prepend_twice_to_any.std, v.prepend_twice_to_peer.std) == ("65502:rs", "65512:peer")
    assert v.blackhole.std == "65535:666" and v.rpki_valid.large == "rs:1000:1"
    assert set(CommunityValues.model_fields) == {d.name for d in DEFINITIONS}


def test_overlapping_values_are_refused_with_the_line(tmp_path):
    path = write_policy(tmp_path, "version: 1\ncommunities:\n  values:\n"
                                  "    prepend_once_to_peer:\n      std: '0:peer'\n")
    with pytest.raises(InputError) as exc:
        load_policy(path)
    problem = exc.value.problems[0]
    assert "overlaps do_not_announce_to_peer" in problem.message
    assert problem.file == str(path) and problem.line == 5


@pytest.mark.parametrize("entry,value,words", [
    ("do_not_announce_to_any", "std: '0:peer'", "does not target one member"),
    ("announce_to_peer", "large: 'rs:1:5'", "must contain 'peer'"),
    ("prepend_once_to_any", "std: '65535:1'", "well-known"),
    ("add_no_export_to_any", "large: 'rs:65520:1'", "reject-reason"),
])
def test_ambiguous_values_are_refused(tmp_path, entry, value, words):
    path = write_policy(tmp_path, f"version: 1\ncommunities:\n  values:\n    {entry}:\n      {value}\n")
    with pytest.raises(InputError) as exc:
        load_policy(path)
    assert words in exc.value.problems[0].message


def test_peer_cannot_be_zero_or_the_route_server():
    """0:peer and 0:rs coexist: a member ASN is never 0 nor the RS ASN."""
    c = Communities(Policy().communities.model_dump(mode="json"), RS)
    assert c.has("do_not_announce_to_any", {(0, RS)}, set(), set())
    assert not c.has("do_not_announce_to_peer", {(0, RS)}, set(), set(), peer=M2)
    assert c.has("do_not_announce_to_peer", {(0, M2)}, set(), set(), peer=M2)


# --- export, judged per receiver ---------------------------------------------------------------

@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return PolicyEngine(policy_intent(tmp_path_factory.mktemp("comm")))


def exported(engine, route, session, receiver):
    verdict = engine.evaluate(route, session)
    assert verdict.accepted, verdict.to_json()
    return engine.export(route, verdict, receiver)


S1 = "AS64501_1_v4"
PREFIX = "198.18.0.0/22"


@pytest.mark.parametrize("std,large,to_m2,count_m2,count_other", [
    ((), (), True, 1, 1),
    (((0, M2),), (), False, 0, 1),
    ((), ((RS, 0, M2),), False, 0, 1),
    (((0, RS), (RS, M2)), (), True, 1, 0),
    ((), ((RS, 0, 0), (RS, 1, M2)), True, 1, 0),
    (((65502, RS),), (), True, 3, 3),
    (((65513, M2),), (), True, 4, 1),
    ((), ((RS, 101, M2),), True, 2, 1),
    ((), ((RS, 103, 0), (RS, 101, M2)), True, 4, 4),
])
def test_announcement_control(engine, std, large, to_m2, count_m2, count_other):
    route = Route.make(PREFIX, [M1], NH1, std, large)
    out = exported(engine, route, S1, M2)
    assert (out is not None) == to_m2
    if out:
        assert out.as_path == (M1,) * count_m2 and out.next_hop == NH1
        assert not out.communities and not out.large_communities  # control communities scrubbed
    others = [s.member_asn for s in engine.intent.sessions if s.member_asn not in (M1, M2) and s.afi == 4]
    for asn in others:
        other = exported(engine, route, S1, asn)
        assert (other.as_path if other else ()) == (M1,) * count_other


def test_no_export_and_no_advertise_added_on_export(engine):
    route = Route.make(PREFIX, [M1], NH1, [(65517, M2)], [(RS, 901, 0)])
    out = exported(engine, route, S1, M2)
    assert NO_EXPORT in out.communities and NO_ADVERTISE in out.communities


def test_member_no_export_keeps_route_from_every_member(engine):
    """BIRD's interpret communities: a route arriving with NO_EXPORT goes to no eBGP peer."""
    assert exported(engine, Route.make(PREFIX, [M1], NH1, [NO_EXPORT]), S1, M2) is None


def test_transparency_med_and_member_communities(engine):
    route = Route.make(PREFIX, [M1], NH1, [(64511, 100)], [(64510, 1, 2), (RS, 1000, 7)], med=50)
    out = exported(engine, route, S1, M2)
    assert out.med == 50 and out.communities == {(64511, 100)} and out.large_communities == {(64510, 1, 2)}
    assert RS not in out.as_path


def test_receiver_with_its_asn_in_the_path_gets_nothing(engine):
    assert exported(engine, Route.make(PREFIX, [M1, M2, M1], NH1), S1, M2) is None


def test_path_hiding_next_best_reaches_the_blocked_member(engine):
    """Two routes for one prefix; the better one says 'not to M1': M1 still gets the other one."""
    s2, s3 = engine.session_for(M2, 4), engine.session_for(M3, 4)
    best = Route.make("198.18.50.0/24", [M2], s2.neighbor, [(0, M1)])
    longer = Route.make("198.18.50.0/24", [M3, M3], s3.neighbor)  # M3 has enforce_prefix: false
    got = best_for(engine, [(best, s2), (longer, s3)], M1)
    assert got is not None and got[0] is longer and got[1].as_path == (M3, M3)
    got3 = best_for(engine, [(best, s2), (longer, s3)], M3)  # M3 is not blocked: it gets the best one
    assert got3 is not None and got3[0] is best


def test_blackhole_receive_knob(tmp_path):
    intent = policy_intent(tmp_path)
    intent.member(M3).blackhole_receive = False
    engine = PolicyEngine(intent)
    route = Route.make("198.18.50.7/32", [M2], NH2, [(65535, 666)])
    assert exported(engine, route, "AS64502_1_v4", M3) is None
    out = exported(engine, route, "AS64502_1_v4", M1)
    assert (65535, 666) in out.communities and NO_EXPORT in out.communities


# every community the export reads per receiver, for each member as the peer, plus some it does not read
_STEERING_VALUES = [(0, M1), (0, M2), (0, M3), (0, RS), (RS, M1), (RS, M2), (65535, 666), (65535, 65281),
                    (65502, RS), (64999, 1)]
_LARGE_VALUES = [(RS, 0, M1), (RS, 0, M3), (RS, 1, M2), (RS, 1000, 1), (RS, 65520, 13), (1, 2, 3)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(std=st.sets(st.sampled_from(_STEERING_VALUES), max_size=4),
       large=st.sets(st.sampled_from(_LARGE_VALUES), max_size=3),
       path=st.lists(st.sampled_from([M1, M2, M3, 64510, 64999]), min_size=0, max_size=3),
       prefix=st.sampled_from(["198.18.0.0/22", "198.18.0.0/32", "2001:db8:1000::/36"]),
       blackhole_off=st.booleans())
def test_missing_receivers_agrees_with_reaches_for_every_receiver(engine, std, large, path, prefix, blackhole_off):
    """The self-check's one-pass answer is the per-receiver one, whatever the route carries."""
    m3 = engine.intent.member(M3)
    before, m3.blackhole_receive = m3.blackhole_receive, not blackhole_off
    try:
        session = engine.session_for(M1, 6 if ":" in prefix else 4)
        route = Route.make(prefix, [M1, *path], session.neighbor, sorted(std), sorted(large))
        verdict = engine.evaluate(route, session.name)
        receivers = [M2, M3, M1, 64999, 64510]
        assert missing_receivers(engine, route, verdict, receivers) == \
            [a for a in receivers if not reaches(engine, route, verdict, a)]
    finally:
        m3.blackhole_receive = before
