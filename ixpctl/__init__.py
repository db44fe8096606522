"""ixpctl: route servers and peering LAN of an Internet Exchange Point, driven by files kept in git."""

__version__ = "0.1.0"
