"""A non-ASCII MD5 secret, rendered by a real `ixpctl build`, brings a real TCP-MD5 session up
against a BIRD configured with the same secret (Linux keys are bytes: the UTF-8 bytes must match)."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.integration.test_build import make_repo, run_build
from tests.support.builders import base_inventory
from tests.support.rslab import member_config, rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]

SECRET = "pässwörd€42"


def test_utf8_secret_from_build_brings_the_session_up(rslab_factory, tmp_path, monkeypatch):
    data = base_inventory()
    data["members"][0]["md5"] = {"env": "IXPCTL_TEST_MD5_UTF8"}
    inv, snap = make_repo(tmp_path / "repo", data)
    monkeypatch.setenv("IXPCTL_TEST_MD5_UTF8", SECRET)
    assert run_build(inv, snap, tmp_path / "build").exit_code == 0
    rendered = re.search(r'^  password "(.*)";$', (tmp_path / "build" / "rs1.conf").read_text(encoding="utf-8"),
                         re.MULTILINE)
    assert rendered is not None
    rslab = rslab_factory()
    # the route server's session carries exactly what the build rendered; the member types the secret
    rslab.start(rs_config(password=rendered.group(1)), member_config(password=SECRET))
    rslab.wait_established()
