"""bgpctl's output is read up to a bound (a whole RIB's JSON at 500 000 routes is hundreds of MB).
No bgpd is needed to show the bound: ``yes`` stands in for a bgpctl whose output never ends (the
real bgpctl against a real bgpd is read by the OpenBGPD tests with the default bound)."""

from __future__ import annotations

import shutil
import time

import pytest

from ixpctl.verify.bgpctl import BgpctlClient, BgpctlError


def test_an_endless_reply_is_cut_at_the_bound_and_the_reader_stops(tmp_path):
    if shutil.which("yes") is None:
        pytest.skip("coreutils' yes is missing")
    endless = tmp_path / "endless-bgpctl"
    endless.write_text('#!/bin/sh\nexec yes \'{"rib": [{"prefix": "192.0.2.0/24"}]}\'\n')
    endless.chmod(0o755)
    client = BgpctlClient("/nonexistent.sock", binary=str(endless), timeout=20, max_bytes=2 * 1024 * 1024)
    started = time.monotonic()
    with pytest.raises(BgpctlError, match="larger than 2097152 bytes"):
        client.query("show", "rib")
    assert time.monotonic() - started < 10


def test_a_reply_that_does_not_end_in_time_is_a_timeout(tmp_path):
    slow = tmp_path / "slow-bgpctl"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(BgpctlError, match="timed out"):
        BgpctlClient("/nonexistent.sock", binary=str(slow), timeout=1).query("show", "neighbor")
    assert time.monotonic() - started < 10


def test_bgpctl_failing_says_what_it_said(tmp_path):
    failing = tmp_path / "failing-bgpctl"
    failing.write_text("#!/bin/sh\necho 'connect: /x.sock: No such file or directory' >&2\nexit 1\n")
    failing.chmod(0o755)
    with pytest.raises(BgpctlError, match="No such file or directory"):
        BgpctlClient("/x.sock", binary=str(failing)).query("show", "neighbor")
