"""MD5 secrets through a real `ixpctl build` and `bird -p`: rendered byte for byte (UTF-8 included),
or refused with the member, the session and where the secret came from."""

from __future__ import annotations

import shutil

import pytest

from tests.integration.test_build import make_repo, run_build
from tests.support.builders import base_inventory

pytestmark = [pytest.mark.integration, pytest.mark.skipif(shutil.which("bird") is None, reason="no bird")]


def repo_with_secret(tmp_path, monkeypatch, secret: str):
    data = base_inventory()
    data["members"][0]["md5"] = {"env": "IXPCTL_TEST_MD5_M1"}
    monkeypatch.setenv("IXPCTL_TEST_MD5_M1", secret)
    return make_repo(tmp_path, data)


def test_non_ascii_secret_is_rendered_exactly(tmp_path, monkeypatch):
    inv, snap = repo_with_secret(tmp_path, monkeypatch, "pässwörd€42")
    result = run_build(inv, snap, tmp_path / "build")
    assert result.exit_code == 0, result.output  # and bird -p accepted it
    config = (tmp_path / "build" / "rs1.conf").read_bytes()
    assert config.count('  password "pässwörd€42";\n'.encode()) == 2  # both sessions of member 1, UTF-8 bytes


def test_secret_longer_than_a_linux_key_is_refused(tmp_path, monkeypatch):
    inv, snap = repo_with_secret(tmp_path, monkeypatch, "é" * 41)  # 41 characters, 82 bytes
    result = run_build(inv, snap, tmp_path / "build")
    text = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "MD5 secret for AS64501 session AS64501_1_v4 (environment variable IXPCTL_TEST_MD5_M1)" in text
    assert "82 bytes in UTF-8" in text and "at most 80 bytes" in text
    assert not (tmp_path / "build" / "rs1.conf").exists()


def test_secret_file_that_is_not_utf8_is_refused(tmp_path):
    data = base_inventory()
    secret = tmp_path / "m1.md5"
    secret.write_bytes(b"p\xe4ss\n")  # Latin-1, not UTF-8
    secret.chmod(0o600)
    data["members"][0]["md5"] = {"file": str(secret)}
    inv, snap = make_repo(tmp_path, data)
    result = run_build(inv, snap, tmp_path / "build")
    assert result.exit_code == 2 and f"(file {secret}) is not valid UTF-8" in " ".join(result.output.split())
