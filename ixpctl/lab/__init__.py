"""The route-server lab: real BIRD and OpenBGPD route servers and BIRD/GoBGP/ExaBGP members in network
namespaces.

Scenarios and the differential runner check what members receive; ``clab`` exports the lab's
topology for containerlab.

May import: errors, base, inventory, sources, policy, render, verify, deploy, build
"""

from .lab import Lab, LabConfig, compile_lab
from .model import Announcement, ReceivedRoute
from .state import LabState

__all__ = ["Announcement", "Lab", "LabConfig", "LabState", "ReceivedRoute", "compile_lab"]
