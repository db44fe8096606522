"""`ixpctl switch build` on an inventory without switches says so instead of printing nothing."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.builders import base_inventory, write_inventory


def test_build_without_switches_says_so(tmp_path):
    data = base_inventory(members=1)
    data["switches"] = []
    for m in data["members"]:
        for c in m.get("connections", []):
            c.pop("switch", None), c.pop("ports", None)
    inv = write_inventory(tmp_path / "inv", data)
    runner = CliRunner()
    result = runner.invoke(main, ["-i", str(inv), "switch", "build", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "no switches in the inventory" in result.output
    result = runner.invoke(main, ["-i", str(inv), "switch", "build", "-o", str(tmp_path / "out"), "--json"])
    data = json.loads(result.stdout)
    assert data["switches"] == [] and "no switches" in data["note"]
