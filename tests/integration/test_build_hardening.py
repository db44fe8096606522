"""The build side of "errors, never tracebacks" (issue #15, item 11): markup in names, `-o` naming a
file, a full disk. Each is a clear error (or a clean success) and leaves the output as it was."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.support.builders import base_inventory
from tests.support.ixp_repo import make_repo, one_line, output_tree

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]


def assert_no_traceback(result) -> None:
    assert isinstance(result.exception, SystemExit) or result.exception is None, result.exception
    assert "Traceback" not in result.output


def test_markup_in_names_is_printed_as_text_by_the_build(tmp_path):
    data = base_inventory()
    data["members"][0]["name"] = "Member [/] 1"
    data["members"][1]["name"] = "[bold]Two[/bold]"
    repo = make_repo(tmp_path, data)
    result = repo.build()
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "Member [/] 1" in result.output and "[bold]Two[/bold]" in result.output
    assert "Member [/] 1" in (repo.out / "rs1.conf").read_text()


def test_an_output_path_that_is_a_file_is_bad_input(tmp_path):
    repo = make_repo(tmp_path)
    target = tmp_path / "build.txt"
    target.write_text("keep me\n")
    result = repo.build(out=target)
    assert_no_traceback(result)
    assert result.exit_code == 2 and f"{target}: the output directory is a file" in one_line(result)
    assert target.read_text() == "keep me\n"


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (root only), unmounted whatever the test does."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_a_clear_error_and_changes_nothing(tmp_path, tiny_disk):
    repo = make_repo(tmp_path)
    out = tiny_disk / "build"
    first = repo.build("--rs", "rs1", out=out)  # ~40 KB: fits
    assert first.exit_code == 0, first.output
    before = output_tree(out)
    result = repo.build(out=out)  # both route servers: does not fit
    assert_no_traceback(result)
    text = one_line(result)
    assert result.exit_code == 4, text
    assert "No space left on device" in text and "nothing was changed" in text
    assert output_tree(out) == before  # the previous build is still the current one, no staging left


def test_the_build_drops_a_vrp_for_the_default_route_loudly(tmp_path):
    from tests.support.policy_cases import M1, policy_facts

    facts = policy_facts()
    facts.vrps.append(("0.0.0.0/0", 32, M1))
    facts.irr["RIPE::AS-MEMBER2"].prefixes4.append(("0.0.0.0/0", 0, 24))
    repo = make_repo(tmp_path, facts=facts)
    result = repo.build()
    text = one_line(result)
    assert result.exit_code == 0, text
    assert "DROPPED: RPKI: 1 VRP(s)" in text and "0.0.0.0/0-32 AS64501" in text
    assert "DROPPED: IRR RIPE::AS-MEMBER2" in text
    config = (repo.out / "rs1.conf").read_text()
    assert "route 0.0.0.0/0 max 32" not in config and "0.0.0.0/0{0,24}" not in config
    assert "route 198.18.0.0/22 max 22 as 64501;" in config  # the sane VRPs are still there
