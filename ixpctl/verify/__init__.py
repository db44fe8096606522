"""Read what a running route server does: sessions, accepted and filtered routes with reasons.

May import: errors, base, inventory, sources, policy
"""

from .client import RouteServerClient
from .control import BirdControl, BirdError
from .model import BirdStatus, ChannelStats, Rejection, RouteEntry, Session
from .parse import ParseError, parse_as_path, parse_protocols, parse_routes

__all__ = [
           "BirdControl",
           "BirdError",
           "BirdStatus",
           "ChannelStats",
           "ParseError",
           "Rejection",
           "RouteEntry",
           "RouteServerClient",
           "Session",
           "parse_as_path",
           "parse_protocols",
           "parse_routes",
]
