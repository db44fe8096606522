"""A small IXP configuration repository in git, for the semantic diff and `ixpctl ci` tests.

Layout (like an IXP's own repo): ``inventory/ixp.yml``, ``policies/default.yml`` + ``bogons.yml``
(copied from ixpctl's defaults), ``snapshot/`` (facts, committed). ``commit()`` records the
current state, so a test writes commit 1, changes files, and diffs the working tree against it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ixpctl.sources.facts import Facts, IrrExpansion, Provenance
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.builders import base_inventory, make_member, write_inventory

REPO = Path(__file__).resolve().parents[2]
M1, M2, M3, M4 = 64501, 64502, 64503, 64504

GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "t@example.net", "GIT_COMMITTER_NAME": "test",
           "GIT_COMMITTER_EMAIL": "t@example.net", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def diff_facts() -> Facts:
    """IRR data where every route of the baseline is accepted (no VRPs: RPKI not-found everywhere)."""
    f = Facts()
    f.irr["RIPE::AS-MEMBER1"] = IrrExpansion("RIPE::AS-MEMBER1", [M1],
                                             [("198.18.0.0/22", 22, 22), ("198.18.4.0/24", 24, 24)],
                                             [("2001:db8:1000::/48", 48, 48)])
    f.irr["RIPE::AS-MEMBER2"] = IrrExpansion("RIPE::AS-MEMBER2", [M2], [("198.18.50.0/24", 24, 24)], [])
    f.irr["RIPE::AS-MEMBER2B"] = IrrExpansion("RIPE::AS-MEMBER2B", [M2],
                                              [("198.18.50.0/24", 24, 24), ("198.18.51.0/24", 24, 24)], [])
    f.irr["RIPE::AS-MEMBER3"] = IrrExpansion("RIPE::AS-MEMBER3", [M3],
                                             [("198.18.60.0/24", 24, 24), ("45.10.0.0/24", 24, 24)], [])
    f.irr["RIPE::AS-MEMBER4"] = IrrExpansion("RIPE::AS-MEMBER4", [M4], [("198.18.70.0/24", 24, 24)], [])
    for source in ("peeringdb", "irr", "rpki"):
        f.provenance[source] = Provenance(source, "test", "2026-11-22T00:00:00Z", "0" * 64)
    return f


def baseline_inventory() -> dict[str, Any]:
    data = base_inventory(members=0)
    data["ixp"]["peeringdb_ix_id"] = 1
    data["sources"] = {"snapshot_dir": "snapshot"}  # relative to the repo, like an IXP's own
    data["members"] = [make_member(1), make_member(2), make_member(3, policy={"irr": {"enforce_prefix": False}})]
    return data


class DiffRepo:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def create(cls, root: Path, inventory: dict[str, Any] | None = None, facts: Facts | None = None) -> DiffRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q", "-b", "main")
        (root / "policies").mkdir(exist_ok=True)
        shutil.copy(REPO / "policies" / "default.yml", root / "policies" / "default.yml")
        shutil.copy(REPO / "policies" / "bogons.yml", root / "policies" / "bogons.yml")
        repo.write_inventory(inventory or baseline_inventory())
        write_snapshot(facts or diff_facts(), root / "snapshot")
        return repo

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                              env={**os.environ, **GIT_ENV}, check=True)
        return proc.stdout

    def write_inventory(self, data: dict[str, Any]) -> Path:
        return write_inventory(self.root / "inventory", data)

    def add_bogon(self, prefix: str) -> None:
        path = self.root / "policies" / "bogons.yml"
        text = path.read_text().replace("ipv4:\n", f"ipv4:\n  - {prefix}\n", 1)
        path.write_text(text)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def cli_args(self) -> list[str]:
        return ["-i", "inventory", "-p", "policies/default.yml"]


@pytest.fixture
def repo(tmp_path, monkeypatch) -> DiffRepo:
    """A git repository with the baseline inventory committed, the working directory inside it."""
    r = DiffRepo.create(tmp_path / "ixp")
    r.commit("baseline")
    monkeypatch.chdir(r.root)
    return r
