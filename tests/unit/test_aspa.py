"""ASPA: records from validators' JSON, kept in the facts snapshot (old snapshots still read), the
upstream verification with BIRD's semantics, and the evaluator's check (tag or reject, code 21,
only where the target BIRD runs ASPA)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ixpctl.policy.chain import BY_NAME, CHAIN
from ixpctl.policy.evaluate import PolicyEngine, Route
from ixpctl.policy.intent import ASPA_MIN_BIRD, for_bird
from ixpctl.render.bird_versions import TARGETS
from ixpctl.sources.aspa import aspa_table, aspa_upstream
from ixpctl.sources.facts import Facts, Provenance
from ixpctl.sources.rpki import parse_vrps
from ixpctl.sources.snapshot import read_snapshot
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.policy_cases import ASPA_CASES, M1, NH1, RS, S1, policy_intent

ROA = {"prefix": "198.18.0.0/24", "maxLength": 24, "asn": "AS64496"}


def test_code_21_follows_rpki_in_the_chain():
    names = [c.name for c in CHAIN]
    assert names.index("aspa") == names.index("rpki_invalid") + 1
    assert BY_NAME["aspa"].code == 21 == max(c.code for c in CHAIN)
    assert len({c.code for c in CHAIN}) == len(CHAIN)
    assert BY_NAME["aspa"].title_fr and BY_NAME["aspa"].explain_fr and BY_NAME["aspa"].fix_fr


def test_aspa_threshold_in_step_with_the_capabilities_table():
    for t in TARGETS:
        assert t.aspa == (t.series >= ASPA_MIN_BIRD), t


@pytest.mark.parametrize("shape", [
    {"aspas": [{"customer_asid": 64510, "expires": 1, "providers": [64501, 64507]}]},
    {"aspas": [{"customer_asid": 64510, "provider_set": [{"asid": 64507, "afi_limit": "none"},
                                                         {"asid": 64501, "afi_limit": "ipv4"}]}]},
    {"aspas": [{"customer": "AS64510", "providers": ["AS64507", "AS64501"]}]},
    {"provider_authorizations": {"ipv4": [{"customer_asid": 64510, "providers": [64501]}],
                                 "ipv6": [{"customer_asid": 64510, "providers": [64507]}]}},
])
def test_validator_json_shapes(shape):
    load = parse_vrps(json.dumps({"roas": [ROA], **shape}))
    assert load.aspas == [(64510, (64501, 64507))]
    assert load.counts["aspas"] == 1 and load.rejected == 0


def test_malformed_aspa_is_skipped_and_counted_and_as0_means_no_provider():
    load = parse_vrps(json.dumps({"roas": [ROA], "aspas": [
        {"customer_asid": "ASx", "providers": [1]}, {"customer_asid": 0, "providers": [1]},
        {"customer_asid": 64511, "providers": [0]}]}))
    assert load.aspas == [(64511, ())]
    assert load.rejected == 2 and all("ASPA" in e for e in load.reject_examples)
    assert "aspas" not in parse_vrps(json.dumps({"roas": [ROA]})).counts  # no ASPA: counts unchanged


def test_upstream_verification_like_bird():
    table = aspa_table([(64510, (64501, 64507)), (64505, ())])
    assert aspa_upstream([64501], table) == "valid"  # the neighbour alone
    assert aspa_upstream([64501, 64510], table) == "valid"
    assert aspa_upstream([64501, 64501, 64510, 64510], table) == "valid"  # prepends count once
    assert aspa_upstream([64501, 64507, 64510], table) == "unknown"  # 64507 published nothing
    assert aspa_upstream([64501, 64508, 64510], table) == "invalid"  # 64510 does not list 64508
    assert aspa_upstream([64501, 64505], table) == "invalid"  # 64505: no provider at all
    assert aspa_upstream(None, table) == aspa_upstream([], table) == "invalid"  # AS_SET / empty


def test_snapshot_keeps_aspas_and_old_snapshots_still_read(tmp_path):
    facts = Facts(vrps=[("198.18.0.0/24", 24, 64496)], aspas=[(64510, (64501, 64507)), (64511, ())])
    facts.provenance["rpki"] = Provenance("rpki", "test", "2026-11-22T00:00:00Z", "0" * 64)
    write_snapshot(facts, tmp_path / "new")
    text = (tmp_path / "new" / "rpki.json").read_text()
    assert '"AS64510 > AS64501 AS64507"' in text and '"AS64511 >"' in text
    assert read_snapshot(tmp_path / "new").aspas == facts.aspas
    manifest = json.loads((tmp_path / "new" / "manifest.json").read_text())
    assert manifest["sources"]["rpki"]["entries"]["aspas"] == 2
    # A snapshot written before ASPA (no "aspas" key, no count): no records, same file as before
    write_snapshot(replace(facts, aspas=[]), tmp_path / "old")
    assert "aspas" not in (tmp_path / "old" / "rpki.json").read_text()
    assert read_snapshot(tmp_path / "old").aspas == []


@pytest.mark.parametrize("label,route,state", ASPA_CASES, ids=[c[0] for c in ASPA_CASES])
def test_evaluator_tags_by_default_and_rejects_when_asked(tmp_path, label, route, state):
    intent = policy_intent(tmp_path, "3.1")
    assert intent.aspa
    tagged = PolicyEngine(intent).evaluate(route, S1)
    assert tagged.accepted and tagged.aspa == state
    assert ((RS, 65521, 21) in tagged.large_communities) == (state == "invalid")
    strict = replace(intent, policy={**intent.policy, "aspa": {"enabled": True, "reject_invalid": True}})
    verdict = PolicyEngine(strict).evaluate(route, S1)
    assert verdict.accepted == (state != "invalid")
    if state == "invalid":
        assert (verdict.check, verdict.code) == ("aspa", 21) and (RS, 65520, 21) in verdict.large_communities


def test_no_aspa_on_bird_2_0_or_when_disabled(tmp_path):
    route = Route.make("198.18.10.0/24", [M1, 64508, 64510], NH1)
    old = policy_intent(tmp_path)
    assert old.bird_version.startswith("2.0") and not old.aspa
    assert PolicyEngine(old).evaluate(route, S1).aspa is None
    off = for_bird(replace(old, policy={**old.policy, "aspa": {"enabled": False, "reject_invalid": True}}), "3.1")
    assert not off.aspa and PolicyEngine(off).evaluate(route, S1).accepted


def test_as_set_path_is_aspa_invalid_when_as_sets_are_accepted(tmp_path):
    intent = policy_intent(tmp_path, "2.17")
    intent = replace(intent, policy={**intent.policy, "as_path": {**intent.policy["as_path"], "reject_as_sets": False}})
    route = Route.make("198.18.10.0/24", [("seq", (M1,)), ("set", (64508,)), ("seq", (64510,))], NH1)
    verdict = PolicyEngine(intent).evaluate(route, S1)
    assert verdict.accepted and verdict.aspa == "invalid"  # BIRD: an AS_SET path is ASPA invalid


def test_member_self_check_shows_the_aspa_state_and_the_missing_provider(tmp_path):
    from ixpctl.analysis.selfcheck import Announcement, self_check

    intent = policy_intent(tmp_path, "3.1")
    report = self_check(intent, Facts(), M1, [Announcement(route.prefix, [a for _, s in route.as_path for a in s])
                                              for _, route, _ in ASPA_CASES])
    assert [r.aspa for r in report.results] == [state for _, _, state in ASPA_CASES]
    assert all(r.accepted for r in report.results)
    assert report.results[2].details == [("ASPA invalid (tagged, accepted): the ASPA of AS64510 does not list "
                                          "AS64508 as a provider")]


def test_verify_reads_bird3_route_attributes():
    """BIRD 3 prints the filter names (bgp_path, bgp_large_community) where BIRD 2 prints BGP.*."""
    from ixpctl.verify.parse import parse_routes

    text = ("Table master4:\n198.18.0.0/24        unicast [AS64496_1_v4 19:41:56.496 from 192.0.2.10] * (100) [AS64496i]\n"
            "\tvia 192.0.2.10 on eth0\n\tpreference: 100\n\tbgp_origin: IGP\n\tbgp_path: 64496 64510\n"
            "\tbgp_next_hop: 192.0.2.10\n\tbgp_community: (65535,666)\n\tbgp_large_community: (64500, 1000, 2)\n")
    route = parse_routes(text)[0]
    assert route.as_path == (("seq", (64496, 64510)),) and route.next_hop == "192.0.2.10"
    assert route.communities == [(65535, 666)] and route.large_communities == [(64500, 1000, 2)]
