"""`ixpctl deploy rs` compares the route server's BIRD with `route_servers[].bird_version` before it
changes anything: the real `bird --version` of each series (scripts/bird-versions.sh installs 2.0,
2.17 and 3.1) as `deploy.bird_binary` of a local target; no daemon runs here (tests/lab/
test_deploy_bird_version.py runs them)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.deploy.bird_binaries import BirdBinaries
from ixpctl.errors import BuildError
from tests.integration.test_build import POLICY, make_repo, run_build
from tests.support.builders import base_inventory

pytestmark = pytest.mark.integration


def _binary(series: str):
    try:
        return BirdBinaries().for_series(series)
    except BuildError as err:
        pytest.skip(f"no BIRD {series} here ({err.message}): run scripts/bird-versions.sh")


def _repo(tmp_path, bird_version: str | None, deploy_series: str):
    binary = _binary(deploy_series)
    data = base_inventory()
    rs = data["route_servers"][0]
    if bird_version is not None:
        rs["bird_version"] = bird_version
    rs["deploy"] = {"host": "localhost", "config_path": str(tmp_path / "running" / "bird.conf"),
                    "control_socket": str(tmp_path / "running" / "bird.ctl"),
                    "bird_binary": binary.path, "birdc_binary": binary.birdc}
    (tmp_path / "running").mkdir()
    inv, snap = make_repo(tmp_path, data)
    built = run_build(inv, snap, tmp_path / "build", "--rs", "rs1")
    assert built.exit_code == 0, built.output
    return inv


def _deploy(inv, tmp_path, *extra: str):
    return CliRunner().invoke(main, ["-i", str(inv), "-p", POLICY, "deploy", "rs", "--rs", "rs1", "--allow-demo",
                                     "--build-dir", str(tmp_path / "build"), *extra], catch_exceptions=False)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_config_for_3_1_is_not_deployed_to_bird_2_0(tmp_path, dry_run):
    _binary("3.1")
    inv = _repo(tmp_path, "3.1.8", deploy_series="2.0")
    result = _deploy(inv, tmp_path, *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 5, result.output
    out = _flat(result.output)
    assert "rs1: `" in out and "--version` on localhost says BIRD 2.0.12" in out
    assert "written for BIRD 3.1.8" in out and "route_servers[0].bird_version is 3.1.8" in out
    assert f"{inv}:" in out  # the inventory file, its line (next test) and the field
    assert "the two series differ; nothing was deployed" in out
    assert 'fix: set `bird_version: "2.0.12"` for route server rs1 (route_servers[0])' in out
    assert "or install BIRD 3.1 there (bird3 in Debian 13 (trixie))" in out
    assert list((tmp_path / "running").iterdir()) == []  # no config, no .new, no lock


def test_the_error_points_at_the_bird_version_line(tmp_path):
    _binary("3.1")
    inv = _repo(tmp_path, "3.1.8", deploy_series="2.0")
    result = _deploy(inv, tmp_path)
    line = next(i for i, text in enumerate(inv.read_text().splitlines(), 1) if "bird_version" in text)
    assert f"{inv}:{line}: route_servers[0].bird_version is 3.1.8" in _flat(result.output)


def test_an_unset_bird_version_names_the_default_and_the_route_server(tmp_path):
    inv = _repo(tmp_path, None, deploy_series="3.1")  # default 2.0.12, route server has 3.1
    result = _deploy(inv, tmp_path)
    assert result.exit_code == 5, result.output
    out = _flat(result.output)
    assert "says BIRD 3.1.8" in out and "route_servers[0].bird_version is not set (the default 2.0.12 applies)" in out
    assert 'fix: add `bird_version: "3.1.8"` for route server rs1' in out
    assert list((tmp_path / "running").iterdir()) == []


def test_a_build_older_than_the_inventory_is_refused(tmp_path):
    """Built for 2.0.12, then the inventory moved rs1 to 3.1.8: the config on disk is not for 3.1."""
    _binary("2.0")
    inv = _repo(tmp_path, "2.0.12", deploy_series="3.1")
    text = inv.read_text()
    assert "bird_version: 2.0.12" in text
    inv.write_text(text.replace("bird_version: 2.0.12", "bird_version: 3.1.8"))
    result = _deploy(inv, tmp_path)
    assert result.exit_code == 5, result.output
    out = _flat(result.output)
    assert "the built config was written for BIRD 2.0.12, but" in out and "bird_version is 3.1.8" in out
    assert "the inventory changed after the build; nothing was deployed" in out and "run `ixpctl build` again" in out


@pytest.mark.parametrize("series", ["2.0", "2.17", "3.1"])
def test_the_same_series_passes_the_check(tmp_path, series):
    """Same series: the deploy goes on (a dry run, as no BIRD runs here: it says so) and reports the versions."""
    binary = _binary(series)
    inv = _repo(tmp_path, binary.version, deploy_series=series)
    result = _deploy(inv, tmp_path, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["steps"][0] == (f"BIRD on localhost: {binary.version} (running: not answering), "
                                  f"bird_version {binary.version}: same series")
    assert any("BIRD is not running" in step for step in report["steps"])
