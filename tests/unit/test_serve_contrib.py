"""The deployment examples of ixpctl serve: the systemd unit runs it unprivileged, read-only, bound
to loopback, able to reach BIRD's socket through the group "bird" only; systemd itself accepts the
unit (systemd-analyze verify, where installed); the nginx example keeps its limits in step."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess

import pytest

from ixpctl.serve.config import Limits
from tests.conftest import REPO

UNIT = REPO / "contrib" / "systemd" / "ixpctl-serve.service"
NGINX = REPO / "contrib" / "nginx" / "ixpctl-serve.conf"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def test_unit_is_unprivileged_and_read_only():
    svc = _unit()["Service"]
    assert svc["User"] == "ixpctl-serve" and svc["SupplementaryGroups"] == "bird"
    assert svc["NoNewPrivileges"] == "yes" and svc["CapabilityBoundingSet"] == ""
    assert svc["ProtectSystem"] == "strict" and svc["ReadOnlyPaths"] == "/srv/ixp"
    assert "--bind 127.0.0.1" in svc["ExecStart"] and svc["ExecStart"].split()[1] == "serve"


def test_systemd_accepts_the_unit(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    # the same unit with an ExecStart that exists here (the real one lives in /opt/ixpctl)
    text = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", UNIT.read_text(), flags=re.MULTILINE)
    copy = tmp_path / "ixpctl-serve.service"
    copy.write_text(text)
    out = subprocess.run(["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True, check=False)
    problems = [line for line in (out.stdout + out.stderr).splitlines()
                if "ixpctl-serve.service" in line and "bird.service" not in line]
    assert not problems, problems


def test_nginx_body_limit_matches_the_service():
    text = NGINX.read_text()
    size = int(re.search(r"client_max_body_size (\d+)k;", text).group(1)) * 1024
    assert size == Limits().max_body_bytes
    assert "proxy_pass http://ixpctl_serve;" in text and "127.0.0.1:8080" in text
