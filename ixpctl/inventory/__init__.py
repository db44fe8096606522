"""Inventory: the operator's YAML description of the IXP, loaded into typed models."""

from .loader import load_inventory
from .models import Connection, Inventory, IXP, Member, PeeringLan, RouteServer, Switch

__all__ = ["load_inventory", "Connection", "Inventory", "IXP", "Member", "PeeringLan", "RouteServer", "Switch"]
