"""The pure parts of the OpenBGPD deploy: default paths, the file bgpd reloads, neighbour counting."""

from __future__ import annotations

from ixpctl.deploy.bgpd_daemon import BgpdProcess
from ixpctl.deploy.manifest import count_sessions
from ixpctl.deploy.openbgpd import openbgpd_settings
from ixpctl.inventory.models import DeployTarget


def test_bird_defaults_become_openbgpd_defaults_and_explicit_paths_stay():
    s = openbgpd_settings(DeployTarget())
    assert (s.config_path, s.control_socket) == ("/etc/bgpd.conf", "/var/run/bgpd.sock")
    explicit = DeployTarget(config_path="/srv/bgpd.conf", control_socket="/run/bgpd/rs2.sock")
    assert openbgpd_settings(explicit) == explicit
    assert openbgpd_settings(s) == s  # idempotent


def test_config_path_from_the_bgpd_command_line():
    assert BgpdProcess(1, "/", ["bgpd"]).config_path == "/etc/bgpd.conf"
    assert BgpdProcess(1, "/srv", ["bgpd", "-d", "-f", "rs2.conf"]).config_path == "/srv/rs2.conf"
    assert BgpdProcess(1, "/", ["bgpd", "-dv", "-D", "x=1", "-f/etc/x.conf"]).config_path == "/etc/x.conf"
    assert BgpdProcess(1, "/", ["bgpd", "-Df=1"]).config_path == "/etc/bgpd.conf"  # -D takes the rest


def test_sessions_counted_in_both_dialects():
    bgpd = b'group "AS64501" {\n  remote-as 64501\n  neighbor 192.0.2.11 {\n    descr "a"\n  }\n' \
           b'  neighbor 2001:db8::11 {\n  }\n}\nmatch from neighbor 192.0.2.11 set localpref 1\n'
    assert count_sessions(bgpd) == 2
    assert count_sessions(b"protocol bgp a {\n}\nprotocol bgp b {\n}\n") == 2


def test_a_missing_openbgpd_series_says_how_to_get_it(tmp_path, monkeypatch):
    import pytest

    from ixpctl.deploy.bgpd_binaries import openbgpd_for
    from ixpctl.errors import IxpctlError

    monkeypatch.setenv("IXPCTL_OPENBGPD_CACHE", str(tmp_path))
    with pytest.raises(IxpctlError) as exc:
        openbgpd_for("9.9")
    assert "no OpenBGPD 9.9" in exc.value.message and "scripts/openbgpd-versions.sh" in exc.value.fix
