"""A build is one generation, switched in with one rename (issue #15, item 14).

``<out>/current`` → ``.generations/<id>``; the files a reader opens (``rs1.conf``, ``manifest.json``,
``switch/`` ...) are symlinks through ``current``, so every reader sees one whole generation. A
SIGKILL at any moment leaves the previous generation or the new one in place, never a mix; the next
build removes what a killed one left; a second concurrent build is refused.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.ixp_repo import IxpRepo, make_repo, one_line, output_tree
from tests.support.synthetic import synthetic_ixp

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]
REPO = Path(__file__).resolve().parents[2]
VISIBLE = ("rs1.conf", "rs1.intent.json", "rs2.conf", "rs2.intent.json", "manifest.json")


def generation_of(out: Path) -> Path:
    """The generation every visible file resolves to; fails on a mix."""
    gens = {(out / name).resolve().parent for name in VISIBLE}
    assert len(gens) == 1, f"visible files come from several generations: {sorted(map(str, gens))}"
    (gen,) = gens
    assert gen == (out / "current").resolve()
    return gen


def assert_consistent(out: Path) -> None:
    """Every visible file is the one the visible manifest vouches for."""
    generation_of(out)
    manifest = json.loads((out / "manifest.json").read_text())
    for name in VISIBLE[:-1]:
        data = (out / name).read_bytes()
        assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest(), f"{name} is from another build"


def leftovers(out: Path) -> list[str]:
    """Staging a build leaves only when it is killed."""
    found = [p.name for p in out.iterdir() if p.name.startswith(".ixpctl-build-")]
    gens = out / ".generations"
    if gens.is_dir():
        found += [p.name for p in gens.iterdir() if not p.name.isdigit()]
    return found


def test_a_build_is_one_generation_behind_symlinks(tmp_path):
    repo = make_repo(tmp_path)
    assert repo.build().exit_code == 0
    out = repo.out
    assert (out / "current").is_symlink() and os.readlink(out / "current").startswith(".generations/")
    for name in VISIBLE:
        assert (out / name).is_symlink() and os.readlink(out / name) == f"current/{name}", name
    assert_consistent(out)
    first = generation_of(out)
    assert repo.cli("switch", "build", "-o", str(out)).exit_code == 0
    assert (out / "switch").is_symlink() and (out / "switch" / "sw1.cfg").is_file()
    second = generation_of(out)
    assert second != first and (second / "rs1.conf").read_bytes() == (first / "rs1.conf").read_bytes()
    assert_consistent(out)
    assert repo.build("--rs", "rs1").exit_code == 0  # rs2 and the switch configs carried over
    assert (out / "switch" / "sw1.cfg").is_file() and (out / "rs2.conf").is_file()
    assert_consistent(out)
    for _ in range(4):
        assert repo.build().exit_code == 0
    assert len(list((out / ".generations").iterdir())) <= 3  # older generations are pruned
    assert not leftovers(out)


def test_a_second_concurrent_build_is_refused(tmp_path):
    repo = make_repo(tmp_path)
    assert repo.build().exit_code == 0
    before = output_tree(repo.out)
    with open(repo.out / ".lock", "a") as held:  # what a running build holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = repo.build()
        switch = repo.cli("switch", "build", "-o", str(repo.out))
    assert result.exit_code == 4 and "another build" in one_line(result), one_line(result)
    assert switch.exit_code == 4 and "another build" in one_line(switch), one_line(switch)
    assert output_tree(repo.out) == before


def _two_inventories() -> tuple[dict, dict, object]:
    inventory, facts = synthetic_ixp(120, seed=3)
    rs = inventory["route_servers"][0]
    inventory["route_servers"].append({**rs, "name": "rs2", "router_id": "185.1.0.2", "ipv4": "185.1.0.2",
                                       "ipv6": "2001:7f8:ff::2"})
    other = copy.deepcopy(inventory)
    other["members"] = other["members"][:-10]  # a different build: fewer sessions
    return inventory, other, facts


def _build_cmd(repo: IxpRepo) -> list[str]:
    return [sys.executable, "-m", "ixpctl", "-i", str(repo.inventory), "-p", str(repo.policy), "build",
            "--snapshot", str(repo.snapshot), "-o", str(repo.out)]


def test_sigkill_at_random_moments_never_leaves_a_mix_nor_staging(tmp_path):
    inventory, other, facts = _two_inventories()
    repo = make_repo(tmp_path, inventory, facts)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    subprocess.run(_build_cmd(repo), check=True, capture_output=True, env=env, cwd=tmp_path)
    duration = time.monotonic() - started
    rng = random.Random(15)
    for attempt in range(10):
        repo.write_inventory(other if attempt % 2 == 0 else inventory)
        proc = subprocess.Popen(_build_cmd(repo), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                cwd=tmp_path, start_new_session=True)
        try:
            time.sleep(rng.uniform(0.2, 1.1) * duration)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the build and its bird -p
            proc.wait()
        assert_consistent(repo.out)
    subprocess.run(_build_cmd(repo), check=True, capture_output=True, env=env, cwd=tmp_path)
    assert_consistent(repo.out)
    assert not leftovers(repo.out), leftovers(repo.out)
