"""`ixpctl build` + `ixpctl deploy rs` of an OpenBGPD route server (rs2, daemon: openbgpd) onto a
real bgpd in a network namespace the test creates (rs2's addresses exist only inside it), removed
with the daemon even on failure: the manifest counts bgpd neighbours, build renders
deploy.control_socket into the config, and the running bgpd ends up with the built neighbours."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.integration.test_build import POLICY, make_repo, run_build
from tests.support.bgpdlab import BgpdLab, require_root_bgpd_bird
from tests.support.builders import base_inventory

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bgpd") is None, reason="no bgpd")]


@pytest.fixture(params=["7.7", "8.8"])
def bgpd_rs2(tmp_path, request):
    """rs2's bgpd of each OpenBGPD series: one runs natively and the other from a private root of
    scripts/openbgpd-versions.sh (8.8 on Debian 12, 7.7 on Debian 13): deploy finds both."""
    require_root_bgpd_bird()
    from ixpctl.deploy.bgpd_binaries import openbgpd_for
    from ixpctl.errors import IxpctlError

    try:
        pair = openbgpd_for(request.param)
    except IxpctlError as exc:
        pytest.skip(f"{exc.message} ({exc.fix})")
    lab = BgpdLab(tmp_path / "rs2", bgpd=pair.bgpd, bgpctl_binary=pair.bgpctl)
    lab.series = request.param
    lab.tmp.mkdir()
    try:
        subprocess.run(["ip", "netns", "add", lab.ns], check=True)
        for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", "192.0.2.2/24", "dev", "lo"],
                    ["ip", "-6", "addr", "add", "2001:db8:0:10::2/64", "dev", "lo", "nodad"]):
            lab.exec(cmd, check=True)
        lab.write(lab.config, f'AS 64500\nrouter-id 192.0.2.2\nsocket "{lab.socket}"\nlisten on 192.0.2.2\n')
        lab.start_rs()
        yield lab
    finally:
        lab.stop()


def _repo(tmp_path, lab, bgpd_binary: str | None = None):
    data = base_inventory(fictional=True)
    for rs in data["route_servers"]:
        rs["deploy"] = {"host": "localhost", "config_path": str(tmp_path / f"{rs['name']}.running.conf"),
                        "control_socket": str(tmp_path / "none.ctl")}
    rs2 = data["route_servers"][1]
    rs2.update(daemon="openbgpd", openbgpd_version=lab.series,
               deploy={"host": "localhost", "config_path": str(lab.config), "control_socket": str(lab.socket),
                       "bgpd_binary": bgpd_binary or lab.bgpd, "bgpctl_binary": lab.bgpctl_binary})
    inv, snap = make_repo(tmp_path, data)
    assert run_build(inv, snap, tmp_path / "build").exit_code == 0
    return inv


def test_build_and_deploy_an_openbgpd_route_server(tmp_path, bgpd_rs2, monkeypatch):
    inv = _repo(tmp_path, bgpd_rs2)
    built = (tmp_path / "build" / "rs2.conf").read_text()
    assert f'socket "{bgpd_rs2.socket}"' in built
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    assert manifest["files"]["rs2.conf"]["sessions"] == built.count("\n  neighbor ") > 0
    # LocalTarget runs the commands on this host; bgpctl reaches the namespaced bgpd by its socket
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", POLICY, "deploy", "rs", "--rs", "rs2", "--build-dir",
                                       str(tmp_path / "build"), "--allow-demo", "--verify-wait", "3", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["changed"] and not report["rolled_back"] and "bgpd -n on localhost: ok" in report["steps"]
    assert any(s.startswith("OpenBGPD on localhost: ") and f"is {bgpd_rs2.series}" in s and "same series" in s
               for s in report["steps"]), report["steps"]
    assert bgpd_rs2.config.read_text() == built
    descrs = {n.get("description") for n in bgpd_rs2.neighbors()}
    assert len(descrs) == manifest["files"]["rs2.conf"]["sessions"] and all(d and d.startswith("AS") for d in descrs)


def test_a_config_moving_the_control_socket_is_refused(tmp_path, bgpd_rs2):
    from ixpctl.deploy.rs import deploy_route_server
    from ixpctl.errors import DeployError

    before = bgpd_rs2.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        deploy_route_server("rs2", b"AS 64500\nrouter-id 192.0.2.2\n", bgpd_rs2.target(), daemon="openbgpd")
    assert "/var/run/bgpd.sock" in exc.value.message and "nothing was changed" in exc.value.message
    assert bgpd_rs2.config.read_bytes() == before


def test_a_bgpd_of_another_series_is_refused_before_anything_changes(tmp_path, bgpd_rs2):
    """deploy.bgpd_binary is of the other OpenBGPD series than the config's: refused with the
    inventory's field and the fix, before the upload (deploy/bgpd_version.py)."""
    from ixpctl.deploy.bgpd_binaries import openbgpd_for
    from ixpctl.errors import IxpctlError

    try:
        other = openbgpd_for(wrong := "8.8" if bgpd_rs2.series == "7.7" else "7.7")
    except IxpctlError as exc:
        pytest.skip(f"{exc.message} ({exc.fix})")
    inv = _repo(tmp_path, bgpd_rs2, bgpd_binary=other.bgpd)
    before = bgpd_rs2.config.read_bytes()
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", POLICY, "deploy", "rs", "--rs", "rs2", "--build-dir",
                                       str(tmp_path / "build"), "--allow-demo", "--verify-wait", "3"])
    assert result.exit_code == 5, result.output
    out = " ".join(result.output.split())
    assert f"says OpenBGPD {wrong}" in out and f"written for OpenBGPD {bgpd_rs2.series}" in out
    assert f"route_servers[1].openbgpd_version is {bgpd_rs2.series}" in out and f'openbgpd_version: "{wrong}"' in out
    assert "nothing was deployed" in out
    assert bgpd_rs2.config.read_bytes() == before and not list(tmp_path.glob("rs2/*.new"))
