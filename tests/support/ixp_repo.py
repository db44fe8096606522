"""A throw-away IXP repository for CLI tests of bad input: inventory, a copy of the default policy
and bogons, a facts snapshot, and a build directory — every path absolute, so the commands run
from any working directory.

``snapshot_edit`` changes one snapshot file and re-hashes it in the manifest, so that only the
content checks (not the hash check) can object.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from ixpctl.cli import main
from ixpctl.sources.facts import Facts, Provenance
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.builders import base_inventory, write_inventory
from tests.support.policy_cases import policy_facts

REPO = Path(__file__).resolve().parents[2]


@dataclass
class IxpRepo:
    root: Path

    @property
    def inventory(self) -> Path:
        return self.root / "inventory" / "ixp.yml"

    @property
    def policy(self) -> Path:
        return self.root / "policies" / "default.yml"

    @property
    def bogons(self) -> Path:
        return self.root / "policies" / "bogons.yml"

    @property
    def snapshot(self) -> Path:
        return self.root / "snapshot"

    @property
    def out(self) -> Path:
        return self.root / "build"

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """``ixpctl -i INVENTORY -p POLICY ARGS``; exceptions are caught (a test looks at exit_code
        and output: an uncaught exception is itself a failure it reports)."""
        return CliRunner().invoke(main, ["-i", str(self.inventory), "-p", str(self.policy), *args],
                                  env=env, catch_exceptions=True)

    def build(self, *extra: str, out: Path | None = None) -> Result:
        return self.cli("build", "--snapshot", str(self.snapshot), "-o", str(out or self.out), *extra)

    def write_inventory(self, data: dict[str, Any]) -> None:
        data = dict(data)
        data["sources"] = {"snapshot_dir": str(self.snapshot)}
        write_inventory(self.inventory.parent, data)

    def write_facts(self, facts: Facts) -> None:
        for source in ("peeringdb", "irr", "rpki"):
            facts.provenance.setdefault(source, Provenance(source, "test", "2026-11-22T00:00:00Z", "0" * 64))
        write_snapshot(facts, self.snapshot)

    def snapshot_edit(self, source: str, edit: Callable[[str], str]) -> None:
        """Replace the text of ``<source>.json`` by ``edit(text)`` and record its new hash."""
        path = self.snapshot / f"{source}.json"
        path.write_text(edit(path.read_text()))
        self.manifest_edit(lambda m: m["sources"][source].update(
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(), size=path.stat().st_size) or m)

    def manifest_edit(self, edit: Callable[[dict], Any]) -> None:
        path = self.snapshot / "manifest.json"
        manifest = json.loads(path.read_text())
        result = edit(manifest)
        path.write_text(json.dumps(manifest if result is None else result, indent=2))


def make_repo(root: Path, inventory: dict[str, Any] | None = None, facts: Facts | None = None) -> IxpRepo:
    repo = IxpRepo(root)
    (root / "policies").mkdir(parents=True, exist_ok=True)
    for name in ("default.yml", "bogons.yml"):
        shutil.copy(REPO / "policies" / name, root / "policies" / name)
    repo.write_inventory(inventory or base_inventory())
    repo.write_facts(facts or policy_facts())
    return repo


def output_tree(out: Path) -> dict[str, object]:
    """Every entry under a build directory: a symlink's target, a file's bytes, a directory marker
    (to assert that a refused build changed nothing, links and generations included)."""
    tree: dict[str, object] = {}
    for path in sorted(Path(out).rglob("*")):
        rel = str(path.relative_to(out))
        if path.is_symlink():
            tree[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            tree[rel] = "dir"
        else:
            tree[rel] = path.read_bytes()
    return tree


def one_line(result: Result) -> str:
    """The output with rich's line wrapping undone, for substring assertions."""
    return " ".join(result.output.split())
