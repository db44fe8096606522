"""The conformance catalogue with rs1 on BIRD and rs2 on OpenBGPD (issue #17, RFC 7948 §4.4): one lab
bring-up with static ROA tables and one over RTR (StayRTR: bgpd's `rtr` session and BIRD's `protocol
rpki` to the same cache), one pytest item per case and run. The suite demands identical routes at
every receiving member from both route servers, so each case is a BIRD/OpenBGPD equivalence check;
what OpenBGPD cannot show on the route server itself is accepted only as listed in
``ixpctl.lab.differences``.

Cleanup is the lab's own (recorded PIDs and namespaces), run again by the fixture finalizer and at
interpreter exit, then checked.
"""

from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

import pytest

from ixpctl.lab.catalogue import load_catalogue
from ixpctl.lab.conformance import DEFAULT_CASES, Report, run_conformance
from tests.conftest import REPO
from tests.lab.test_conformance import _down_everything

pytestmark = pytest.mark.lab

LAB = Path("lab/conformance-openbgpd.lab.yml")
CASES = [c.name for c in load_catalogue(REPO / DEFAULT_CASES).cases]
TOOLS = ("bird", "birdc", "exabgp", "bgpd", "bgpctl", "stayrtr", "ip")


# run → (RPKI over RTR, the OpenBGPD series rs2 runs: None = the machine's bgpd, Debian 12's 7.7,
# rs1's BIRD for the run). 8.8 (Debian 13 / bookworm-backports) comes from scripts/openbgpd-versions.sh's
# private root; with rs1 on BIRD 2.17 (scripts/bird-versions.sh) both route servers have ASPA, so
# that run also judges the ASPA cases on OpenBGPD (`aspa-set`, `avs`).
RUNS = {"static": (False, None, None), "rtr": (True, None, None), "rtr-openbgpd8.8": (True, "8.8", "2.17")}


def _bird_available(series: str) -> bool:
    from ixpctl.build import BirdBinaries
    from ixpctl.errors import IxpctlError

    try:
        BirdBinaries().for_series(series)
    except IxpctlError:
        return False
    return True


@pytest.fixture(scope="module", params=list(RUNS))
def report(request, tmp_path_factory) -> Report:
    if os.geteuid() != 0:
        pytest.skip("the conformance lab needs root (network namespaces)")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"the OpenBGPD conformance lab needs {', '.join(missing)} on PATH")
    rtr, series, bird = RUNS[request.param]
    if bird and not _bird_available(bird):
        bird = None  # rs1 on the machine's BIRD: the ASPA cases skip (BIRD 2.0 has no ASPA)
    if series:
        from ixpctl.deploy.bgpd_binaries import openbgpd_for
        from ixpctl.errors import IxpctlError

        try:
            openbgpd_for(series)
        except IxpctlError as exc:
            pytest.skip(f"{exc.message} ({exc.fix})")
    base = tmp_path_factory.mktemp(f"conformance-openbgpd-{request.param}")
    atexit.register(_down_everything, base)
    try:
        result = run_conformance(LAB, base=base, root=REPO, rtr=rtr, rs_openbgpd=series, rs_bird=bird)
    finally:
        left = _down_everything(base)
    assert not left, f"left behind after the OpenBGPD {request.param} run: {left}"
    return result


@pytest.mark.parametrize("name", CASES)
def test_case(report: Report, name: str) -> None:
    result = next(r for r in report.results if r.case == name)
    if result.status == "SKIP":  # needs: [aspa] — on both route servers (BIRD >= 2.16, OpenBGPD >= 8.0)
        pytest.skip(f"{name}: {result.xfail_reason}")
    detail = "\n".join(m.text() for m in result.mismatches)
    assert result.status in ("PASS", "XFAIL"), f"{name} (rs1 BIRD, rs2 OpenBGPD, {result.ref}):\n{detail}"


def test_rpki_came_the_intended_way(report: Report) -> None:
    """Static: both route servers validate against the static ROAs of the build, no RTR session
    anywhere. RTR: each has an Established session to StayRTR (bgpctl show rtr on OpenBGPD)."""
    assert report.daemons["rs1"].startswith("BIRD ") and report.daemons["rs2"].startswith("OpenBGPD ")
    if report.mode == "rtr":
        assert report.rpki == {"rs1": ["rpki_1 Established"], "rs2": ["rtr1 Established"]}
    else:
        assert report.rpki == {"rs1": [], "rs2": []}


def test_rs2_ran_the_openbgpd_asked_for(report: Report, request) -> None:
    """The 8.8 run really ran bgpd 8.8 (the private root's, through its own ld.so), not the host's."""
    _rtr, series, bird = RUNS[request.node.callspec.params["report"]]
    if series:
        assert report.daemons["rs2"] == f"OpenBGPD {series}"
    if series and bird and report.daemons["rs1"].startswith(f"BIRD {bird}"):  # ASPA on both: the cases ran
        assert not [r.case for r in report.results if r.status == "SKIP"]


def test_every_case_ran_once(report: Report) -> None:
    assert sorted(r.case for r in report.results) == sorted(CASES)
