"""A small inventory per switch platform covering every kind of member port (for golden tests)."""

from __future__ import annotations

from typing import Any

from tests.support.builders import base_inventory, make_member

PORT_NAMES = {
    "eos": "Ethernet{}",
    "nxos": "Ethernet1/{}",
    "ios": "GigabitEthernet1/0/{}",
    "junos": "ge-0/0/{}",
    "huawei_vrp": "GigabitEthernet0/0/{}",
    "linux_bridge": "p{}",
}
LAG_NAMES = {"eos": "Port-Channel10", "nxos": "port-channel10", "ios": "Port-channel10", "junos": "ae0", "huawei_vrp": "Eth-Trunk10"}
SPEEDS = {"eos": 10000, "nxos": 10000, "ios": 1000, "junos": 10000, "huawei_vrp": 1000, "linux_bridge": None}

HOSTILE_NAME = 'Evil "Corp"\n interface Vlan1\n shutdown; {rm} # ! \\ ? Ségou'
HOSTILE_DESCRIPTION = "}\nset system root-authentication plain-text-password;\n! end # {"


def platform_inventory(platform: str) -> dict[str, Any]:
    """sw1 on ``platform``: access, tagged (2 MACs), LAG (not linux_bridge), disabled, planned,
    hostile-named member; one unused port and one uplink."""
    port = PORT_NAMES[platform].format
    speed = SPEEDS[platform]
    data = base_inventory(members=0)
    data["switches"] = [{
        "name": "sw1", "platform": platform, "mgmt_host": "sw1.example",
        "ports": [{"name": port(i), **({"speed": speed} if speed else {})} for i in range(1, 10)],
        "uplinks": [port(9)],
    }]

    def conn(i: int, ports: list[str], macs: list[str], **extra: Any) -> list[dict[str, Any]]:
        return [{"ipv4": f"192.0.2.{10 + i}", "ipv6": f"2001:db8:0:10::{10 + i:x}", "switch": "sw1",
                 "ports": ports, "macs": macs, **extra}]

    members = [
        make_member(1, connections=conn(1, [port(1)], ["02:00:00:00:00:01"])),
        make_member(2, connections=conn(2, [port(2)], ["02:00:00:00:00:02", "02:00:00:00:01:02"],
                                        vlan_mode="tagged", max_macs=2)),
        make_member(4, status="disabled", connections=conn(4, [port(5)], ["02:00:00:00:00:04"])),
        make_member(5, status="planned", connections=conn(5, [port(6)], [])),
        make_member(6, name=HOSTILE_NAME, description=HOSTILE_DESCRIPTION,
                    connections=conn(6, [port(7)], ["02:00:00:00:00:06"])),
    ]
    if platform in LAG_NAMES:
        members.insert(2, make_member(3, connections=conn(3, [port(3), port(4)], ["02:00:00:00:00:03"],
                                                          lag=LAG_NAMES[platform])))
    data["members"] = members
    return data
