"""The whole conformance catalogue on a per-family-VLAN IXP: the conformance inventory with IPv4 on
LAN cix-peering (VLAN 10) and IPv6 on LAN cix-peering-v6 (VLAN 20, ``ipv6_lan``), once with both
route servers on BIRD and once with rs2 on OpenBGPD. Every IPv4 and IPv6 case must pass as on the
single-LAN IXP: the route servers and the member routers are dual-stack across the two LANs, judged
at the receiving members. (The lab's one bridge carries both prefixes: VLAN tagging is the switches'
job, covered in tests/integration/test_family_vlans.py.)

Cleanup is the lab's own (recorded PIDs and namespace names, even on failure); the finalizer runs
``down`` again on every state file of the run and checks nothing is left.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ixpctl.lab.conformance import run_conformance
from ixpctl.lab.state import LabState, list_namespaces
from tests.conftest import REPO
from tests.support.family_vlans import paired_conformance_lab

pytestmark = pytest.mark.lab

def _down_everything(base: Path) -> list[str]:
    left = []
    for path in base.glob("*/state.json"):
        state = LabState.load(path)
        state.down()
        existing = set(list_namespaces())
        left += [ns for ns in state.namespaces if ns in existing]
        left += [f"{p.name} (pid {p.pid})" for p in state.processes if state.alive(p)]
    return left


@pytest.mark.parametrize("lab_file, tools", [
    ("lab/conformance.lab.yml", ("bird", "birdc", "exabgp", "ip")),
    ("lab/conformance-openbgpd.lab.yml", ("bird", "birdc", "exabgp", "ip", "bgpd", "bgpctl")),
])
def test_the_catalogue_passes_with_ipv4_and_ipv6_on_two_vlans(tmp_path, lab_file, tools):
    if os.geteuid() != 0:
        pytest.skip("the conformance lab needs root (network namespaces)")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"the conformance lab needs {', '.join(missing)} on PATH")
    lab = paired_conformance_lab(tmp_path, lab_file)
    base = tmp_path / "runs"
    base.mkdir()
    try:
        report = run_conformance(lab, base=base, root=REPO)
    finally:
        left = _down_everything(base)
    assert not left, f"left behind: {left}"
    bad = [(r.case, [m.text() for m in r.mismatches][:3]) for r in report.results
           if r.status not in ("PASS", "SKIP", "XFAIL")]
    assert not bad, bad
    assert sum(r.status == "PASS" for r in report.results) >= 120
    assert {"irr-origin-per-family-v6", "empty-as-set-fallback-v6"} <= {r.case for r in report.results
                                                                        if r.status == "PASS"}
