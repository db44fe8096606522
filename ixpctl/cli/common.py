"""What every command shares: where the inventory and policy are, output helpers."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console

# Outside a terminal (CI logs, pipes) rich would wrap at 80 columns: use a width logs can hold.
_WIDTH = None if sys.stdout.isatty() else int(__import__("os").environ.get("COLUMNS", "140"))
# emoji=False: rich would turn ":100:" in "inventory/ixp.yml:100: ..." into an emoji.
console = Console(highlight=False, emoji=False, width=_WIDTH)
console_err = Console(stderr=True, highlight=False, emoji=False, width=_WIDTH)

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")


@dataclass
class Context:
    inventory_path: str
    policy_path: str
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def repo_root(self) -> Path:
        """Relative paths in the inventory (snapshot dir, caches) are resolved against the working
        directory: ixpctl is run from the root of the IXP's git repository."""
        return Path.cwd()

    def loaded_inventory(self):
        if "inventory" not in self._cache:
            from ..inventory import load_inventory
            self._cache["inventory"] = load_inventory(self.inventory_path)
        return self._cache["inventory"]

    def loaded_policy(self):
        if "policy" not in self._cache:
            from ..policy.loader import load_policy
            self._cache["policy"] = load_policy(self.policy_path)
        return self._cache["policy"]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
