"""The `ixpctl` command line. Each command lives in its own module and is registered here.

Exit codes (documented in the README): 0 ok · 1 checks found errors · 2 bad input (inventory/policy)
· 3 data source failed · 4 build rejected (e.g. by bird -p) · 5 deploy failed and was rolled back
· 6 `ixpctl apply` refused by its guard rails · 70 internal error (a bug: the traceback is written to a log file, see ``cli/crash.py``).

Commands only: parse options, call one function of the stage below, print.

May import: errors, base, inventory, sources, policy, render, switch, analysis, publish, verify, deploy, build, lab, onboard, report, importers, serve, apply
"""

from __future__ import annotations

import importlib
import os
import sys

import click
from rich.markup import escape

from .. import __version__
from ..errors import INTERNAL_ERROR, IxpctlError
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
    ("report", "report"),
    ("import_", "import"),
    ("serve", "serve"),
    ("apply", "apply"),
]


class IxpctlGroup(click.Group):
    """Loads commands lazily; turns every expected error into a one-screen message and its exit code,
    and any other exception (a bug) into exit 70 with its traceback in a log file: never a traceback
    on the operator's screen, never exit 1 ("checks found errors") for a crash."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _, name in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module_name, name in COMMANDS:
            if name == cmd_name:
                module = importlib.import_module(f"{__name__}.{module_name}")
                # `import` is a Python keyword: that command's function is import_cmd
                return getattr(module, name) if hasattr(module, name) else getattr(module, f"{name}_cmd")
        return None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IxpctlError as err:
            # escape(): device and member text (e.g. Junos "[edit interfaces]") is not rich markup
            console_err.print(f"[bold red]error:[/] {escape(err.format())}", highlight=False, markup=True)
            sys.exit(err.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors, --help, ^C: click reports them itself
        except BrokenPipeError:  # `ixpctl ... | head`: the reader left, nothing to report
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stderr at exit
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the one place that turns any bug into exit 70
            _internal_error(exc)


def _internal_error(exc: Exception) -> None:
    from .crash import write_crash_log

    log = write_crash_log(exc)
    where = f"traceback written to {log}" if log else "no crash log could be written; traceback below"
    console_err.print(f"[bold red]internal error[/] (a bug in ixpctl, not in your files): "
                      f"{escape(type(exc).__name__)}: {escape(str(exc))}\n  {escape(where)}\n"
                      "  fix: please report it to the ixpctl maintainers with that file",
                      highlight=False)
    if log is None:
        import traceback
        sys.stderr.write("".join(traceback.format_exception(exc)))
    sys.exit(INTERNAL_ERROR)


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
