"""Every BIRD target ixpctl renders for, with the real daemon of that version (those found here:
scripts/bird-versions.sh installs 2.0, 2.17 and 3.1): the MLIX example's and the conformance IXP's
configs parse without a single warning, a build checks each config with a BIRD of its own series
and says which one, and a binary of another series is refused, not silently used."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.deploy.bird_binaries import BirdBinaries
from ixpctl.errors import BuildError
from ixpctl.inventory import load_inventory
from ixpctl.policy.intent import compile_route_server, for_bird
from ixpctl.policy.loader import load_policy
from ixpctl.render.bird import render_route_server
from ixpctl.render.bird_versions import TARGETS
from ixpctl.sources.snapshot import read_snapshot
from tests.conftest import REPO
from tests.integration.test_build import make_repo, run_build
from tests.support.builders import base_inventory
from tests.support.policy_cases import policy_facts

pytestmark = pytest.mark.integration
SERIES = [t.name for t in TARGETS]
IXPS = {"mlix": ("inventory", "snapshots/mlix"), "conformance": ("lab/conformance/inventory.yml",
                                                                  "lab/conformance/snapshot")}


def _binary(series: str):
    try:
        return BirdBinaries().for_series(series)
    except BuildError as err:
        pytest.skip(f"no BIRD {series} here ({err.message}): run scripts/bird-versions.sh")


@pytest.mark.parametrize("ixp", sorted(IXPS))
@pytest.mark.parametrize("series", SERIES)
def test_configs_parse_without_warnings(tmp_path, series, ixp):
    binary = _binary(series)
    inventory, snapshot = IXPS[ixp]
    loaded = load_inventory(REPO / inventory)
    policy = load_policy(REPO / "policies" / "default.yml")
    facts = read_snapshot(REPO / snapshot)
    for rs in loaded.inventory.route_servers:
        intent = for_bird(compile_route_server(loaded, policy, facts, rs), binary.version)
        path = tmp_path / f"{rs.name}.conf"
        path.write_text(render_route_server(intent))
        check = subprocess.run([binary.path, "-p", "-c", str(path)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        assert (check.stdout + check.stderr).strip() == "", f"BIRD {binary.version} on {ixp} {rs.name}"
        text = path.read_text()
        assert ("aspa table rpki_aspa;" in text) == intent.aspa == (series != "2.0")
        assert ("function is_blackhole_route() -> bool" in text) == (series != "2.0")


def test_build_checks_each_config_with_its_own_series(tmp_path):
    """rs1 on 2.0.12 and rs2 on 3.1.8: each checked by a BIRD of that series, named in the summary."""
    for series in ("2.0", "3.1"):
        _binary(series)
    data = base_inventory()
    data["route_servers"][1]["bird_version"] = "3.1.8"
    facts = policy_facts()
    inv, snap = make_repo(tmp_path, data, facts)
    result = run_build(inv, snap, tmp_path / "build", "--json")
    assert result.exit_code == 0, result.output
    by_rs = {c["route_server"]: c for c in json.loads(result.stdout)["configs"]}
    assert by_rs["rs1"]["checked_by"]["version"].startswith("2.0.")
    assert by_rs["rs2"]["checked_by"]["version"].startswith("3.1.")
    assert by_rs["rs1"]["left_out"] == ["ASPA path verification (needs BIRD >= 2.16)"]
    assert by_rs["rs2"]["left_out"] == []
    rs2 = (tmp_path / "build" / "rs2.conf").read_text()
    assert "route aspa 64510 providers 64501, 64507;" in rs2 and "template bgp rs_member" in rs2
    human = run_build(inv, snap, tmp_path / "build2")
    assert human.exit_code == 0, human.output
    assert "(BIRD 3.1." in human.output and "(BIRD 2.0." in human.output


def test_a_bird_of_another_series_is_refused(tmp_path):
    """--bird names the binaries that may check: a 2.0 binary never checks a 3.1 config (exit 4); the
    error says what `bird --version` found and which inventory line asks for 3.1."""
    old = _binary("2.0")
    data = base_inventory()
    data["route_servers"][0]["bird_version"] = "3.1"
    inv, snap = make_repo(tmp_path, data, policy_facts())
    result = run_build(inv, snap, tmp_path / "build", "--rs", "rs1", "--bird", old.path)
    assert result.exit_code == 4, result.output
    out = " ".join(result.output.split())
    assert "rs1 targets BIRD 3.1 but no BIRD 3.1 is here" in out and f"(found: {old.version} ({old.path}))" in out
    line = next(i for i, text in enumerate(inv.read_text().splitlines(), 1) if "bird_version" in text)
    assert f"the version comes from {inv}:{line}: route_servers[0].bird_version is 3.1" in out
    assert not Path(tmp_path / "build" / "rs1.conf").exists()


def test_unsupported_version_is_a_validation_error(tmp_path):
    data = base_inventory()
    data["route_servers"][0]["bird_version"] = "2.14"
    inv, snap = make_repo(tmp_path, data, policy_facts())
    result = run_build(inv, snap, tmp_path / "build")
    assert result.exit_code == 1, result.output
    assert "BIRD 2.14 is not a version ixpctl renders configs for" in " ".join(result.output.split())


@pytest.mark.parametrize("series", [s for s in SERIES if s != "2.0"])
def test_rtr_sources_get_an_aspa_channel(tmp_path, series):
    """With rtr_servers the ASPA records come over RTR like the VRPs (no static ASPA table)."""
    binary = _binary(series)
    data = base_inventory()
    data["route_servers"][0]["bird_version"] = binary.version
    data["sources"] = {"rpki": {"rtr_servers": [{"host": "127.0.0.1", "port": 3323, "preference": 1}]}}
    inv, snap = make_repo(tmp_path, data, policy_facts())
    result = run_build(inv, snap, tmp_path / "build", "--rs", "rs1", "--json")
    assert result.exit_code == 0, result.output
    assert not [w for w in json.loads(result.stdout)["warnings"] if "warned" in w]
    config = (tmp_path / "build" / "rs1.conf").read_text()
    assert "aspa { table rpki_aspa; };" in config and "protocol static aspa_static" not in config
    assert "max version 1;" not in config  # ASPA over RTR needs version 2


@pytest.mark.parametrize("series", SERIES)
def test_rtr_without_aspa_asks_for_version_1_where_bird_has_the_option(tmp_path, series):
    """BIRD 2.17.6 does not fall back from RTR version 2 when the cache refuses it (Debian 13's
    StayRTR 0.6.2: Transport-Error, no VRPs; measured): without ASPA over RTR, `max version 1`."""
    binary = _binary(series)
    data = base_inventory()
    data["route_servers"][0]["bird_version"] = binary.version
    data["sources"] = {"rpki": {"rtr_servers": [{"host": "127.0.0.1", "port": 3323, "preference": 1}]}}
    inv, snap = make_repo(tmp_path, data, policy_facts())
    policy = tmp_path / "no-aspa.yml"  # beside its bogons file, like policies/default.yml
    shutil.copy(REPO / "policies" / "bogons.yml", tmp_path / "bogons.yml")
    policy.write_text((REPO / "policies" / "default.yml").read_text().replace(
        "aspa:\n  enabled: true", "aspa:\n  enabled: false"))
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", str(policy), "build", "--snapshot", str(snap),
                                       "-o", str(tmp_path / "build"), "--rs", "rs1", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not [w for w in json.loads(result.stdout)["warnings"] if "warned" in w]
    config = (tmp_path / "build" / "rs1.conf").read_text()
    assert ("max version 1;" in config) == (series != "2.0") and "aspa {" not in config


def test_bird3_worker_threads_are_a_route_server_setting(tmp_path):
    """route_servers[].threads: `threads N;` in a BIRD 3 config (no warning from 3.1's bird -p)."""
    _binary("3.1")
    data = base_inventory()
    data["route_servers"][0].update({"bird_version": "3.1.8", "threads": 2})
    inv, snap = make_repo(tmp_path, data, policy_facts())
    result = run_build(inv, snap, tmp_path / "build", "--rs", "rs1", "--json")
    assert result.exit_code == 0, result.output
    assert not [w for w in json.loads(result.stdout)["warnings"] if "warned" in w]
    config = (tmp_path / "build" / "rs1.conf").read_text()
    assert "\nthreads 2;\n" in config and config.index("threads 2;") < config.index("define RS_ASN")


@pytest.mark.parametrize(("changes", "says"), [
    ({"bird_version": "2.17.6", "threads": 2}, "runs BIRD 2.17.6"),
    ({"threads": 4}, "runs BIRD 2.0.12"),
    ({"bird_version": "3.1.8", "threads": 0}, "greater than or equal to 1"),
])
def test_threads_outside_bird3_are_an_input_error_at_their_line(tmp_path, changes, says):
    data = base_inventory()
    data["route_servers"][1].update(changes)
    inv, snap = make_repo(tmp_path, data, policy_facts())
    result = run_build(inv, snap, tmp_path / "build")
    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert f"{inv}:" in out and "route_servers[1]" in out and says in out, out
    assert not (tmp_path / "build").exists()


def test_threads_of_a_bird3_route_server_run_on_bird2_are_left_out_and_said():
    """A lab or test run of a BIRD 3 route server on BIRD 2 (for_bird) drops `threads` and says so."""
    from ixpctl.render.bird import Capabilities, left_out, parse_version

    loaded = load_inventory(REPO / "inventory")
    rs = loaded.inventory.route_servers[0].model_copy(update={"bird_version": "3.1.8", "threads": 2})
    intent = compile_route_server(loaded, load_policy(REPO / "policies" / "default.yml"),
                                  read_snapshot(REPO / "snapshots/mlix"), rs)
    assert "\nthreads 2;\n" in render_route_server(intent)
    on_2 = for_bird(intent, "2.17.6")
    assert "\nthreads " not in render_route_server(on_2)
    assert "2 worker threads (route_servers[].threads needs BIRD 3)" in left_out(on_2, Capabilities(
        parse_version("2.17.6")))


def test_mlix_example_says_where_aspa_runs(tmp_path):
    """The bundled MLIX example: rs1 on BIRD 2.0.12 and rs2 on OpenBGPD 7.7 both leave ASPA out and
    say so; the same inventory with rs2 on BIRD 3.1.8 verifies paths with the snapshot's six
    (fictional) ASPA records, and the summary says which, in text and JSON."""
    import shutil

    _binary("2.0")
    _binary("3.1")
    from click.testing import CliRunner

    from ixpctl.cli import main

    def build(inventory):
        args = ["-i", str(inventory), "-p", str(REPO / "policies" / "default.yml"), "build",
                "--snapshot", str(REPO / "snapshots" / "mlix"), "-o", str(tmp_path / "build")]
        result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        human = " ".join(CliRunner().invoke(main, args, catch_exceptions=False).output.split())
        return {c["route_server"]: c for c in json.loads(result.stdout)["configs"]}, human

    by_rs, _ = build(REPO / "inventory")
    assert by_rs["rs1"]["aspa"] is None and by_rs["rs1"]["left_out"] == ["ASPA path verification (needs BIRD >= 2.16)"]
    assert by_rs["rs2"].get("aspa") is None  # OpenBGPD 7.7 has no ASPA (8.8 has)

    inventory = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", inventory)
    text = (inventory / "mlix.yml").read_text()
    rs2 = text.index("  - name: rs2")
    daemon = text.index("    daemon: openbgpd", rs2)
    text = (text[:daemon] + '    bird_version: "3.1.8"\n' + text[text.index("\n", daemon) + 1:]) \
        .replace("config_path: /etc/bgpd.conf", "config_path: /etc/bird/bird.conf")
    (inventory / "mlix.yml").write_text(text)
    by_rs, human = build(inventory)
    assert by_rs["rs2"]["aspa"] == {"records": 6, "source": "static", "invalid": "tag", "community": "64500:65521:21"}
    assert by_rs["rs2"]["checked_by"]["version"].startswith("3.1.")
    rs2_conf = (tmp_path / "build" / "rs2.conf").read_text()
    assert "route aspa 65543 providers 64497;" in rs2_conf and "aspa_check_upstream" in rs2_conf
    assert "ASPA path verification: 6 records (static aspa table); invalid paths tagged 64500:65521:21" in human
