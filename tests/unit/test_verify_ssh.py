"""SSH forwarding of a remote BIRD control socket: the command, and clean errors.

No SSH server runs in the test environment, so the forward itself is not exercised end to end here
(stated honestly); a fake `ssh` that exits at once proves failures become clear errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.errors import IxpctlError
from ixpctl.verify.ssh import forward_command, forwarded_socket


def test_forward_command():
    argv = forward_command("root@rs1.example", "/run/bird/bird.ctl", "/tmp/x/bird.ctl", port=2222)
    assert argv[0] == "ssh" and "-N" in argv and "BatchMode=yes" in argv and "ExitOnForwardFailure=yes" in argv
    assert argv[-4:] == ["-L", "/tmp/x/bird.ctl:/run/bird/bird.ctl", "--", "root@rs1.example"]
    assert argv[argv.index("-p") + 1] == "2222"


def test_failing_ssh_is_a_clear_error(tmp_path):
    fake = tmp_path / "ssh"
    fake.write_text("#!/bin/sh\necho 'Permission denied (publickey).' >&2\nexit 255\n")
    fake.chmod(0o755)
    with pytest.raises(IxpctlError) as exc, forwarded_socket("rs1.example", "/run/bird/bird.ctl", ssh=str(fake)):
        pass
    assert "Permission denied" in exc.value.message and exc.value.fix


def test_cli_reports_ssh_failure_without_traceback(tmp_path, monkeypatch):
    fake = tmp_path / "ssh"
    fake.write_text("#!/bin/sh\nexit 255\n")
    fake.chmod(0o755)
    monkeypatch.setenv("IXPCTL_SSH", str(fake))
    result = CliRunner().invoke(main, ["sessions", "--ssh", "rs1.example"])
    assert result.exit_code == 1 and "ssh to rs1.example" in result.output and "Traceback" not in result.output
