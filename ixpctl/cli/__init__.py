"""The `ixpctl` command line. Each command lives in its own module and is registered here.

Exit codes (documented in the README): 0 ok · 1 checks found errors · 2 bad input (inventory/policy)
· 3 data source failed · 4 build rejected (e.g. by bird -p) · 5 deploy failed and was rolled back
· 70 internal error (a bug: please report it).

Commands only: parse options, call one function of the stage below, print.

May import: errors, base, inventory, sources, policy, render, switch, analysis, publish, verify, deploy, build, lab, onboard
"""

from __future__ import annotations

import importlib
import sys

import click
from rich.markup import escape

from .. import __version__
from ..errors import IxpctlError
from .common import Context, console_err

# (module, command): a command's module is imported only when that command runs (or for --help), so
# `ixpctl build` does not pay for NAPALM, Markdown or the lab at start-up.
COMMANDS = [
    ("validate", "validate"),
    ("sources", "sources"),
    ("build", "build"),
    ("docs", "docs"),
    ("verify", "sessions"),
    ("verify", "routes"),
    ("deploy", "deploy"),
    ("lab", "lab"),
    ("switch", "switch"),
    ("onboard", "onboard"),
    ("check", "check"),
    ("diff", "diff"),
    ("ci", "ci"),
    ("export", "export"),
]


class IxpctlGroup(click.Group):
    """Loads commands lazily; turns every expected error into a one-screen message and its exit code,
    never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _, name in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module_name, name in COMMANDS:
            if name == cmd_name:
                return getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
        return None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IxpctlError as err:
            # escape(): device and member text (e.g. Junos "[edit interfaces]") is not rich markup
            console_err.print(f"[bold red]error:[/] {escape(err.format())}", highlight=False, markup=True)
            sys.exit(err.exit_code)


@click.group(cls=IxpctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ixpctl")
@click.option("-i", "--inventory", "inventory", default="inventory", show_default=True,
              envvar="IXPCTL_INVENTORY", help="Inventory file or directory of YAML files.")
@click.option("-p", "--policy", "policy", default="policies/default.yml", show_default=True,
              envvar="IXPCTL_POLICY", help="Route-server filtering policy.")
@click.pass_context
def main(ctx: click.Context, inventory: str, policy: str) -> None:
    """Run the route servers and the peering LAN of an Internet Exchange Point from files kept in git."""
    ctx.obj = Context(inventory_path=inventory, policy_path=policy)
