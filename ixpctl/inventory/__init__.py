"""Inventory: the operator's YAML description of the IXP, loaded into typed models."""

from .loader import load_inventory
from .models import IXP, Connection, Inventory, Member, PeeringLan, RouteServer, Switch

__all__ = ["IXP", "Connection", "Inventory", "Member", "PeeringLan", "RouteServer", "Switch", "load_inventory"]
