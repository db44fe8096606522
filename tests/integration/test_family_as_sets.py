"""Per-family AS-SETs (``as_set`` for IPv4, ``as_set_ipv6: AS-FOO-V6``): each family's prefix filter
AND origin check hold only its own set's expansion (the union used to widen both); the refresh
expands both; the evaluator and a real BIRD decide the same. OpenBGPD renders the same per-family
prefix and origin sets (``prefix_set4``/``prefix_set6``, ``origin_set``/``origin_set6``) and ``bgpd -n``
accepts them; the conformance lab (lab/conformance, cases irr-origin-per-family-*) judges both
daemons at the receiving members. A member without per-family sets keeps one origin set."""

from __future__ import annotations

import shutil

import pytest

from ixpctl.inventory import load_inventory
from ixpctl.policy.evaluate import PolicyEngine, Route
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.sources import irr
from ixpctl.sources.facts import IrrExpansion
from tests.support.bird_harness import BirdHarness
from tests.support.builders import base_inventory, make_member, write_inventory
from tests.support.policy_cases import REPO, policy_facts

pytestmark = [pytest.mark.integration]
ASN = 64504


def _setup(tmp_path):
    data = base_inventory(members=1)
    data["members"].append({**make_member(4), "as_set": "RIPE::AS-FOUR", "as_set_ipv6": "RIPE::AS-FOUR-V6"})
    loaded = load_inventory(write_inventory(tmp_path / "inv", data))
    facts = policy_facts()
    # the IPv4 set also lists an IPv6 route object, and the IPv6 set an IPv4 one: neither may leak
    facts.irr["RIPE::AS-FOUR"] = IrrExpansion("RIPE::AS-FOUR", [ASN], [("198.18.80.0/24", 24, 24)],
                                              [("2001:db8:4444::/48", 48, 48)])
    facts.irr["RIPE::AS-FOUR-V6"] = IrrExpansion("RIPE::AS-FOUR-V6", [ASN, 64510], [("198.18.81.0/24", 24, 24)],
                                                 [("2001:db8:6666::/48", 48, 48)])
    policy = load_policy(REPO / "policies" / "default.yml")
    return loaded, compile_route_server(loaded, policy, facts, loaded.inventory.route_servers[0])


def test_each_family_uses_its_own_set(tmp_path):
    loaded, intent = _setup(tmp_path)
    member = loaded.inventory.member(ASN)
    assert member.as_set_ipv6 == ["RIPE::AS-FOUR-V6"]
    assert irr.member_queries(member, None) == ["RIPE::AS-FOUR", "RIPE::AS-FOUR-V6"]  # both refreshed
    mi = next(m for m in intent.members if m.asn == ASN)
    assert [e[0] for e in intent.prefix_set(mi.prefix_set4).entries] == ["198.18.80.0/24"]
    assert [e[0] for e in intent.prefix_set(mi.prefix_set6).entries] == ["2001:db8:6666::/48"]
    # origins per family too: 64510 is only in the IPv6 set
    assert sorted(intent.asn_set(mi.origin_set_for(4)).asns) == [ASN]
    assert sorted(intent.asn_set(mi.origin_set_for(6)).asns) == [ASN, 64510]
    plain = next(m for m in intent.members if m.asn != ASN)
    assert plain.origin_set6 is None and plain.origin_set_for(6) == plain.origin_set


def test_same_origins_in_both_families_keep_one_set(tmp_path):
    data = base_inventory(members=0)
    data["members"].append({**make_member(4), "as_set": "RIPE::AS-FOUR", "as_set_ipv6": "RIPE::AS-FOUR-V6"})
    loaded = load_inventory(write_inventory(tmp_path / "inv", data))
    facts = policy_facts()
    facts.irr["RIPE::AS-FOUR"] = IrrExpansion("RIPE::AS-FOUR", [ASN], [("198.18.80.0/24", 24, 24)], [])
    facts.irr["RIPE::AS-FOUR-V6"] = IrrExpansion("RIPE::AS-FOUR-V6", [ASN], [], [("2001:db8:6666::/48", 48, 48)])
    intent = compile_route_server(loaded, load_policy(REPO / "policies" / "default.yml"), facts,
                                  loaded.inventory.route_servers[0])
    mi = intent.member(ASN)
    assert mi.origin_set6 is None and intent.asn_set(mi.origin_set).asns == [ASN]


@pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")
def test_bird_and_the_evaluator_agree(tmp_path):
    _loaded, intent = _setup(tmp_path)
    s4 = next(s for s in intent.sessions if s.member_asn == ASN and s.afi == 4)
    s6 = next(s for s in intent.sessions if s.member_asn == ASN and s.afi == 6)
    cases = [(s4.name, Route.make("198.18.80.0/24", [ASN], s4.neighbor), True),
             (s4.name, Route.make("198.18.81.0/24", [ASN], s4.neighbor), False),  # the IPv6 set's
             (s6.name, Route.make("2001:db8:6666::/48", [ASN], s6.neighbor), True),
             (s6.name, Route.make("2001:db8:4444::/48", [ASN], s6.neighbor), False),  # the IPv4 set's
             # the origin check: 64510 is only in the IPv6 AS-SET
             (s6.name, Route.make("2001:db8:6666::/48", [ASN, 64510], s6.neighbor), True),
             (s4.name, Route.make("198.18.80.0/24", [ASN, 64510], s4.neighbor), False)]
    engine = PolicyEngine(intent)
    (tmp_path / "bird").mkdir()
    bird = BirdHarness(tmp_path / "bird").run(intent, [(s, r) for s, r, _ in cases])
    for i, (session, route, accepted) in enumerate(cases):
        verdict = engine.evaluate(route, session)
        assert verdict.accepted == accepted == bird[i].accepted, (route.prefix, verdict)
        assert bird[i].large_communities == verdict.large_communities
    assert engine.evaluate(cases[-1][1], s4.name).check == "irr_origin"


@pytest.mark.skipif(shutil.which("bgpd") is None, reason="bgpd (Debian openbgpd) not installed")
def test_openbgpd_checks_each_family_against_its_own_origins(tmp_path):
    """The rendered rules: IPv4 routes against origin_set, IPv6 ones against origin_set6; bgpd -n
    accepts the file. Route by route, the conformance lab judges it (irr-origin-per-family-*)."""
    from ixpctl.deploy.bgpd_binaries import openbgpd_for
    from ixpctl.deploy.bgpd_check import check_bgpd_config
    from ixpctl.render.openbgpd import render_route_server

    _loaded, intent = _setup(tmp_path)
    mi = intent.member(ASN)
    text = render_route_server(intent)
    group = f'group "AS{ASN}"'
    reason = f"large-community {intent.rs_asn}:{intent.policy['communities']['reject_reason_base']}:9"
    assert f"\nmatch from ebgp set {reason}\n" in text  # the check's mark, a rule of its own
    assert f"{group} prefix 0.0.0.0/0 or-longer source-as as-set {mi.origin_set} set" in text
    assert f"{group} prefix ::/0 or-longer source-as as-set {mi.origin_set6} set" in text
    plain = next(m for m in intent.members if m.asn != ASN)
    assert f'group "AS{plain.asn}" source-as as-set {plain.origin_set} set' in text
    conf = tmp_path / "bgpd.conf"
    conf.write_text(text)
    conf.chmod(0o600)
    # the bgpd of the version the config was rendered for (Debian 13's own bgpd is 8.8)
    check_bgpd_config(conf, openbgpd_for(intent.openbgpd_version).bgpd)


def test_analysis_tools_read_each_family_s_origins(tmp_path):
    """selfcheck's sample announcements, the semantic diff's member view and the lab's random routes
    take the origins of the route's family."""
    from ixpctl.analysis.diff_compare import _intent_view
    from ixpctl.analysis.selfcheck import VrpIndex, irr_announcements
    from ixpctl.lab.differential import random_routes

    _loaded, intent = _setup(tmp_path)
    # a ROA names 64510 for one prefix of each family: only IPv6 may use it as the origin
    vrps = VrpIndex([("198.18.80.0/24", 24, 64510), ("2001:db8:6666::/48", 48, 64510)])
    paths = {a.prefix: a.path for a in irr_announcements(intent, policy_facts(), ASN, vrps)}
    assert paths == {"198.18.80.0/24": [ASN], "2001:db8:6666::/48": [ASN, 64510]}
    view = _intent_view(intent, intent.member(ASN))
    assert view["origin_asns"] == [ASN] and view["origin_asns6"] == [ASN, 64510]
    routes = random_routes(intent, ASN, "198.18.80.0/24", "2001:db8:6666::/48", 40, seed=7)
    assert len(routes) > 10
