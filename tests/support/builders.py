"""Build inventories programmatically, so each test states only what it is about."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def base_inventory(members: int = 3, *, fictional: bool = True) -> dict[str, Any]:
    """A small valid IXP: one LAN, two route servers, one switch, ``members`` members."""
    data: dict[str, Any] = {
        "ixp": {
            "name": "TESTIX",
            "rs_asn": 64500,
            "lans": [{"name": "lan1", "vlan": 10, "ipv4": "192.0.2.0/24", "ipv6": "2001:db8:0:10::/64"}],
        },
        "route_servers": [
            {"name": "rs1", "router_id": "192.0.2.1", "ipv4": "192.0.2.1", "ipv6": "2001:db8:0:10::1"},
            {"name": "rs2", "router_id": "192.0.2.2", "ipv4": "192.0.2.2", "ipv6": "2001:db8:0:10::2"},
        ],
        "switches": [{
            "name": "sw1", "platform": "eos", "mgmt_host": "sw1.example",
            "ports": [{"name": f"Ethernet{i}", "speed": 10000} for i in range(1, 33)],
        }],
        "members": [make_member(i) for i in range(1, members + 1)],
    }
    if fictional:
        data["ixp"]["fictional_resources"] = {"enabled": True, "reason": "test inventory with documentation ASNs"}
    return data


def make_member(i: int, **overrides: Any) -> dict[str, Any]:
    """Member number i (1-based): AS6450x-style documentation ASN, .10+i addresses, Ethernet<i>."""
    asn = 64500 + i if i <= 11 else 65536 + (i - 12)
    member = {
        "asn": asn,
        "name": f"Member {i}",
        "as_set": f"RIPE::AS-MEMBER{i}",
        "contact": f"noc@member{i}.example",
        "connections": [{
            "ipv4": f"192.0.2.{10 + i}",
            "ipv6": f"2001:db8:0:10::{10 + i:x}",
            "switch": "sw1",
            "ports": [f"Ethernet{i}"],
            "macs": [f"02:00:00:00:00:{i:02x}"],
        }],
    }
    member.update(overrides)
    return member


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    with path.open("w") as fh:
        yaml.dump(data, fh)
    return path


def write_inventory(directory: Path, data: dict[str, Any], name: str = "ixp.yml") -> Path:
    return write_yaml(Path(directory) / name, copy.deepcopy(data))
