"""Inventory: the operator's YAML description of the IXP, loaded into typed models and checked.

``loader`` (files → ``Inventory``, with file:line for every error), ``models``, ``validate`` (the
cross-object checks of the inventory alone), ``asn`` and ``irr_names`` (AS numbers and AS-SET names
as operators and PeeringDB write them), ``sources_config`` (the ``sources:`` section).

May import: errors, base
"""

from .loader import load_inventory
from .models import IXP, Connection, Inventory, Member, PeeringLan, RouteServer, Switch

__all__ = ["IXP", "Connection", "Inventory", "Member", "PeeringLan", "RouteServer", "Switch", "load_inventory"]
