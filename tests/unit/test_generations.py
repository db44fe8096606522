"""base/generations.py: a build's files become visible together, in one rename (issue #15, item 14).

The real-process test (SIGKILL at random moments of `ixpctl build`) is in
tests/integration/test_build_generations.py; here every step of a switch is checked in-process."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from ixpctl.base import generations
from ixpctl.base.generations import current_generation, generation_of, new_generation
from ixpctl.errors import BuildError, InputError

NAMES = ("rs1.conf", "rs2.conf", "manifest.json")


def build(out: Path, tag: str, names=NAMES, sub: str | None = None) -> None:
    with new_generation(out) as gen:
        for name in names:
            (gen.path / name).write_text(tag)
        if sub:
            (gen.path / "switch").mkdir()
            (gen.path / "switch" / "sw1.cfg").write_text(sub)
        gen.commit()


def visible(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text() for name in NAMES if (out / name).exists()}


def test_each_step_of_a_switch_shows_one_whole_build(tmp_path, monkeypatch):
    out = tmp_path / "build"
    build(out, "A")
    seen: list[dict[str, str]] = []

    def watching(real):
        def call(*args, **kwargs):
            seen.append(visible(out))  # what a reader sees before this step...
            result = real(*args, **kwargs)
            seen.append(visible(out))  # ...and after it
            return result
        return call

    for name in ("rename", "replace", "symlink", "link", "unlink"):
        monkeypatch.setattr(generations.os, name, watching(getattr(os, name)))
    monkeypatch.setattr(generations.shutil, "rmtree", watching(shutil.rmtree))
    build(out, "B")
    assert len(seen) > 6
    for state in seen:
        assert set(state.values()) in ({"A"}, {"B"}) and len(state) == len(NAMES), state
    assert visible(out) == dict.fromkeys(NAMES, "B")


def test_visible_names_are_links_through_current(tmp_path):
    out = tmp_path / "build"
    build(out, "A", sub="switch A")
    assert os.readlink(out / "current") == ".generations/000001"
    assert {os.readlink(out / n) for n in (*NAMES, "switch")} == {f"current/{n}" for n in (*NAMES, "switch")}
    assert generation_of(out / "rs1.conf") == current_generation(out) == (out / ".generations" / "000001").resolve()


def test_what_a_build_does_not_write_is_carried_over_as_hard_links(tmp_path):
    out = tmp_path / "build"
    build(out, "A", sub="switch A")
    before = (out / "rs2.conf").stat().st_ino
    build(out, "B", names=("rs1.conf",))
    assert (out / "rs1.conf").read_text() == "B" and (out / "rs2.conf").read_text() == "A"
    assert (out / "switch" / "sw1.cfg").read_text() == "switch A" and (out / "rs2.conf").stat().st_ino == before


def test_files_of_older_builds_stay_until_removed_by_hand(tmp_path):
    out = tmp_path / "build"
    build(out, "A", names=("rs1.conf",))
    (out / ".generations" / "000001" / "rs9.conf").write_text("old")  # as if an older build had made it
    build(out, "B")  # carries rs9.conf: builds never drop files they did not write
    assert (out / "rs9.conf").read_text() == "old"


def test_only_the_newest_generations_are_kept(tmp_path):
    out = tmp_path / "build"
    for tag in "ABCDEF":
        build(out, tag)
    assert sorted(p.name for p in (out / ".generations").iterdir()) == ["000004", "000005", "000006"]
    assert visible(out) == dict.fromkeys(NAMES, "F")


def test_a_failed_build_changes_nothing(tmp_path):
    out = tmp_path / "build"
    build(out, "A")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    with pytest.raises(RuntimeError), new_generation(out) as gen:
        (gen.path / "rs1.conf").write_text("half")
        raise RuntimeError("bird -p refused it")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before and visible(out)["rs1.conf"] == "A"


def test_the_next_build_removes_what_dead_builds_left(tmp_path):
    out = tmp_path / "build"
    build(out, "A")
    (out / ".generations" / "000007.tmp").mkdir()  # a build killed while writing
    (out / ".generations" / "000007.tmp" / "rs1.conf").write_text("x" * 1000)
    (out / ".ixpctl-build-abc123").mkdir()  # the staging of an ixpctl before generations
    build(out, "B")
    assert sorted(p.name for p in (out / ".generations").iterdir()) == ["000001", "000002"]
    assert not (out / ".ixpctl-build-abc123").exists()


def test_a_second_build_fails_fast_while_one_holds_the_lock(tmp_path):
    out = tmp_path / "build"
    build(out, "A")
    with open(out / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BuildError, match="another build is writing"):
            build(out, "B")
    assert visible(out)["rs1.conf"] == "A"
    build(out, "C")  # the lock goes with its holder
    assert visible(out)["rs1.conf"] == "C"


def test_the_layout_before_generations_is_taken_over(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    for name in NAMES:
        (out / name).write_text("old")
    (out / "switch").mkdir()
    (out / "switch" / "sw1.cfg").write_text("old")
    (out / "welcome").mkdir()  # not a build's: left alone
    build(out, "B", sub="switch B")
    assert visible(out) == dict.fromkeys(NAMES, "B") and (out / "switch" / "sw1.cfg").read_text() == "switch B"
    assert (out / "switch").is_symlink() and (out / "welcome").is_dir() and not (out / "welcome").is_symlink()


def test_an_output_path_that_is_a_file_is_an_input_error(tmp_path):
    path = tmp_path / "build"
    path.write_text("not a directory")
    with pytest.raises(InputError, match="is a file"):
        build(path, "A")
    assert path.read_text() == "not a directory"


def test_a_write_error_is_a_build_error_that_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "build"
    build(out, "A")
    with pytest.raises(BuildError, match="No space left on device") as exc, new_generation(out) as gen:
        raise OSError(28, "No space left on device", str(gen.path / "rs1.conf"))
    assert "nothing was changed" in exc.value.message and visible(out)["rs1.conf"] == "A"
    assert not list((out / ".generations").glob("*.tmp"))


def test_every_file_is_on_disk_before_the_switch(tmp_path, monkeypatch):
    """A power cut right after `current` moves must not leave it naming empty configs: each file's
    data (and each directory) is fsynced before the generation is renamed into place."""
    out = tmp_path / "build"
    opened: dict[int, str] = {}
    synced: list[str] = []
    real_open, real_fsync, real_rename = os.open, os.fsync, os.rename
    renamed_after: list[list[str]] = []

    def spy_open(path, flags, *args, **kwargs):
        fd = real_open(path, flags, *args, **kwargs)
        opened[fd] = str(path)
        return fd

    def spy_fsync(fd):
        synced.append(opened.get(fd, "?"))
        return real_fsync(fd)

    def spy_rename(src, dst, *args, **kwargs):
        renamed_after.append(list(synced))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(generations.os, "open", spy_open)
    monkeypatch.setattr(generations.os, "fsync", spy_fsync)
    monkeypatch.setattr(generations.os, "rename", spy_rename)
    build(out, "A", sub="switch config")
    before_switch = renamed_after[0]
    for name in (*NAMES, "switch/sw1.cfg"):
        assert any(p.endswith(name) and ".tmp" in p for p in before_switch), (name, before_switch)
