"""Deploy against route servers running BIRD 2.17 and 3.1 (the binaries scripts/bird-versions.sh
installs; 3.1 runs from a private root through its loader on Debian 12), with a real BGP peer in a
network namespace the test creates (tests/support/rslab.py, removed even on failure):

- a config for the daemon's series is deployed: deploy finds the daemon behind its loader, reads
  BIRD 3's `show status` and `show protocols all`, and sees the session come back;
- the version check (ixpctl/deploy/bird_version.py) refuses, before anything changes, a daemon or a
  `bird` binary of another series than route_servers[].bird_version, locally and over ssh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ixpctl.deploy.bird_binaries import BirdBinaries, BirdBinary
from ixpctl.deploy.bird_version import VersionField, check_versions
from ixpctl.deploy.rs import deploy_route_server
from ixpctl.errors import BuildError, DeployError
from tests.lab.test_deploy_ssh_path import ssh_target
from tests.support.rslab import RsLab, require_root_and_bird, rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]


def _binary(series: str) -> BirdBinary:
    try:
        return BirdBinaries().for_series(series)
    except BuildError as err:
        pytest.skip(f"no BIRD {series} here ({err.message}): run scripts/bird-versions.sh")


def _field(version: str) -> VersionField:
    return VersionField(version, "route_servers[0].bird_version", "inventory/ixp.yml", 12, explicit=True)


def _config(version: str, extra: str = "") -> bytes:
    header = f"#  route-server ASN 64500, router id 127.0.0.1, target BIRD {version}\n"
    return (header + rs_config(extra=extra)).encode()


@pytest.fixture
def lab_on(tmp_path):
    """lab_on(series): a route server on a BIRD of that series (the member on the machine's bird)."""
    require_root_and_bird()
    labs: list[RsLab] = []

    def start(series: str) -> RsLab:
        binary = _binary(series)
        lab = RsLab(tmp_path / series, rs_bird=binary.path, rs_birdc=binary.birdc)
        lab.tmp.mkdir()
        labs.append(lab)
        lab.start()
        lab.wait_established()
        return lab

    try:
        yield start
    finally:
        for lab in labs:
            lab.stop()


@pytest.mark.parametrize("series", ["2.17", "3.1"])
def test_deploy_to_the_same_series_reads_its_daemon_and_sessions(lab_on, series):
    lab = lab_on(series)
    version = _binary(series).version
    new = _config(version, "protocol static extra { ipv4; route 198.51.100.0/24 blackhole; }")
    found = check_versions("rs1", new, lab.target(), _field(version))
    assert (found.binary, found.daemon) == (version, version)
    report = deploy_route_server("rs1", new, lab.target(), verify_wait=15)
    assert report.changed and not report.rolled_back, report.steps
    assert report.daemon["loaded_current_file"] is True  # BIRD's show status read (times, pid behind ld.so)
    assert report.sessions_before == ["member1"] and "member1" in report.sessions_after
    assert lab.config.read_bytes() == new and "extra" in lab.birdc("show", "protocols")
    again = deploy_route_server("rs1", new, lab.target())
    assert not again.changed and "identical" in again.steps[0]


def test_a_running_bird_3_refuses_a_config_for_2_0(lab_on):
    """The `bird` binary there is 2.0 (what bird_version says) but the daemon running is 3.1."""
    lab = lab_on("3.1")
    before = lab.config.read_bytes()
    old = _binary("2.0")
    target = lab.target(bird_binary=old.path, birdc_binary=old.birdc)
    with pytest.raises(DeployError) as exc:
        check_versions("rs1", _config(old.version), target, _field(old.version))
    message = exc.value.message
    assert f"the BIRD running on localhost ({lab.socket}) is 3.1.8 although {old.path} is {old.version}" in message
    assert "inventory/ixp.yml:12: route_servers[0].bird_version is 2.0.12" in message
    assert "nothing was deployed" in message and exc.value.fix.startswith("restart BIRD")
    assert lab.config.read_bytes() == before and lab.leftovers() == [] and lab.established()


def test_a_running_bird_2_0_refuses_a_config_for_3_1(lab_on):
    lab = lab_on("2.0")
    new = _binary("3.1")
    target = lab.target(bird_binary=new.path)  # an installed 3.1 binary, the daemon still 2.0
    with pytest.raises(DeployError) as exc:
        check_versions("rs1", _config(new.version), target, _field(new.version))
    assert "is 2.0.12 although" in exc.value.message and 'set `bird_version: "2.0.12"`' in exc.value.fix


def test_over_ssh_the_remote_bird_version_is_checked(lab_on):
    lab = lab_on("3.1")
    before = lab.config.read_bytes()
    with pytest.raises(DeployError) as exc:
        check_versions("rs1", _config("2.0.12"), ssh_target(lab), _field("2.0.12"))
    assert f"`{lab.rs_bird} --version` on root@rs1.example says BIRD 3.1.8" in exc.value.message
    assert Path(lab.config).read_bytes() == before and lab.leftovers() == []
