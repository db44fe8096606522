"""The Python back end: every check of the chain, on the shared cases."""

from __future__ import annotations

import pytest

from ixpctl.policy.chain import CHAIN, NO_EXPORT
from ixpctl.policy.evaluate import PolicyEngine, path_first, path_last, path_last_nonaggregated, path_len
from tests.support.policy_cases import CASES, RS, policy_intent


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return PolicyEngine(policy_intent(tmp_path_factory.mktemp("pol")))


def test_cases_cover_every_check():
    # ASPA only tags by default and runs only on BIRD >= 2.16 targets: its cases are ASPA_CASES
    # (tests/unit/test_aspa.py, the BIRD harness)
    assert {c.expect for c in CASES if c.expect} == {c.name for c in CHAIN} - {"aspa"}


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_case(engine, case):
    verdict = engine.evaluate(case.route, case.session)
    assert verdict.accepted == (case.expect is None), verdict.to_json()
    if case.expect:
        code = {c.name: c.code for c in CHAIN}[case.expect]
        assert verdict.check == case.expect and verdict.code == code
        assert (RS, 65520, code) in verdict.large_communities
        assert verdict.fix
    for tag in case.tags:
        assert tag in verdict.large_communities
    if case.label.startswith("forged"):
        assert (RS, 65520, 2) not in verdict.large_communities


def test_graceful_shutdown_sets_local_pref_zero(engine):
    case = next(c for c in CASES if c.label.startswith("graceful"))
    assert engine.evaluate(case.route, case.session).local_pref == 0


def test_blackhole_gets_no_export_on_export_not_import(engine):
    """NO_EXPORT added on import would make BIRD keep the blackhole from every member (interpret
    communities runs before the export filter): it is added when the route goes out."""
    case = next(c for c in CASES if c.label.startswith("blackhole /32"))
    verdict = engine.evaluate(case.route, case.session)
    assert verdict.accepted and NO_EXPORT not in verdict.communities
    receivers = {s.member_asn for s in engine.intent.sessions if s.afi == 4} - {verdict.member_asn}
    delivered = {asn: engine.export(case.route, verdict, asn) for asn in receivers}
    assert delivered and all(out is not None and NO_EXPORT in out.communities and (65535, 666) in out.communities
                             for out in delivered.values())


def test_bird_path_semantics():
    seq_set = (("seq", (1, 2)), ("set", (3, 4)))
    assert path_first(seq_set) == 1 and path_last(seq_set) == 0 and path_last_nonaggregated(seq_set) == 2
    assert path_len(seq_set) == 3
    middle = (("seq", (1,)), ("set", (3, 4)), ("seq", (5,)))
    assert path_last(middle) == 5 and path_last_nonaggregated(middle) == 1
    assert path_first((("set", (1, 2)),)) == 0
