"""Semantic diff, step 1: both sides of a change, built the same way from the same facts.

Every route server of each side (a git ref, or the working tree) is compiled and rendered, and so
are the switch configs; both sides use the **same** facts snapshot, so only the change itself can
move a verdict. Configs are rendered **without MD5 secrets**, so a diff can be posted publicly.
Pure: the caller materialises the other side (git) and loads the facts. ``diff_compare`` compares
two sides, ``diff_report`` words the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..inventory.loader import LoadedInventory
from ..inventory.models import Inventory
from ..policy.intent import RouteServerIntent, compile_route_server
from ..policy.loader import LoadedPolicy
from ..render.bird import Capabilities, parse_version, render_route_server
from ..sources.facts import Facts
from .validate import validate

SWITCH_UNAVAILABLE = "switch render: not available"


@dataclass
class SideBuild:
    """Everything compiled and rendered for one side (a git ref, or the working tree)."""

    label: str
    inventory: Inventory
    intents: dict[str, RouteServerIntent]  # by route-server name
    configs: dict[str, str]  # rs name -> BIRD config text (no secrets)
    switch_configs: dict[str, str] | None  # switch name -> text; None when the switch render is unavailable
    errors: list[Problem] = field(default_factory=list)  # validation errors of this side
    notes: list[str] = field(default_factory=list)


def render_switch_texts(inventory: Inventory) -> tuple[dict[str, str] | None, str | None]:
    """Switch configs when ``ixpctl.switch`` offers its pure render; (None, why) otherwise.

    The switch package is optional for the diff: an IXP without managed switches, or a checkout
    where it is not importable, still gets its route-server diff.
    """
    try:
        from ..switch import render_switch, switch_intent
    except ImportError as exc:  # pragma: no cover - depends on the installed tree
        return None, f"{SWITCH_UNAVAILABLE} ({exc})"
    return {sw.name: render_switch(switch_intent(inventory, sw)).text for sw in inventory.switches}, None


def build_side(loaded: LoadedInventory, lpolicy: LoadedPolicy, facts: Facts, label: str, *,
               base_dir: Path | None = None, switches: bool = True) -> SideBuild:
    """Compile every route server and render its config (without secrets) and the switch configs.

    Validation errors do not stop the diff (the base of a fix is broken by definition); they are kept
    on the side so the caller decides (``ixpctl diff`` refuses a head with errors).
    """
    report = validate(loaded, lpolicy, base_dir=base_dir)
    inv = loaded.inventory
    intents: dict[str, RouteServerIntent] = {}
    configs: dict[str, str] = {}
    for rs in inv.route_servers:
        intent = compile_route_server(loaded, lpolicy, facts, rs)
        intents[rs.name] = intent
        configs[rs.name] = render_route_server(intent, capabilities=Capabilities(parse_version(rs.bird_version)),
                                               passwords={})
    notes: list[str] = []
    switch_configs: dict[str, str] | None = None
    if switches:
        try:
            switch_configs, why = render_switch_texts(inv)
        except Exception as exc:  # noqa: BLE001 - a switch template problem must not hide the routing diff
            switch_configs, why = None, f"{SWITCH_UNAVAILABLE} ({type(exc).__name__}: {exc})"
        if why:
            notes.append(why)
    return SideBuild(label, inv, intents, configs, switch_configs, report.errors, notes)


__all__ = ["SWITCH_UNAVAILABLE", "SideBuild", "build_side", "render_switch_texts"]
