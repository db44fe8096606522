"""The whole conformance catalogue in the conformance lab on every BIRD target of the route servers
— the inventory's 2.0.12, 2.17 and 3.1 (scripts/bird-versions.sh; members stay on the machine's
BIRD) — each once with the static ROA tables an offline build renders and once over RTR (StayRTR):
six runs, one lab bring-up per run, one pytest item per case and run. Cases that need ASPA run on
2.17 and 3.1 (SKIP on 2.0, which has no ASPA); their ASPA records come from the static ASPA table in
both modes (README, "BIRD versions": Debian's StayRTR serves no ASPA BIRD reads).

Cleanup is the lab's own: ``run_conformance`` stops every process it started and deletes every
namespace it created (by recorded PID and name) even when a case or the bring-up fails; the fixture
finalizer (and an atexit hook, should pytest itself be interrupted) runs ``down`` again on every
state file under the run's base directory, then checks that nothing recorded is left.
"""

from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

import pytest

from ixpctl.lab.catalogue import load_catalogue
from ixpctl.lab.conformance import DEFAULT_CASES, Report, run_conformance
from ixpctl.lab.state import LabState, list_namespaces
from ixpctl.render.bird_versions import parse_version
from tests.conftest import REPO

pytestmark = pytest.mark.lab

CASES = [c.name for c in load_catalogue(REPO / DEFAULT_CASES).cases]
TOOLS = ("bird", "birdc", "exabgp", "stayrtr", "ip")


def _down_everything(base: Path) -> list[str]:
    """``down`` for every lab run recorded under ``base``; what is still there afterwards."""
    left = []
    for path in base.glob("*/state.json"):
        state = LabState.load(path)
        state.down()
        existing = set(list_namespaces())
        left += [ns for ns in state.namespaces if ns in existing]
        left += [f"{p.name} (pid {p.pid})" for p in state.processes if state.alive(p)]
    return left


# (RTR?, the route servers' BIRD: None = the inventory's 2.0.12). Every version runs the whole
# catalogue both ways: one run is a ~6 s lab bring-up plus the cases (measured on the 2-core VM,
# 33 s for the six), so no version gets only a subset.
RUNS = {"static": (False, None), "rtr": (True, None),
        "static-bird2.17": (False, "2.17"), "rtr-bird2.17": (True, "2.17"),
        "static-bird3.1": (False, "3.1"), "rtr-bird3.1": (True, "3.1")}


@pytest.fixture(scope="module", params=list(RUNS))
def report(request, tmp_path_factory) -> Report:
    if os.geteuid() != 0:
        pytest.skip("the conformance lab needs root (network namespaces)")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"the conformance lab needs {', '.join(missing)} on PATH")
    rtr, rs_bird = RUNS[request.param]
    if rs_bird:
        from ixpctl.deploy.bird_binaries import BirdBinaries
        from ixpctl.errors import BuildError

        try:
            BirdBinaries().for_series(rs_bird)
        except BuildError as err:
            pytest.skip(f"no BIRD {rs_bird} for the route servers ({err.message}): run scripts/bird-versions.sh")
    base = tmp_path_factory.mktemp(f"conformance-{request.param}")
    atexit.register(_down_everything, base)
    try:
        result = run_conformance(rtr=rtr, base=base, root=REPO, rs_bird=rs_bird)
    finally:
        left = _down_everything(base)
    assert not left, f"left behind after the {request.param} run: {left}"
    return result


def _has_aspa(report: Report) -> bool:
    """The route servers' BIRD runs ASPA (2.16 and later: 2.17 and 3.1 here), so no case may skip."""
    return parse_version(report.route_server_bird)[:2] >= (2, 16)


@pytest.mark.parametrize("name", CASES)
def test_case(report: Report, name: str) -> None:
    result = next(r for r in report.results if r.case == name)
    detail = "\n".join(m.text() for m in result.mismatches)
    if result.status == "SKIP":
        assert not _has_aspa(report), f"{name} skipped on BIRD {report.route_server_bird}"
        pytest.skip(f"{result.xfail_reason}: route servers on BIRD {report.route_server_bird}")
    if result.status == "XFAIL":
        pytest.xfail(f"{result.xfail_reason}\n{detail}")
    if result.status == "XPASS":
        pytest.fail(f"{name} passes now ({report.mode}): remove its xfail_reason ({result.xfail_reason})")
    assert result.status == "PASS", f"{name} ({report.mode}, {result.ref}):\n{detail}"


def test_rpki_came_the_intended_way(report: Report) -> None:
    """Static mode renders ROA tables (no RTR protocol); RTR mode has an Established RTR session per RS."""
    assert set(report.rpki) == {"rs1", "rs2"}
    for rs, protocols in report.rpki.items():
        if report.mode == "rtr":
            assert protocols and all(p.endswith("Established") for p in protocols), (rs, protocols)
        else:
            assert protocols == [], (rs, protocols)


def test_every_case_ran_once(report: Report) -> None:
    assert sorted(r.case for r in report.results) == sorted(CASES)
    assert {r.round for r in report.results if r.status != "SKIP"} == {1, 2}  # all together, then max-prefix
    skipped = {r.case for r in report.results if r.status == "SKIP"}
    aspa = {c.name for c in load_catalogue(REPO / DEFAULT_CASES).cases if "aspa" in c.needs}
    assert skipped == (set() if _has_aspa(report) else aspa), report.route_server_bird


def test_evaluator_export_comparison_ran(report: Report) -> None:
    """Import verdicts are always compared; exports once ixpctl.policy.evaluate predicts them."""
    skipped = [n for n in report.notes if n.startswith("export comparison skipped")]
    if skipped:
        pytest.skip(skipped[0])
