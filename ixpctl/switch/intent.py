"""What each switch should look like, as plain data derived from the inventory (no text, no I/O).

Templates only format this; every decision (which port is shut, which MACs are allowed, what the
port-security limit is, which LAG number a bundle gets) is made here, once, for every platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..errors import BuildError
from ..inventory.models import Inventory, Member, Switch
from .platforms import Platform, get_platform

PortState = Literal["active", "disabled", "planned"]


@dataclass(frozen=True)
class Options:
    """Rendering knobs that are not (yet) inventory fields. Shared by build, diff and push."""

    storm_level_percent: int = 1


@dataclass(frozen=True)
class Vlan:
    vid: int
    name: str


@dataclass(frozen=True)
class PhysicalPort:
    name: str
    speed: str | None  # the platform's speed keyword, None = leave the port's default


@dataclass(frozen=True)
class PortGroup:
    """One member connection: one logical interface (a port, or a LAG with its member ports)."""

    interface: str  # the logical interface: the port itself, or the LAG
    ports: tuple[PhysicalPort, ...]
    lag_id: int | None
    state: PortState
    member_asn: int
    member_name: str  # raw member text: templates must pass it through |desc or |comment
    member_description: str | None
    lan: str
    vlan_mode: Literal["access", "tagged"]
    vlans: tuple[Vlan, ...]
    macs: tuple[str, ...]  # lower-case colon form
    max_macs: int
    acl_name: str

    @property
    def is_lag(self) -> bool:
        return self.lag_id is not None

    @property
    def port_names(self) -> frozenset[str]:
        return frozenset({self.interface, *(p.name for p in self.ports)})


@dataclass(frozen=True)
class SwitchIntent:
    name: str
    platform: Platform
    napalm_driver: str  # the inventory's napalm_driver, else the platform's
    mgmt_host: str
    site: str | None
    ixp_name: str
    lans: tuple[Vlan, ...]
    groups: tuple[PortGroup, ...]
    unused: tuple[PhysicalPort, ...]
    uplinks: tuple[str, ...]
    options: Options = field(default_factory=Options)
    lldp_transmit: bool = False  # the inventory's switches[].lldp_transmit


def acl_name(interface: str) -> str:
    """A per-port filter name every dialect accepts: IXP-IN-Ethernet1, IXP-IN-xe-0-0-1."""
    return "IXP-IN-" + re.sub(r"[^A-Za-z0-9]+", "-", interface).strip("-")


def switch_intent(inv: Inventory, switch: Switch, options: Options | None = None) -> SwitchIntent:
    """The desired state of ``switch``. Assumes a validated inventory (ports exist, not reused)."""
    platform = get_platform(switch.platform)
    options = options or Options()
    groups: list[PortGroup] = []
    used: set[str] = set()
    for member in inv.members:
        for conn in member.connections:
            if conn.switch != switch.name:
                continue
            groups.append(_group(inv, switch, platform, member, conn))
            used.update(conn.ports)
    groups.sort(key=lambda g: _port_sort_key(g.interface))
    unused = tuple(PhysicalPort(p.name, None) for p in switch.ports
                   if p.name not in used and p.name not in switch.uplinks)
    lans = tuple(sorted((Vlan(lan.vlan, lan.name) for lan in inv.ixp.lans if lan.vlan is not None),
                        key=lambda v: v.vid))  # validate refuses a LAN without a tag when switches exist
    if platform.name == "linux_bridge" and len(switch.name) > 15:
        raise BuildError(f"switch {switch.name}: a Linux bridge name has at most 15 characters",
                         fix="shorten the switch name (it is the bridge device's name)")
    return SwitchIntent(name=switch.name, platform=platform,
                        napalm_driver=switch.napalm_driver or platform.napalm_driver, mgmt_host=switch.mgmt_host, site=switch.site,
                        ixp_name=inv.ixp.name, lans=lans, groups=tuple(groups), unused=unused,
                        uplinks=tuple(switch.uplinks), options=options, lldp_transmit=switch.lldp_transmit)


def _group(inv: Inventory, switch: Switch, platform: Platform, member: Member, conn) -> PortGroup:
    where = f"switch {switch.name}, AS{member.asn} ports {', '.join(conn.ports)}"
    lan = inv.lan_of(conn.lan)
    if lan is None:
        raise BuildError(f"{where}: the connection's LAN is unknown", fix="run `ixpctl validate`")
    lag_id = None
    interface = conn.ports[0]
    if conn.lag:
        if platform.name == "linux_bridge":
            raise BuildError(f"{where}: LAGs are not supported on a Linux bridge switch",
                             fix="connect the member with a single port")
        try:
            lag_id = platform.lag_id(conn.lag)
        except BuildError as err:
            raise BuildError(f"{where}: {err.message}", fix=err.fix) from None
        interface = conn.lag
    elif len(conn.ports) != 1:
        raise BuildError(f"{where}: several ports without a LAG name", fix="add lag: to the connection")
    ports = []
    for name in conn.ports:
        port = switch.port(name)
        speed_mbit = conn.speed or (port.speed if port else None)
        try:
            speed = platform.speed_keyword(speed_mbit)
        except BuildError as err:
            raise BuildError(f"{where}: {err.message}", fix=err.fix) from None
        ports.append(PhysicalPort(name, speed))
    state: PortState = member.status  # type: ignore[assignment]
    return PortGroup(
        interface=interface, ports=tuple(ports), lag_id=lag_id, state=state, member_asn=member.asn,
        member_name=member.name, member_description=member.description, lan=lan.name,
        vlan_mode=conn.vlan_mode, vlans=_vlans(inv, lan), macs=tuple(conn.macs),
        max_macs=conn.max_macs or max(1, len(conn.macs)), acl_name=acl_name(interface))


def _vlans(inv: Inventory, lan) -> tuple[Vlan, ...]:
    """The port's VLANs: the LAN's, and the VLAN carrying its IPv6 when that is another (ipv6_lan;
    validate requires vlan_mode: tagged for it, as an access port carries one VLAN)."""
    six = inv.family_lan(lan, 6)
    return (Vlan(lan.vlan, lan.name),) if six is lan else (Vlan(lan.vlan, lan.name), Vlan(six.vlan, six.name))


def _port_sort_key(name: str) -> tuple:
    """Ethernet2 before Ethernet10: compare the digit runs as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def switch_intents(inv: Inventory, options: Options | None = None) -> list[SwitchIntent]:
    return [switch_intent(inv, sw, options) for sw in inv.switches]
