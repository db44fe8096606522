"""A deploy.host / deploy.user / --ssh value beginning with "-" must never become an ssh option
(`-oProxyCommand=...` runs a command on the operator's machine). Refused by the inventory model with
file:line, again where the ssh argv is built, and every ssh argv has "--" before the destination."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.deploy.target import SshTarget
from ixpctl.errors import DeployError, InputError
from ixpctl.inventory import load_inventory
from ixpctl.inventory.models import DeployTarget
from ixpctl.verify.ssh import forward_command
from tests.support.builders import base_inventory, write_inventory

needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client")


@pytest.mark.parametrize(("key", "value"), [("host", "-oProxyCommand=touch /tmp/x"), ("user", "-oProxyCommand=x"),
                                            ("host", "rs1..example"), ("user", "root x")])
def test_inventory_refuses_option_like_host_and_user(tmp_path, key, value):
    data = base_inventory()
    data["route_servers"][0]["deploy"] = {"host": "rs1.example", "user": "root", key: value}
    with pytest.raises(InputError) as exc:
        load_inventory(write_inventory(tmp_path, data))
    (problem,) = exc.value.problems
    assert problem.field == f"route_servers[0].deploy.{key}" and problem.file and problem.line
    assert value in problem.message


@pytest.mark.parametrize("host", ["rs1.mlix.example", "rs1", "192.0.2.1", "2001:db8::1", "localhost"])
def test_real_hosts_are_accepted(host):
    assert DeployTarget(host=host, user="deploy_bot").host == host


@needs_ssh
def test_ssh_target_never_runs_an_option_from_the_inventory(tmp_path):
    marker = tmp_path / "pwned"
    # model_construct: no validation, as if the inventory check had been bypassed
    settings = DeployTarget.model_construct(host="rs1.example", user=f"-oProxyCommand=touch {marker}", port=22,
                                            config_path="/etc/bird/bird.conf", control_socket="/run/bird/bird.ctl",
                                            bird_binary="bird", birdc_binary="birdc")
    with pytest.raises(DeployError) as exc:
        SshTarget(settings).run(["true"])  # the real ssh client: it would run the ProxyCommand
    assert not list(tmp_path.glob("pwned*")), "ssh ran the ProxyCommand"
    assert "not a user name" in exc.value.message


def test_every_ssh_argv_ends_options_before_the_destination():
    target = SshTarget(DeployTarget(host="rs1.example", user="root", port=2222))
    assert target.base[-2:] == ["--", "root@rs1.example"]
    argv = forward_command("root@rs1.example", "/run/bird/bird.ctl", "/tmp/x/bird.ctl")
    assert argv[-2:] == ["--", "root@rs1.example"]


@pytest.mark.parametrize("destination", ["-oProxyCommand=touch /tmp/x", "-root@rs1", "root@-rs1", "a b@rs1"])
def test_forward_command_refuses_option_like_destinations(destination):
    with pytest.raises(InputError):
        forward_command(destination, "/run/bird/bird.ctl", "/tmp/x/bird.ctl")


@needs_ssh
def test_sessions_ssh_option_is_refused_before_ssh_runs(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    result = CliRunner().invoke(main, ["sessions", "--ssh", f"-oProxyCommand=touch {marker}"])
    assert result.exit_code == 2 and "ssh destination" in result.output and "Traceback" not in result.output
    assert not marker.exists()
