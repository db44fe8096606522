"""`ixpctl switch build | diff | push` as operators and CI see them; credentials; --limit.

The diff/push commands run here against NAPALM's ``mock`` driver (canned answers, no device model —
see test_switch_push_mock.py); it is selected the way an operator would select any driver, with
``napalm_driver:`` in the inventory and ``optional_args`` from the secrets file.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.errors import DeployError, InputError
from ixpctl.inventory import load_inventory
from ixpctl.switch.credentials import load_secrets_file, resolve
from ixpctl.switch.limit import parse_limits
from tests.support.builders import write_inventory, write_yaml
from tests.support.switch_builders import platform_inventory


def invoke(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture(autouse=True)
def no_switch_env(monkeypatch):
    for var in list(os.environ):
        if var.startswith("IXPCTL_SWITCH_"):
            monkeypatch.delenv(var)


def mock_setup(tmp_path, **answers):
    data = platform_inventory("eos")
    data["switches"][0]["napalm_driver"] = "mock"
    inv = write_inventory(tmp_path / "inv", data)
    fx = tmp_path / "fx"
    fx.mkdir()
    for name, value in answers.items():
        method, _, n = name.rpartition("_")
        (fx / f"{method}.{n}").write_text(json.dumps(value))
    secrets = write_yaml(tmp_path / "secrets.yml", {"default": {"user": "ixpctl", "password": "pw",
                                                                 "optional_args": {"path": str(fx)}}})
    secrets.chmod(0o600)
    return inv, secrets


def test_build_writes_configs_and_reports_capabilities(tmp_path, repo_root):
    result = invoke(["-i", str(repo_root / "inventory" / "mlix.yml"), "switch", "build", "-o", str(tmp_path),
                     "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["switch"] for s in data["switches"]] == ["sw1", "sw2"]
    assert data["switches"][1]["capabilities"]["ra_guard"]["level"] == "enforced"
    assert (tmp_path / "switch" / "sw2.cfg").read_text().startswith("# sw2 (Juniper Junos (ELS))")


def test_build_refuses_an_invalid_inventory(tmp_path):
    data = platform_inventory("eos")
    data["members"][0]["connections"][0]["ports"] = ["Ethernet99"]
    result = invoke(["-i", str(write_inventory(tmp_path, data)), "switch", "build", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and not (tmp_path / "o").exists()


def test_diff_json_with_the_mock_driver(tmp_path):
    inv, secrets = mock_setup(tmp_path, load_merge_candidate_1={}, compare_config_1={"diff": "+vlan 10"},
                              discard_config_1={})
    result = invoke(["-i", str(inv), "switch", "diff", "--secrets", str(secrets), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["switches"][0]["status"] == "would-change" and data["switches"][0]["diff"] == "+vlan 10"


def test_push_failure_exits_5_with_the_switch_named(tmp_path):
    inv, secrets = mock_setup(tmp_path, load_merge_candidate_1={}, compare_config_1={"diff": "+vlan 10"},
                              commit_config_1={"exception": "napalm.base.exceptions.CommitError",
                                               "args": ["% Session commit failed"]}, discard_config_1={})
    result = invoke(["-i", str(inv), "switch", "push", "--secrets", str(secrets), "--yes", "--json",
                     "--limit", "sw1:Ethernet1"])
    assert result.exit_code == 5
    data = json.loads(result.stdout)
    sw = data["switches"][0]
    assert not data["ok"] and sw["stage"] == "commit" and sw["sections"] == ["Ethernet1"]
    assert "sw1: commit failed: CommitError: % Session commit failed" in result.stderr


def test_push_without_terminal_needs_yes(tmp_path):
    inv, secrets = mock_setup(tmp_path)
    result = invoke(["-i", str(inv), "switch", "push", "--secrets", str(secrets)])
    assert result.exit_code == 5 and "--yes" in result.stderr


def test_bad_limit_is_an_input_error(tmp_path):
    inv, secrets = mock_setup(tmp_path)
    result = invoke(["-i", str(inv), "switch", "diff", "--secrets", str(secrets), "--limit", "sw9"])
    assert result.exit_code == 2 and "no switch 'sw9'" in result.stderr


def test_parse_limits(tmp_path):
    inv = load_inventory(write_inventory(tmp_path, platform_inventory("eos"))).inventory
    assert parse_limits(inv, []) is None
    assert parse_limits(inv, ["sw1"]) == {"sw1": None}
    assert parse_limits(inv, ["sw1:Ethernet1", "sw1:Port-Channel10"]) == {"sw1": {"Ethernet1", "Port-Channel10"}}
    with pytest.raises(InputError, match="uplink"):
        parse_limits(inv, ["sw1:Ethernet9"])
    with pytest.raises(InputError, match="no port 'Ethernet77'"):
        parse_limits(inv, ["sw1:Ethernet77"])


def test_credentials_precedence(tmp_path, monkeypatch):
    secrets = {"default": {"user": "file-user", "password": "file-pw", "optional_args": {"transport": "https"}},
               "switches": {"sw-a": {"password": "file-sw-pw", "optional_args": {"port": 8443}}}}
    c = resolve("sw-a", secrets)
    assert (c.user, c.password, c.optional_args) == ("file-user", "file-sw-pw", {"transport": "https", "port": 8443})
    monkeypatch.setenv("IXPCTL_SWITCH_PASSWORD", "env-pw")
    assert resolve("sw-a", secrets).password == "file-sw-pw"  # per-switch beats global
    assert resolve("sw-b", secrets).password == "env-pw"  # global env beats file default
    monkeypatch.setenv("IXPCTL_SWITCH_SW_A_PASSWORD", "env-sw-pw")
    c = resolve("sw-a", secrets)
    assert c.password == "env-sw-pw" and "env-sw-pw" not in repr(c)
    with pytest.raises(DeployError, match="no switch user"):
        resolve("sw-a", {})


def test_secrets_file_must_be_private(tmp_path):
    path = write_yaml(tmp_path / "s.yml", {"default": {"user": "u", "password": "p"}})
    path.chmod(0o644)
    with pytest.raises(InputError, match="readable by other users"):
        load_secrets_file(path)
    path.chmod(0o600)
    assert load_secrets_file(path)["default"]["user"] == "u"
    bad = write_yaml(tmp_path / "b.yml", {"user": "u"})
    bad.chmod(0o600)
    with pytest.raises(InputError, match="mapping with 'default'"):
        load_secrets_file(bad)
