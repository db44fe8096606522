"""``ixpctl switch build``: validate, render every switch, write ``<out>/switch/<name>.cfg`` atomically.

All or nothing, like the route-server build: every config is rendered in memory first, then written
into a new generation of the output directory (``base/generations.py``) that is switched in with
one rename, so a reader (or a push running from another shell) sees the previous set of configs
or the new one, never half of either. The route-server configs are carried over unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..base.fsutil import write_text_chunked
from ..base.generations import new_generation
from ..errors import ValidationFailed
from ..inventory.loader import LoadedInventory
from ..inventory.validate import validate_inventory
from .intent import Options, switch_intent
from .platforms import CAPABILITIES
from .render import RenderedSwitch, render_switch


@dataclass(frozen=True)
class BuiltSwitch:
    rendered: RenderedSwitch
    path: Path

    def summary(self) -> dict:
        intent = self.rendered.intent
        p = intent.platform
        return {
            "switch": intent.name, "platform": p.name, "napalm_driver": p.napalm_driver,
            "path": str(self.path), "lines": self.rendered.text.count("\n"),
            "member_ports": [g.interface for g in intent.groups],
            "shut": [g.interface for g in intent.groups if g.state != "active"] + [u.name for u in intent.unused],
            "capabilities": {c.key: {"level": p.support(c.key).level, "how": p.support(c.key).how}
                             for c in CAPABILITIES},
            "tested_on": p.tested_on,
        }


def check_inventory(loaded: LoadedInventory) -> None:
    """Refuse to render from an inventory with errors: a wrong port map is an outage."""
    report = validate_inventory(loaded)
    if report.errors:
        raise ValidationFailed("the inventory has errors; no switch config was rendered",
                               problems=report.errors, fix="run `ixpctl validate` and fix them")


def render_switches(loaded: LoadedInventory, options: Options | None = None,
                    only: list[str] | None = None) -> list[RenderedSwitch]:
    check_inventory(loaded)
    inv = loaded.inventory
    return [render_switch(switch_intent(inv, sw, options)) for sw in inv.switches
            if only is None or sw.name in only]


def build_switches(loaded: LoadedInventory, out_dir: Path, options: Options | None = None,
                   only: list[str] | None = None) -> list[BuiltSwitch]:
    rendered = render_switches(loaded, options, only)  # everything rendered before anything is written
    built = []
    with new_generation(Path(out_dir)) as generation:
        (generation.path / "switch").mkdir()
        for r in rendered:
            write_text_chunked(generation.path / "switch" / f"{r.name}.cfg", r.text)
            built.append(BuiltSwitch(r, Path(out_dir) / "switch" / f"{r.name}.cfg"))
        generation.commit()
    return built
