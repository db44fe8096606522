"""The systemd units shipped in contrib/systemd/ pass `systemd-analyze verify` (Debian's systemd:
in the Makefile's TEST_APT), keep their hardening, and run `ixpctl apply` as an unprivileged user.
ExecStart is pointed at this checkout's ixpctl for the check (verify wants an executable there)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration
UNITS = REPO / "contrib" / "systemd"


def _directives(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_apply_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (Debian package systemd, in TEST_APT)")
    ixpctl = Path(sys.executable).parent / "ixpctl"
    for name in ("ixpctl-apply.service", "ixpctl-apply.timer"):
        text = (UNITS / name).read_text()
        assert "/usr/local/bin/ixpctl apply" in text or name.endswith(".timer")
        (tmp_path / name).write_text(text.replace("/usr/local/bin/ixpctl", str(ixpctl)))
    proc = subprocess.run([analyze, "verify", "--man=no", str(tmp_path / "ixpctl-apply.service"),
                           str(tmp_path / "ixpctl-apply.timer")], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_apply_service_is_hardened():
    d = _directives(UNITS / "ixpctl-apply.service")
    assert d["User"] == ["ixpctl"] and d["Type"] == ["oneshot"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
                       "RestrictNamespaces": "yes", "SystemCallFilter": "@system-service"}.items():
        assert d[key] == [value], key
    timer = _directives(UNITS / "ixpctl-apply.timer")
    assert timer["Unit"] == ["ixpctl-apply.service"] and timer["Persistent"] == ["yes"]
