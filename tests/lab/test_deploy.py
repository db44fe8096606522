"""`ixpctl deploy rs` against a real BIRD route server with a real BGP peer, in a network namespace
the test creates (only loopback addresses inside it), removed with both daemons even on failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ixpctl.deploy.rs import deploy_route_server
from ixpctl.errors import DeployError
from tests.support.rslab import rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]


def test_successful_deploy_keeps_previous_and_sessions(rslab):
    before = rslab.config.read_bytes()
    new = rs_config(extra="protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, rslab.target(), verify_wait=15)
    assert report.changed and not report.rolled_back
    assert rslab.config.read_bytes() == new
    assert Path(str(rslab.config) + ".prev").read_bytes() == before
    assert report.sessions_before == ["member1"] and "member1" in report.sessions_after
    assert "extra" in rslab.exec(["birdc", "-s", str(rslab.socket), "show", "protocols"]).stdout
    assert not Path(str(rslab.config) + ".lock").exists() and not Path(str(rslab.config) + ".new").exists()


def test_identical_config_changes_nothing(rslab):
    report = deploy_route_server("rs1", rslab.config.read_bytes(), rslab.target())
    assert not report.changed and "identical" in report.steps[0], (report.steps, report.daemon)


def test_dry_run_shows_the_diff_only(rslab):
    before = rslab.config.read_bytes()
    report = deploy_route_server("rs1", rs_config(extra="# a comment").encode(), rslab.target(), dry_run=True)
    assert report.changed and "+# a comment" in report.diff
    assert rslab.config.read_bytes() == before


def test_config_rejected_by_bird_p_changes_nothing(rslab):
    before = rslab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", b"router id 127.0.0.1;\nprotocol bgp {\n", rslab.target())
    assert "rejected the new config" in exc.value.message and "not touched" in exc.value.message
    assert rslab.config.read_bytes() == before
    assert not Path(str(rslab.config) + ".new").exists() and not Path(str(rslab.config) + ".lock").exists()
    assert rslab.established()


def test_bird_not_running_is_refused_and_nothing_changes(rslab):
    before = rslab.config.read_bytes()
    rslab.stop_rs()  # nothing can take the new config, and nothing could verify it
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", rs_config(extra="# new").encode(), rslab.target(), verify_wait=3)
    assert "BIRD is not running" in exc.value.message and "nothing was changed" in exc.value.message
    assert rslab.config.read_bytes() == before and rslab.leftovers() == []
    assert not Path(str(rslab.config) + ".prev").exists()


def test_sessions_not_coming_back_roll_back(rslab):
    before = rslab.config.read_bytes()
    broken = rs_config(peer_as=64599).encode()  # valid syntax, wrong peer AS: the session stays down
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", broken, rslab.target(), verify_wait=4)
    assert "did not come back: member1" in exc.value.message
    assert "previous config was put back" in exc.value.message and "BIRD reloaded it" in exc.value.message
    assert rslab.config.read_bytes() == before
    rslab.wait_established()  # and the restored config brings the member back


def test_configure_timeout_is_confirmed(rslab):
    new = rs_config(extra="protocol static extra2 { ipv4; route 203.0.113.0/24 blackhole; }").encode()
    report = deploy_route_server("rs1", new, rslab.target(), confirm_timeout=30, verify_wait=15)
    assert "birdc configure confirm" in report.steps
    assert rslab.config.read_bytes() == new


def test_second_deploy_is_locked_out(rslab):
    Path(str(rslab.config) + ".lock").mkdir()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs1", rs_config(extra="# x").encode(), rslab.target())
    assert "another deploy holds the lock" in exc.value.message
