"""A member of ``type: monitor`` (a route collector, here on a private ASN as a real 785-member IXP
has one): it gets sessions and receives routes, and none of its announcements is accepted, even
those its IRR data and RPKI would cover. The evaluator and a real BIRD decide the same; the
OpenBGPD renderer reads the same intent fields (empty origin and prefix sets, both IRR checks on,
no ROA shortcut), so it needs no case of its own."""

from __future__ import annotations

import shutil

import pytest

from ixpctl.inventory import load_inventory
from ixpctl.inventory.validate import validate_inventory
from ixpctl.policy.evaluate import PolicyEngine, Route
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.sources.facts import IrrExpansion
from tests.support.bird_harness import BirdHarness
from tests.support.builders import base_inventory, make_member, write_inventory
from tests.support.policy_cases import REPO, policy_facts

pytestmark = [pytest.mark.integration]
MONITOR = 64600  # private (RFC 6996)


def _inventory(tmp_path, **member):
    data = base_inventory(members=1)
    data["members"].append({**make_member(4), "asn": MONITOR, "name": "Route Collector Co", **member})
    return load_inventory(write_inventory(tmp_path, data))


def _intent(tmp_path):
    loaded = _inventory(tmp_path, type="monitor", reason="route collector of Example Monitoring, receives only")
    facts = policy_facts()
    # its IRR data would authorise the route: the monitor type, not missing data, rejects it
    facts.irr["AS-MONITOR"] = IrrExpansion("AS-MONITOR", [MONITOR], [("198.18.70.0/24", 24, 24)], [])
    loaded.inventory.members[-1].as_sets = ["AS-MONITOR"]
    policy = load_policy(REPO / "policies" / "default.yml")
    # the private ASN in the path would be rejected anyway: switch that check off for the member to
    # show the monitor rule itself rejects (a non-private collector ASN has no such help)
    policy.policy.as_path.reject_invalid_asns = False
    return compile_route_server(loaded, policy, facts, loaded.inventory.route_servers[0])


def test_validate_accepts_a_private_asn_only_as_a_monitor_with_a_reason(tmp_path):
    peer = validate_inventory(_inventory(tmp_path / "a"))
    error = next(p for p in peer.errors if f"AS{MONITOR} is a private ASN" in p.message)
    assert "type: monitor" in error.fix
    bare = validate_inventory(_inventory(tmp_path / "b", type="monitor"))
    assert any("monitor without a reason" in p.message for p in bare.errors)
    ok = validate_inventory(_inventory(tmp_path / "c", type="monitor", reason="route collector, receives only"))
    assert not [p for p in ok.errors if str(MONITOR) in p.message]
    assert any("accepted as a monitor" in p.message for p in ok.warnings)


@pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")
def test_a_monitor_receives_but_its_announcements_are_rejected_by_bird_and_the_evaluator(tmp_path):
    intent = _intent(tmp_path / "inv")
    (tmp_path / "bird").mkdir()
    member = next(m for m in intent.members if m.asn == MONITOR)
    assert member.enforce_origin and member.enforce_prefix and not member.roas_as_route_objects
    session = next(s for s in intent.sessions if s.member_asn == MONITOR and s.afi == 4)
    peer = next(s for s in intent.sessions if s.member_asn == 64501 and s.afi == 4)
    route = Route.make("198.18.70.0/24", [MONITOR], session.neighbor)
    normal = Route.make("198.18.0.0/22", [64501], peer.neighbor)
    engine = PolicyEngine(intent)
    verdict = engine.evaluate(route, session.name)
    assert not verdict.accepted and verdict.check in ("irr_origin", "irr_prefix"), verdict
    assert engine.evaluate(normal, peer.name).accepted
    bird = BirdHarness(tmp_path / "bird").run(intent, [(session.name, route), (peer.name, normal)])
    assert not bird[0].accepted and bird[1].accepted
    assert bird[0].reject_code(intent.rs_asn) == verdict.code
    assert bird[0].large_communities == verdict.large_communities


@pytest.mark.skipif(shutil.which("bird") is None or shutil.which("bgpd") is None, reason="needs bird and bgpd")
def test_both_daemons_accept_monitors_and_per_family_as_sets(tmp_path):
    """`ixpctl build` with rs1 on BIRD and rs2 on OpenBGPD: `bird -p` and `bgpd -n` accept both."""
    import json

    from click.testing import CliRunner

    from ixpctl.cli import main
    from ixpctl.sources.facts import Provenance
    from ixpctl.sources.snapshot_write import write_snapshot

    data = base_inventory(members=1)
    data["route_servers"][1]["daemon"] = "openbgpd"
    data["members"] += [
        {**make_member(4), "asn": MONITOR, "name": "Route Collector Co", "type": "monitor",
         "reason": "route collector of Example Monitoring, receives only"},
        {**make_member(5), "as_set": "RIPE::AS-MEMBER1", "as_set_ipv6": "RIPE::AS-MEMBER2"}]
    inv = write_inventory(tmp_path / "inv", data)
    facts = policy_facts()
    for source in ("peeringdb", "irr", "rpki"):
        facts.provenance[source] = Provenance(source, "test", "2026-12-01T00:00:00Z", "0" * 64)
    write_snapshot(facts, tmp_path / "snap")
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", str(REPO / "policies" / "default.yml"), "build",
                                       "--snapshot", str(tmp_path / "snap"), "-o", str(tmp_path / "out"), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    configs = {c["route_server"]: c for c in json.loads(result.stdout)["configs"]}
    assert configs["rs1"]["checked_by"] and configs["rs2"]["daemon"] == "openbgpd"
    assert f"AS{MONITOR}" in (tmp_path / "out" / "rs2.conf").read_text()
