"""`ixpctl deploy rs` refusals and dry run, with a local target (no daemon needed)."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.deploy.bird_binaries import BirdBinaries
from tests.integration.test_build import POLICY, make_repo, run_build
from tests.support.builders import base_inventory

pytestmark = [pytest.mark.integration, pytest.mark.skipif(shutil.which("bird") is None, reason="no bird")]


def setup(tmp_path, fictional=True, md5: str | None = None):
    data = base_inventory(fictional=fictional)
    if not fictional:  # public-looking numbers for a production-style inventory
        for i, m in enumerate(data["members"]):
            m["asn"] = 200000 + i
    # deploy compares the route server's `bird --version` with bird_version (default 2.0.12): a
    # BIRD 2.0 binary of this machine, whichever `bird` is on PATH (2.17 on Debian 13)
    bird20 = BirdBinaries().for_series("2.0").path
    for rs in data["route_servers"]:
        rs["deploy"] = {"host": "localhost", "config_path": str(tmp_path / f"{rs['name']}.running.conf"),
                        "control_socket": str(tmp_path / "none.ctl"), "bird_binary": bird20}
    if md5:
        data["members"][0]["md5"] = {"env": md5}
    inv, snap = make_repo(tmp_path, data)
    assert run_build(inv, snap, tmp_path / "build").exit_code == 0
    return inv


def deploy(inv, tmp_path, *args):
    return CliRunner().invoke(main, ["-i", str(inv), "-p", POLICY, "deploy", "rs", "--build-dir",
                                     str(tmp_path / "build"), *args], catch_exceptions=False)


def test_demo_mode_configs_are_refused(tmp_path):
    inv = setup(tmp_path)
    result = deploy(inv, tmp_path, "--rs", "rs1")
    assert result.exit_code == 5 and "DEMO MODE" in result.output
    assert not (tmp_path / "rs1.running.conf").exists()


def test_missing_md5_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("IXPCTL_TEST_UNSET_MD5", raising=False)
    inv = setup(tmp_path, md5="IXPCTL_TEST_UNSET_MD5")
    result = deploy(inv, tmp_path, "--rs", "rs1", "--allow-demo")
    assert result.exit_code == 5 and "MD5" in result.output


def test_dry_run_shows_diff_and_changes_nothing(tmp_path):
    inv = setup(tmp_path)
    (tmp_path / "rs1.running.conf").write_text("router id 192.0.2.1;\n")
    result = deploy(inv, tmp_path, "--rs", "rs1", "--dry-run", "--allow-demo", "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["changed"] and report["dry_run"] and "+define RS_ASN = 64500;" in report["diff"]
    assert (tmp_path / "rs1.running.conf").read_text() == "router id 192.0.2.1;\n"


SECRET = "Zq7-build-secret"


def test_build_writes_a_manifest_and_keeps_secret_configs_private(tmp_path, monkeypatch):
    monkeypatch.setenv("IXPCTL_TEST_MD5", SECRET)
    setup(tmp_path, md5="IXPCTL_TEST_MD5")
    build = tmp_path / "build"
    config = (build / "rs1.conf").read_bytes()
    assert SECRET.encode() in config
    for name in ("rs1.conf", "rs2.conf", "manifest.json"):  # the configs hold the secret; the hashes vouch for it
        assert oct(stat.S_IMODE((build / name).stat().st_mode)) == "0o600", name
    manifest = json.loads((build / "manifest.json").read_text())
    entry = manifest["files"]["rs1.conf"]
    assert entry["sha256"] == hashlib.sha256(config).hexdigest() and entry["size"] == len(config)
    assert entry["sessions"] == config.count(b"\nprotocol bgp ") > 0 and entry["ixpctl_version"]
    assert set(manifest["files"]) == {"rs1.conf", "rs1.intent.json", "rs2.conf", "rs2.intent.json"}
    assert SECRET not in (build / "manifest.json").read_text()


def running_file(tmp_path):
    running = tmp_path / "rs1.running.conf"
    running.write_text("router id 192.0.2.1;\n")
    return running, running.stat().st_ino


def test_deploy_refuses_a_config_changed_after_build(tmp_path):
    inv = setup(tmp_path)
    running, inode = running_file(tmp_path)
    conf = tmp_path / "build" / "rs1.conf"
    conf.write_bytes(conf.read_bytes().replace(b"router id 192.0.2.1;", b"router id 192.0.2.99;"))
    result = deploy(inv, tmp_path, "--rs", "rs1", "--allow-demo")
    assert result.exit_code == 5 and "is not the file `ixpctl build` wrote" in result.output
    assert running.stat().st_ino == inode and sorted(p.name for p in tmp_path.glob("rs1.running.conf*")) == [
        "rs1.running.conf"]


def test_deploy_refuses_a_session_count_other_than_the_build(tmp_path):
    inv = setup(tmp_path)
    running, inode = running_file(tmp_path)
    build = tmp_path / "build"
    conf = build / "rs1.conf"
    text = conf.read_bytes().replace(b"\nprotocol bgp ", b"\n# protocol bgp ", 1)  # one session fewer
    conf.write_bytes(text)
    manifest = json.loads((build / "manifest.json").read_text())  # a manifest that vouches for the bytes...
    manifest["files"]["rs1.conf"].update(sha256=hashlib.sha256(text).hexdigest(), size=len(text))
    (build / "manifest.json").write_text(json.dumps(manifest))
    result = deploy(inv, tmp_path, "--rs", "rs1", "--allow-demo")  # ...but not for the session count
    sessions = manifest["files"]["rs1.conf"]["sessions"]
    assert result.exit_code == 5 and f"has {sessions - 1} BGP sessions, the build rendered {sessions}" in result.output
    assert running.stat().st_ino == inode


def test_deploy_without_a_manifest_is_refused(tmp_path):
    inv = setup(tmp_path)
    running_file(tmp_path)
    (tmp_path / "build" / "manifest.json").resolve().unlink()  # the build's own manifest, not only the link
    result = deploy(inv, tmp_path, "--rs", "rs1", "--allow-demo")
    assert result.exit_code == 5 and "manifest.json is missing" in result.output


def test_dry_run_masks_md5_secrets_in_text_and_json(tmp_path, monkeypatch):
    monkeypatch.setenv("IXPCTL_TEST_MD5", SECRET)
    inv = setup(tmp_path, md5="IXPCTL_TEST_MD5")
    (tmp_path / "rs1.running.conf").write_text('router id 192.0.2.1;\nprotocol bgp old {\n  password "0ld-s3cret";\n}\n')
    for extra in ((), ("--json",)):
        result = deploy(inv, tmp_path, "--rs", "rs1", "--dry-run", "--allow-demo", *extra)
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output and "0ld-s3cret" not in result.output
        shown = json.loads(result.stdout)[0]["diff"] if extra else result.output
        assert '+  password "********";' in shown and shown.count('  password "********";') >= 2
