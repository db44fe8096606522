"""The peering-LAN switches: render member-port configs from the inventory and push them with NAPALM.

Public API:
- ``platforms``: the platform contract (``PLATFORMS``, ``get_platform``, ``CAPABILITIES``).
- ``intent.switch_intent(inv, switch, Options())`` → ``SwitchIntent`` (pure data).
- ``render.render_switch(intent)`` → ``RenderedSwitch`` (``.text``, ``.sections``, ``.limited(ports)``).
- ``build.build_switches(loaded, out_dir)`` → files ``<out>/switch/<name>.cfg`` (validated, atomic).
- ``push.run(rendered, mode="diff"|"push", limits=...)`` → ``PushReport``.
- ``linux_bridge.LinuxBridgeDriver``: a NAPALM driver for a Linux bridge (lab and tests).

May import: errors, base, inventory
"""

from .intent import Options, SwitchIntent, switch_intent
from .platforms import CAPABILITIES, PLATFORMS, Platform, get_platform
from .render import RenderedSwitch, render_switch

__all__ = ["CAPABILITIES", "PLATFORMS", "Options", "Platform", "RenderedSwitch", "SwitchIntent", "get_platform",
           "render_switch", "switch_intent"]
