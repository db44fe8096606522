"""The route servers of an imported IXP: from ``--route-server NAME=ADDR[,ADDR]`` when given, else
from what the source lists (IX-F: addresses with the ``ixrouteserver`` service), else none (the
caller says how to give them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from ..errors import InputError
from ..inventory.models import NAME_RE


@dataclass
class RouteServerSpec:
    name: str
    ipv4: IPv4Address | None = None
    ipv6: IPv6Address | None = None

    def to_yaml(self, index: int) -> dict[str, Any]:
        # router_id: its IPv4 address; an IPv6-only route server still needs a 32-bit router id,
        # unique per route server: 10.255.255.<n> says "made up" to anyone reading the file.
        out: dict[str, Any] = {"name": self.name,
                               "router_id": str(self.ipv4) if self.ipv4 else f"10.255.255.{index}"}
        if self.ipv4:
            out["ipv4"] = str(self.ipv4)
        if self.ipv6:
            out["ipv6"] = str(self.ipv6)
        return out


def parse_route_server_option(text: str) -> RouteServerSpec:
    """``rs1=192.0.2.1,2001:db8::1`` → a spec; InputError saying the expected form otherwise."""
    fix = "write --route-server NAME=ADDR[,ADDR], e.g. --route-server rs1=192.0.2.1,2001:db8::1"
    name, sep, addrs = text.partition("=")
    if not sep or not re.match(NAME_RE, name):
        raise InputError(f"--route-server {text!r}: expected NAME=ADDR[,ADDR] with a simple name", fix=fix)
    spec = RouteServerSpec(name)
    for part in filter(None, (a.strip() for a in addrs.split(","))):
        try:
            addr = ip_address(part)
        except ValueError:
            raise InputError(f"--route-server {text!r}: {part!r} is not an IP address", fix=fix) from None
        fam = "ipv4" if addr.version == 4 else "ipv6"
        if getattr(spec, fam) is not None:
            raise InputError(f"--route-server {text!r}: two {fam} addresses", fix=fix)
        setattr(spec, fam, addr)
    if spec.ipv4 is None and spec.ipv6 is None:
        raise InputError(f"--route-server {text!r}: no address", fix=fix)
    return spec


def route_servers_yaml(specs: list[RouteServerSpec]) -> list[dict[str, Any]]:
    return [s.to_yaml(i) for i, s in enumerate(specs, 1)]
