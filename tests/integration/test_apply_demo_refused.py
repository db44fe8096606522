"""`ixpctl apply` without `--allow-demo` on the bundled MLIX data (DEMO MODE: fictional resources)
refuses before it reaches any route server: exit 5 (the deploy exit code; README: "a config built in
demo mode ... is refused"), the message names DEMO MODE and the way out, no deployed file is touched
and the run record says it deployed nothing.

The copy of the repository keeps MLIX's inventory, policy and snapshot as they are, with two
changes a test needs: the route servers' deploy targets point at files and sockets of this test on
this machine (the real ones are rs1/rs2.mlix.example), and the sources may be as old as the bundled
snapshot (otherwise apply would stop earlier, on a stale source, exit 3). No daemon runs: had apply
gone past the refusal it would have failed on the missing control sockets with another message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from ixpctl.cli import main

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RUNNING = {"rs1": "# the running BIRD config: apply must not touch it\n",
           "rs2": "# the running bgpd config: apply must not touch it\n"}


def mlix_copy(root: Path) -> Path:
    for part in ("inventory", "policies", "snapshots/mlix", "examples/mlix"):
        shutil.copytree(REPO / part, root / part)
    yaml = YAML()
    path = root / "inventory" / "mlix.yml"
    data = yaml.load(path.read_text())
    for rs in data["route_servers"]:
        running = root / "rs" / f"{rs['name']}.conf"
        running.parent.mkdir(exist_ok=True)
        running.write_text(RUNNING[rs["name"]])
        rs["deploy"] = {"host": "localhost", "config_path": str(running),
                        "control_socket": str(root / "rs" / f"{rs['name']}.ctl")}
    for source in ("peeringdb", "irr", "rpki"):
        data["sources"][source]["max_age_hours"] = 1_000_000
    with path.open("w") as fh:
        yaml.dump(data, fh)
    return root


def test_apply_refuses_demo_mode_and_changes_nothing(tmp_path, monkeypatch):
    root = mlix_copy(tmp_path / "repo")
    monkeypatch.chdir(root)  # ixpctl runs from the root of the IXP's repository (relative paths)
    before = sorted(p.name for p in (root / "rs").iterdir())
    result = CliRunner().invoke(main, ["-i", "inventory", "-p", "policies/default.yml", "apply", "--no-refresh",
                                       "--json"], catch_exceptions=False)
    assert result.exit_code == 5, result.output
    assert "DEMO MODE" in result.stderr and "--allow-demo" in result.stderr
    # nothing deployed: the running configs are as they were, no .prev, no temporary file
    assert sorted(p.name for p in (root / "rs").iterdir()) == before
    for name, text in RUNNING.items():
        assert (root / "rs" / f"{name}.conf").read_text() == text
    # the run is recorded, as refused with an error, no route server deployed
    record = json.loads(result.stdout)
    assert record["outcome"] == "error" and "DEMO MODE" in record["message"]
    assert record["route_servers"] == [] and record["impacts"] == []
    assert record["config_diffs"] == []  # refused before reading what any route server runs
    (saved,) = (root / ".ixpctl" / "apply" / "runs").glob("*.json")
    assert json.loads(saved.read_text())["outcome"] == "error"
    history = CliRunner().invoke(main, ["-i", "inventory", "-p", "policies/default.yml", "apply", "--history",
                                        "--json"], catch_exceptions=False)
    (listed,) = json.loads(history.stdout)
    assert listed["outcome"] == "error" and listed["run_id"] == record["run_id"]
