"""The BIRD back end: the generated import policy, run by a real BIRD of every target version ixpctl
renders for (2.0, 2.17, 3.1: those found here, see scripts/bird-versions.sh), decides every shared
case exactly as the Python evaluator does (verdict, reject code and the communities it adds), and its
config parses without a single warning. ASPA cases run everywhere: only the targets with ASPA tag
the invalid path, and the evaluator must say the same on each."""

from __future__ import annotations

import pytest

from ixpctl.deploy.bird_binaries import BirdBinaries
from ixpctl.errors import BuildError
from ixpctl.policy.chain import CHAIN, REJECT_REASON
from ixpctl.policy.evaluate import PolicyEngine
from ixpctl.render.bird_versions import TARGETS
from tests.support.bird_harness import BirdHarness
from tests.support.policy_cases import ASPA_CASES, CASES, RS, S1, policy_intent

pytestmark = [pytest.mark.integration]

BIRD_CASES = [c for c in CASES if c.bird]
SERIES = [t.name for t in TARGETS]
ASPA_TAG = (RS, 65521, 21)


def _binary(series: str):
    try:
        return BirdBinaries().for_series(series)
    except BuildError as err:
        pytest.skip(f"no BIRD {series} here ({err.message}): run scripts/bird-versions.sh")


@pytest.fixture(scope="module", params=SERIES)
def results(request, tmp_path_factory):
    binary = _binary(request.param)
    tmp = tmp_path_factory.mktemp(f"birdpol-{request.param}")
    intent = policy_intent(tmp, binary.version)
    harness = BirdHarness(tmp, binary.path, binary.birdc)
    routes = [(c.session, c.route) for c in BIRD_CASES] + [(S1, route) for _, route, _ in ASPA_CASES]
    verdicts = harness.run(intent, routes)
    return intent, verdicts, harness.check_output


def test_bird_cases_cover_every_check_but_as_set_and_aspa():
    assert {c.expect for c in BIRD_CASES if c.expect} == {c.name for c in CHAIN} - {"as_set", "aspa"}


def test_config_parses_without_warnings(results):
    intent, _verdicts, output = results
    assert output == "", f"BIRD {intent.bird_version} warned on the harness config:\n{output}"


@pytest.mark.parametrize("index", range(len(BIRD_CASES)), ids=[c.label for c in BIRD_CASES])
def test_bird_decides_like_the_policy_says(results, index):
    _intent, verdicts, _ = results
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
    intent, verdicts, _ = results
    case = BIRD_CASES[index]
    py = PolicyEngine(intent).evaluate(case.route, case.session)
    bird = verdicts[index]
    assert py.accepted == bird.accepted
    assert py.large_communities == bird.large_communities
    if case.label.startswith("graceful"):
        assert bird.local_pref == py.local_pref == 0
    assert {c for c in py.communities} == bird.communities
    assert all(b != REJECT_REASON for _, b, _ in bird.large_communities) or not bird.accepted


@pytest.mark.parametrize("index", range(len(ASPA_CASES)), ids=[label for label, _, _ in ASPA_CASES])
def test_aspa_upstream_verification(results, index):
    """valid / unknown / invalid paths: tagged RS:65521:21 only when invalid and only where ASPA runs
    (2.17, 3.1); BIRD 2.0's config leaves ASPA out. The evaluator agrees on every target."""
    intent, verdicts, _ = results
    _label, route, state = ASPA_CASES[index]
    bird = verdicts[len(BIRD_CASES) + index]
    py = PolicyEngine(intent).evaluate(route, S1)
    assert bird.accepted and py.accepted  # tag mode (policy aspa.reject_invalid: false)
    assert (ASPA_TAG in bird.large_communities) == (intent.aspa and state == "invalid"), bird
    assert py.large_communities == bird.large_communities
    assert py.aspa == (state if intent.aspa else None)
    assert intent.aspa == (intent.bird_version.split(".")[:2] != ["2", "0"])
