"""`ixpctl build` with an OpenBGPD route server: the config passes `bgpd -n` of the installed
OpenBGPD, and a config bgpd refuses is never written, the error quoting the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ixpctl.build import build
from ixpctl.deploy.bgpd_check import check_bgpd_config
from ixpctl.errors import BuildError
from ixpctl.inventory import load_inventory
from ixpctl.policy.loader import load_policy
from ixpctl.sources.snapshot import read_snapshot
from tests.conftest import REPO

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bgpd") is None or shutil.which("bird") is None,
                                 reason="needs bgpd (openbgpd) and bird")]


def _inventory(tmp_path: Path) -> Path:
    text = (REPO / "lab/conformance/inventory.yml").read_text()
    text = text.replace('ipv6: "2001:db8:0:10::2", bird_version: "2.0.12"}',
                        'ipv6: "2001:db8:0:10::2", daemon: openbgpd, openbgpd_version: "7.7"}')
    assert "daemon: openbgpd" in text
    path = tmp_path / "inventory.yml"
    path.write_text(text.replace("snapshot_dir: lab/conformance/snapshot", f"snapshot_dir: {REPO}/lab/conformance/snapshot"))
    return path


def test_build_checks_the_openbgpd_config(tmp_path: Path) -> None:
    loaded = load_inventory(_inventory(tmp_path))
    result = build(loaded, load_policy(REPO / "policies/default.yml"),
                   read_snapshot(REPO / "lab/conformance/snapshot", max_ages=None), out_dir=tmp_path / "out",
                   base_dir=REPO)
    configs = {c["route_server"]: c for c in result.summary()["configs"]}
    assert configs["rs1"]["daemon"] == "bird" and configs["rs2"]["daemon"] == "openbgpd"
    assert configs["rs2"]["checked_by"]["version"] == "7.7"  # the bgpd of its openbgpd_version ran bgpd -n
    text = (tmp_path / "out/rs2.conf").read_text()
    assert text.count("transparent-as yes") == 1 and "protocol bgp" not in text


def test_refused_config_quotes_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bgpd.conf"
    bad.write_text("AS 64500\nrouter-id 192.0.2.1\nneighbor 192.0.2.10 {\n  remote-as\n}\n")
    with pytest.raises(BuildError) as err:
        check_bgpd_config(bad, "bgpd")
    assert "line 4" in err.value.message and "remote-as" in err.value.message


def test_an_openbgpd_8_8_config_with_aspa_passes_bgpd_8_8(tmp_path: Path, monkeypatch) -> None:
    """openbgpd_version 8.8: role, ASPA (aspa-set + avs) rendered; checked by a real bgpd 8.8
    (scripts/openbgpd-versions.sh's private root on Debian 12)."""
    from ixpctl.deploy.bgpd_binaries import openbgpd_for
    from ixpctl.errors import IxpctlError

    try:
        pair = openbgpd_for("8.8")
    except IxpctlError as exc:
        pytest.skip(f"{exc.message} ({exc.fix})")
    monkeypatch.setenv("IXPCTL_BGPD", pair.bgpd)
    path = _inventory(tmp_path)
    path.write_text(path.read_text().replace('openbgpd_version: "7.7"', 'openbgpd_version: "8.8"'))
    result = build(load_inventory(path), load_policy(REPO / "policies/default.yml"),
                   read_snapshot(REPO / "lab/conformance/snapshot", max_ages=None), out_dir=tmp_path / "out",
                   base_dir=REPO)
    rs2 = next(c for c in result.summary()["configs"] if c["route_server"] == "rs2")
    assert not any("ASPA" in item for item in rs2["left_out"]), rs2["left_out"]
    assert rs2["checked_by"] == {"path": pair.bgpd, "version": "8.8", "origin": "openbgpd"}
    text = (tmp_path / "out/rs2.conf").read_text()
    assert "\naspa-set {\n  customer-as " in text and "avs invalid" in text and "role rs" in text


def test_no_bgpd_of_the_route_servers_version_is_a_clear_build_error(tmp_path: Path) -> None:
    """openbgpd_version 9.9: no bgpd of that series here, so the build stops naming the inventory
    line and field, and writes nothing (no config goes out unchecked)."""
    path = _inventory(tmp_path)
    path.write_text(path.read_text().replace('openbgpd_version: "7.7"', 'openbgpd_version: "9.9"'))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"9.9"' in text)
    with pytest.raises(BuildError) as err:
        build(load_inventory(path), load_policy(REPO / "policies/default.yml"),
              read_snapshot(REPO / "lab/conformance/snapshot", max_ages=None), out_dir=tmp_path / "out",
              base_dir=REPO)
    message = err.value.message
    assert "no OpenBGPD 9.9 on this machine" in message and "bgpd -n" in message
    assert f"{path}:{line}: route_servers[1].openbgpd_version is 9.9" in message, message
    assert "scripts/openbgpd-versions.sh" in err.value.fix and "7.7, 8.8 are supported" in err.value.fix
    assert not (tmp_path / "out/rs2.conf").exists() and not (tmp_path / "out/rs1.conf").exists()
