"""`ixpctl switch audit` on the Linux-bridge lab: real frames from member namespaces, real link states.

Same topology as test_switch_linux_bridge.py (its ``lab`` fixture: every namespace and process
recorded and removed even on failure). After a push, member 1 sends frames from a second MAC, from
member 2's MAC and an LLDPDU; the unused port p3 is brought up behind ixpctl's back; member 2's
link goes down. The audit listens on the bridge ports (packet sockets in the switch namespace) and
reads ``bridge fdb`` / ``ip -s link``: each planted anomaly must be reported, and nothing else.
"""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.lab.test_switch_linux_bridge import FOREIGN, MAC1, MAC2, PROBE, do_push, lab, lab_inventory  # noqa: F401
from tests.support.builders import write_inventory
from tests.support.netns import netns  # noqa: F401  (fixture)

pytestmark = pytest.mark.lab


def audit(lab, *extra):  # noqa: F811
    inv = write_inventory(lab["dir"] / "audit-inv", lab_inventory(lab["sw"]))
    result = CliRunner().invoke(main, ["-i", str(inv), "switch", "audit", "--json", *extra], catch_exceptions=False)
    return result, json.loads(result.stdout)


def test_audit_finds_planted_anomalies_with_real_frames(lab):  # noqa: F811
    assert do_push(lab).ok
    result, out = audit(lab, "--listen", "1")
    assert result.exit_code == 0, out["switches"][0]["error"]
    assert out["switches"][0]["findings"] == []

    frames = json.dumps([{"kind": "udp4", "src": FOREIGN, "token": "second"},
                         {"kind": "udp4", "src": MAC2, "token": "stolen"},
                         {"kind": "lldp", "src": MAC1, "token": "lldp"}])
    sender = lab["netns"].popen(lab["m1"], "sh", "-c",
                                f"for i in $(seq 40); do {sys.executable} {PROBE} send eth0 '{frames}'; sleep 0.1; done")
    lab["netns"].run(lab["sw"], "ip", "link", "set", "p3x", "up")
    lab["netns"].run(lab["sw"], "ip", "link", "set", "p3", "up")  # a rogue port: unused, yet up
    lab["netns"].run(lab["m2"], "ip", "link", "set", "eth0", "down")  # member 2 loses its link
    try:
        result, out = audit(lab, "--listen", "2")
    finally:
        sender.kill()
        sender.wait()
    assert result.exit_code == 6, out
    found = {(f["kind"], f["port"]) for f in out["switches"][0]["findings"]}
    planted = {("unknown-mac", "p1"), ("wrong-port", "p1"), ("control-protocol", "p1"),
               ("unassigned-port-up", "p3"), ("member-port-down", "p2")}
    # the kernel behind the rogue port may already talk (IPv6 router solicitation, MLD): its MAC on a
    # port nobody owns is a true finding too, but its timing is the kernel's
    assert planted <= found and found - planted <= {("unknown-mac", "p3")}, found
    details = {f["kind"]: f["detail"] for f in out["switches"][0]["findings"] if f["port"] != "p3"}
    assert FOREIGN in details["unknown-mac"] and MAC2 in details["wrong-port"]
    assert details["control-protocol"].startswith("LLDP from AS64501")
