"""`deploy rs` of an OpenBGPD route server against a real bgpd with a real BGP peer (BIRD), in a
network namespace the test creates (loopback addresses only), removed with both daemons even on
failure: bgpd -n on the target, atomic swap, bgpctl reload, sessions verified, rollback."""

from __future__ import annotations

from pathlib import Path

import pytest

from ixpctl.deploy.rs import deploy_route_server
from ixpctl.errors import DeployError, InputError
from tests.support.bgpdlab import bgpd_config

pytestmark = [pytest.mark.lab]


def _deploy(lab, text: str, **kw):
    return deploy_route_server("rs2", text.encode(), lab.target(), daemon="openbgpd", **kw)


def test_successful_deploy_reloads_keeps_previous_and_sessions(bgpdlab):
    before = bgpdlab.config.read_bytes()
    new = bgpd_config(bgpdlab.socket, extra='network 198.51.100.0/24 set large-community 64500:1:1')
    report = _deploy(bgpdlab, new, verify_wait=20)
    assert report.changed and not report.rolled_back
    assert bgpdlab.config.read_text() == new and Path(f"{bgpdlab.config}.prev").read_bytes() == before
    assert report.sessions_before == ["member1"] and report.sessions_after == ["member1"]
    assert "bgpd -n on localhost: ok" in report.steps and "bgpctl reload: request processed" in report.steps
    # the daemon runs the new config: the announced network is in its RIB now
    assert "198.51.100.0/24" in bgpdlab.bgpctl("show", "network").stdout
    assert bgpdlab.leftovers() == [] and report.daemon["config"] == str(bgpdlab.config)


def test_identical_config_only_reloads(bgpdlab):
    report = _deploy(bgpdlab, bgpdlab.config.read_text())
    assert not report.changed and not report.rolled_back and "reload" in report.steps[0]
    assert not Path(f"{bgpdlab.config}.prev").exists()


def test_dry_run_shows_the_diff_only(bgpdlab):
    before = bgpdlab.config.read_bytes()
    report = _deploy(bgpdlab, bgpd_config(bgpdlab.socket, extra="# a comment"), dry_run=True)
    assert report.changed and "+# a comment" in report.diff and bgpdlab.config.read_bytes() == before


def test_config_rejected_by_bgpd_n_changes_nothing(bgpdlab):
    before = bgpdlab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        _deploy(bgpdlab, bgpd_config(bgpdlab.socket, extra="neighbor 127.0.0.9 { remote-az 1 }"))
    msg = exc.value.message
    assert "bgpd rejected the new config" in msg and "not touched" in msg and "syntax error" in msg
    assert bgpdlab.config.read_bytes() == before and bgpdlab.leftovers() == []
    assert not Path(f"{bgpdlab.config}.prev").exists() and bgpdlab.established()


def test_reload_refused_by_bgpd_rolls_back(bgpdlab):
    """`bgpd -n` does not bind: a listen address the host lacks passes the check, and the running
    bgpd refuses the file on reload (bgpctl still exits 0: only its text says so)."""
    before = bgpdlab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        _deploy(bgpdlab, bgpd_config(bgpdlab.socket, listen="10.255.255.254"), verify_wait=5)
    msg = exc.value.message
    assert "reload failed" in msg and "previous config was put back" in msg and "still runs the previous one" in msg
    assert bgpdlab.config.read_bytes() == before and bgpdlab.leftovers() == []
    assert "cannot bind to 10.255.255.254" in bgpdlab.log.read_text()
    assert bgpdlab.established()


def test_sessions_not_coming_back_roll_back(bgpdlab):
    before = bgpdlab.config.read_bytes()
    # valid, but the member's address is wrong: bgpd drops the session and the new one never comes
    # up (a changed remote-as would not do: bgpd keeps an Established session until it drops)
    with pytest.raises(DeployError) as exc:
        _deploy(bgpdlab, bgpd_config(bgpdlab.socket, neighbor="127.0.0.3"), verify_wait=4)
    assert "did not come back: member1" in exc.value.message and "bgpd reloaded it" in exc.value.message
    assert bgpdlab.config.read_bytes() == before
    bgpdlab.wait_established()  # the restored config brings the member back


def test_sessions_dropped_on_purpose_are_not_waited_for(bgpdlab):
    """``expect_removed`` (ixpctl apply passes the sessions the new build drops): the member's
    session goes away with the new config, and that is the deploy's success, not a rollback."""
    text = bgpd_config(bgpdlab.socket)
    without = text[:text.index("neighbor ")] + "network 198.51.100.0/24\n"  # the neighbour removed
    report = _deploy(bgpdlab, without, verify_wait=4, expect_removed=["member1"])
    assert report.changed and not report.rolled_back and report.sessions_before == ["member1"]
    assert report.sessions_after == [] and bgpdlab.config.read_text() == without
    assert "verified: 0 session(s) established" in report.steps


def test_bgpd_not_running_is_refused(bgpdlab):
    before = bgpdlab.config.read_bytes()
    bgpdlab.stop_rs()
    with pytest.raises(DeployError) as exc:
        _deploy(bgpdlab, bgpd_config(bgpdlab.socket, extra="# new"))
    assert "OpenBGPD is not running" in exc.value.message and "nothing was changed" in exc.value.message
    assert bgpdlab.config.read_bytes() == before and bgpdlab.leftovers() == []


def test_bgpd_running_another_file_is_refused(bgpdlab, tmp_path):
    other = tmp_path / "elsewhere.conf"
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs2", b"AS 64500\n", bgpdlab.target(config_path=str(other)), daemon="openbgpd")
    assert f"started with -f {bgpdlab.config}" in exc.value.message and not other.exists()


def test_confirm_timeout_is_refused_for_openbgpd(bgpdlab):
    with pytest.raises(InputError):
        _deploy(bgpdlab, bgpd_config(bgpdlab.socket), confirm_timeout=30)


def test_second_deploy_is_locked_out(bgpdlab):
    Path(f"{bgpdlab.config}.lock").mkdir()
    with pytest.raises(DeployError) as exc:
        _deploy(bgpdlab, bgpd_config(bgpdlab.socket, extra="# x"))
    assert "another deploy holds the lock" in exc.value.message


def test_deploy_over_the_ssh_code_path(bgpdlab):
    """SshTarget's `sh -c` scripts (write, link, find the bgpd) against the real bgpd; `ssh` is the
    stand-in of test_deploy_ssh_path.py (no SSH server runs here): it runs the command in the namespace."""
    from ixpctl.deploy.target import SshTarget
    from tests.lab.test_deploy_ssh_path import FAKE_SSH

    fake = bgpdlab.tmp / "ssh"
    fake.write_text(FAKE_SSH.format(ns=bgpdlab.ns))
    fake.chmod(0o755)
    before = bgpdlab.config.read_bytes()
    new = bgpd_config(bgpdlab.socket, extra="network 198.51.100.0/24")
    target = SshTarget(bgpdlab.settings(host="rs2.example", user="root"), ssh=str(fake))
    report = deploy_route_server("rs2", new.encode(), target, daemon="openbgpd", verify_wait=20)
    assert report.target == "root@rs2.example" and report.changed and report.sessions_after == ["member1"]
    assert bgpdlab.config.read_text() == new and Path(f"{bgpdlab.config}.prev").read_bytes() == before
    assert oct(bgpdlab.config.stat().st_mode & 0o777) == "0o600"  # the running file's mode, kept
    assert "198.51.100.0/24" in bgpdlab.bgpctl("show", "network").stdout and bgpdlab.leftovers() == []
