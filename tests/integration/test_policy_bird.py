"""The BIRD back end: the generated import policy, run by a real BIRD 2, decides every shared case
exactly as the Python evaluator does (verdict, reject code and the communities it adds)."""

from __future__ import annotations

import shutil

import pytest

from ixpctl.policy.chain import CHAIN, REJECT_REASON
from ixpctl.policy.evaluate import PolicyEngine
from tests.support.bird_harness import BirdHarness
from tests.support.policy_cases import CASES, RS, policy_intent

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]

BIRD_CASES = [c for c in CASES if c.bird]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("birdpol")
    intent = policy_intent(tmp)
    verdicts = BirdHarness(tmp).run(intent, [(c.session, c.route) for c in BIRD_CASES])
    return intent, verdicts


def test_bird_cases_cover_every_check_but_as_set():
    assert {c.expect for c in BIRD_CASES if c.expect} == {c.name for c in CHAIN} - {"as_set"}


@pytest.mark.parametrize("index", range(len(BIRD_CASES)), ids=[c.label for c in BIRD_CASES])
def test_bird_decides_like_the_policy_says(results, index):
    _intent, verdicts = results
    case = BIRD_CASES[index]
    bird = verdicts[index]
    assert bird.accepted == (case.expect is None), (case.label, bird)
    if case.expect:
        code = {c.name: c.code for c in CHAIN}[case.expect]
        assert bird.reject_code(RS) == code
    for tag in case.tags:
        assert tag in bird.large_communities


@pytest.mark.parametrize("index", range(len(BIRD_CASES)), ids=[c.label for c in BIRD_CASES])
def test_python_evaluator_agrees_with_bird(results, index):
    intent, verdicts = results
    case = BIRD_CASES[index]
    py = PolicyEngine(intent).evaluate(case.route, case.session)
    bird = verdicts[index]
    assert py.accepted == bird.accepted
    assert py.large_communities == bird.large_communities
    if case.label.startswith("graceful"):
        assert bird.local_pref == py.local_pref == 0
    assert {c for c in py.communities} == bird.communities
    assert all(b != REJECT_REASON for _, b, _ in bird.large_communities) or not bird.accepted
