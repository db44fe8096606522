"""The inventory: what the IXP is made of (LANs, route servers, switches, members).

Pure data with strict validation (unknown keys are errors, so typos cannot silently be ignored).
Cross-object checks (duplicates, addresses inside LANs, ports...) live in ``ixpctl.inventory.validate``.
"""

from __future__ import annotations

import re
from datetime import date
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .apply_config import ApplySettings, Language
from .asn import parse_asn
from .irr_names import normalise_as_set
from .sources_config import SourcesConfig

# Names that end up in generated configs (BIRD protocol names, switch section names) must be simple.
NAME_RE = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
Name = Annotated[str, Field(pattern=NAME_RE)]
Asn = Annotated[int, Field(ge=1, le=4294967295)]
MAC_RE = re.compile(r"^[0-9a-f]{2}([:.-]?[0-9a-f]{2}){5}$", re.IGNORECASE)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class FictionalResources(Strict):
    """DEMO ONLY: lets documentation ASNs/prefixes through the bogon and invalid-ASN checks.

    The bundled MLIX example uses RFC 5398 ASNs and RFC 5737/3849 prefixes so that it describes no
    real network. A production inventory must not set this; validate and build print a loud warning
    whenever it is on.
    """

    enabled: bool = False
    reason: str = Field(min_length=10)
    asn_ranges: list[tuple[Asn, Asn]] = [(64496, 64511), (65536, 65551)]
    prefixes: list[IPv4Network | IPv6Network] = [
        IPv4Network("192.0.2.0/24"),
        IPv4Network("198.51.100.0/24"),
        IPv4Network("203.0.113.0/24"),
        IPv4Network("198.18.0.0/15"),
        IPv6Network("2001:db8::/32"),
    ]


class PeeringLan(Strict):
    name: Name
    # the 802.1Q tag; optional for route-server-only deployments (IX-F exports without VLAN ids,
    # arouteserver and PeeringDB know none): the switch configs need it (validate says so)
    vlan: int | None = Field(default=None, ge=1, le=4094)
    ipv4: IPv4Network | None = None
    ipv6: IPv6Network | None = None
    mtu: int = Field(default=1500, ge=1280, le=9216)
    # Per-family VLANs: this (IPv4) LAN's IPv6 runs on the named LAN, its own VLAN. The two are one
    # peering service: route servers and connections name this LAN and have both addresses, their
    # IPv6 ones inside the other LAN's prefix (docs/per-family-vlans.md).
    ipv6_lan: Name | None = None

    @model_validator(mode="after")
    def _has_prefix(self) -> PeeringLan:
        if self.ipv4 is None and self.ipv6 is None:
            raise ValueError("a peering LAN needs at least one of 'ipv4' or 'ipv6'")
        if self.ipv6_lan is not None and self.ipv6 is not None:
            raise ValueError(f"a LAN with ipv6_lan has its IPv6 on LAN '{self.ipv6_lan}': remove its own 'ipv6' "
                             "(or ipv6_lan)")
        return self


class IXP(Strict):
    name: str = Field(min_length=1, max_length=64)
    long_name: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    operator: str | None = None
    launched: date | None = None
    website: str | None = None
    support_email: str | None = None
    peeringdb_ix_id: int | None = Field(default=None, ge=1)
    ixf_id: int | None = Field(default=None, ge=1)
    rs_asn: Asn
    lans: list[PeeringLan] = Field(min_length=1)
    fictional_resources: FictionalResources | None = None
    # Route-server-only deployments (an IXP Manager, a spreadsheet... manages switch ports and MACs):
    # "elsewhere" stops validate asking for a switch port and MACs on every connection.
    ports_and_macs: Literal["inventory", "elsewhere"] = "inventory"
    # The public address of the IXP's looking glass (`ixpctl serve` behind nginx, or an Alice-LG):
    # `ixpctl report manrs` counts it for MANRS Action 5 (monitoring and debugging tools).
    looking_glass: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$", max_length=512)

    def lan(self, name: str) -> PeeringLan | None:
        return next((lan for lan in self.lans if lan.name == name), None)


# What may follow `ssh --`: a hostname (RFC 1123 labels) or an IP literal, and a POSIX user name.
# A value beginning with "-" would otherwise be read by ssh as an option (-oProxyCommand=... runs a
# command), so these are checked here (file:line errors) and again where ssh's argv is built.
_HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_POSIX_USER = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$")


def check_ssh_host(value: str) -> str:
    """``value`` if it is a hostname (RFC 1123) or an IPv4/IPv6 literal, else ValueError."""
    literal = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        address = ip_address(literal)
    except ValueError:
        address = None
    if address is not None and re.fullmatch(r"[0-9A-Fa-f:.]+(%[A-Za-z0-9_.][A-Za-z0-9_.-]*)?", literal):
        return value
    name = value.removesuffix(".")
    if name and len(name) <= 253 and all(_HOST_LABEL.match(label) for label in name.split(".")):
        return value
    raise ValueError(f"{value!r} is not a hostname or an IP address (letters, digits, '-' and '.'; "
                     "labels must not begin or end with '-')")


def check_ssh_user(value: str) -> str:
    """``value`` if it is a POSIX user name (portable characters, not beginning with '-'), else ValueError."""
    if _POSIX_USER.match(value):
        return value
    raise ValueError(f"{value!r} is not a user name (letters, digits, '.', '_', '-', at most 32, "
                     "not beginning with '-')")


class DeployTarget(Strict):
    """Where a route server's config goes: this host, or another one over SSH."""

    host: str = "localhost"  # "localhost" = local files and commands
    user: str = "root"
    port: int = Field(default=22, ge=1, le=65535)
    config_path: str = "/etc/bird/bird.conf"
    control_socket: str = "/run/bird/bird.ctl"
    bird_binary: str = "bird"
    birdc_binary: str = "birdc"
    # An OpenBGPD route server (daemon: openbgpd): its checker and client on the target. Its
    # config_path / control_socket default to OpenBGPD's /etc/bgpd.conf and /var/run/bgpd.sock
    # when left at the BIRD defaults above (deploy/openbgpd.py).
    bgpd_binary: str = "bgpd"
    bgpctl_binary: str = "bgpctl"

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return check_ssh_host(value)

    @field_validator("user")
    @classmethod
    def _user(cls, value: str) -> str:
        return check_ssh_user(value)


class RouteServerLog(Strict):
    """Where BIRD logs: syslog (production default), a file with a size limit, or stderr (labs)."""

    to: Literal["syslog", "file", "stderr"] = "syslog"
    # with to: file — absolute path on the route server; BIRD rotates it to <path>.old at size_mb.
    path: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9_./-]+$")
    size_mb: int = Field(default=64, ge=1, le=65536)

    @model_validator(mode="after")
    def _needs_path(self) -> RouteServerLog:
        if self.to == "file" and not self.path:
            raise ValueError("log.to: file needs log.path (an absolute path on the route server)")
        if self.to != "file" and self.path:
            raise ValueError(f"log.path is only used with log.to: file (here log.to is {self.to})")
        return self


class RouteServer(Strict):
    name: Name
    router_id: IPv4Address
    lan: Name | None = None  # defaults to the IXP's only LAN
    ipv4: IPv4Address | None = None
    ipv6: IPv6Address | None = None
    bird_version: str = Field(default="2.0.12", pattern=r"^[23]\.\d+(\.\d+)?$")
    # Which daemon this route server runs (RFC 7948 §4.4: the two route servers of a LAN need not
    # run the same implementation); openbgpd_version is the OpenBGPD the config targets.
    daemon: Literal["bird", "openbgpd"] = "bird"
    openbgpd_version: str = Field(default="7.7", pattern=r"^\d+\.\d+(\.\d+)?$")
    deploy: DeployTarget = DeployTarget()
    log: RouteServerLog = RouteServerLog()
    # BIRD 3 only: worker threads for the BGP sessions (its `threads` option; BIRD's default is 1).
    threads: int | None = Field(default=None, ge=1, le=64)

    def bird_version_tuple(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.bird_version.split("."))

    @model_validator(mode="after")
    def _threads_need_bird3(self) -> RouteServer:
        if self.threads is not None and (self.daemon != "bird" or self.bird_version_tuple()[0] < 3):
            raise ValueError(f"threads: worker threads exist in BIRD 3 only (this route server runs "
                             f"{'OpenBGPD' if self.daemon != 'bird' else 'BIRD ' + self.bird_version}): "
                             "remove threads, or set bird_version to a BIRD 3 version such as 3.1.8")
        return self


SwitchPlatform = Literal["eos", "nxos", "ios", "junos", "huawei_vrp", "linux_bridge"]


class SwitchPort(Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9/._:-]+$")
    speed: int | None = Field(default=None, ge=10, description="Mbit/s")
    description: str | None = None


class Switch(Strict):
    name: Name
    platform: SwitchPlatform
    napalm_driver: str | None = None  # defaults to the platform's driver
    mgmt_host: str = Field(min_length=1)
    site: str | None = None
    ports: list[SwitchPort] = []
    uplinks: list[str] = []  # ports that are core links, never member ports
    # LLDP toward member ports: off by default (Euro-IX hygiene: no control protocols toward members).
    # An inventory setting, not a command-line flag, so every operator's diff and push agree.
    lldp_transmit: bool = False

    def port(self, name: str) -> SwitchPort | None:
        return next((p for p in self.ports if p.name == name), None)


class SecretRef(Strict):
    """Where a secret lives. The secret itself never appears in the inventory."""

    env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    file: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret reference needs exactly one of 'env' (variable name) or 'file' (path)")
        return self


class Connection(Strict):
    """One member router on one peering LAN: its addresses and where it is plugged in."""

    lan: Name | None = None  # defaults to the IXP's only LAN
    ipv4: IPv4Address | None = None
    ipv6: IPv6Address | None = None
    switch: Name | None = None
    ports: list[str] = []
    lag: str | None = None  # LAG/port-channel name when len(ports) > 1
    speed: int | None = Field(default=None, ge=10, description="Mbit/s per port")
    vlan_mode: Literal["access", "tagged"] = "access"
    macs: list[str] = []
    max_macs: int | None = Field(default=None, ge=1, le=16)
    route_server: bool = True  # peers with the route servers

    @field_validator("macs")
    @classmethod
    def _macs(cls, value: list[str]) -> list[str]:
        out = []
        for mac in value:
            if not MAC_RE.match(mac):
                raise ValueError(f"'{mac}' is not a MAC address (expected e.g. 02:00:5e:10:00:01)")
            hexdigits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
            out.append(":".join(hexdigits[i:i + 2] for i in range(0, 12, 2)))
        return out

    @model_validator(mode="after")
    def _has_address(self) -> Connection:
        if self.ipv4 is None and self.ipv6 is None:
            raise ValueError("a connection needs at least one of 'ipv4' or 'ipv6'")
        return self


# BIRD's limits are 32-bit numbers: a larger one reached `bird -p` and read like an ixpctl bug.
Limit = Annotated[int, Field(ge=0, le=4294967295)]


class MaxPrefix(Strict):
    ipv4: Limit | None = None
    ipv6: Limit | None = None

    @field_validator("ipv4", "ipv6")
    @classmethod
    def _not_zero(cls, value: int | None, info: Any) -> int | None:
        if value == 0:
            family = "IPv4" if info.field_name == "ipv4" else "IPv6"
            raise ValueError(f"a max-prefix of 0 would act on the member's first {family} route: the session "
                             f"would never carry routes. For a member with no {family} routes, give its connections "
                             f"no {family} address (no {family} session); otherwise set the real limit or remove the key")
        return value


AS_SET_FROM_PEERINGDB = "from_peeringdb"


class Member(Strict):
    asn: Asn
    name: str = Field(min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=200)
    status: Literal["planned", "active", "disabled"] = "active"
    as_sets: list[str] | Literal["from_peeringdb"] = Field(default_factory=list, alias="as_set")
    # Per-family AS-SETs (AS-FOO for IPv4, AS-FOO-V6 for IPv6, as several large networks publish):
    # each narrows its family's prefix filter AND origin check to its own expansion; as_set stays
    # the default of the other family (policy/intent.py: origin_set / origin_set6).
    as_set_ipv4: list[str] | None = None
    as_set_ipv6: list[str] | None = None
    contact: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ().-]{5,30}$")  # NOC phone (MANRS Action 4)
    md5: SecretRef | None = None
    max_prefix: MaxPrefix | None = None
    connections: list[Connection] = Field(min_length=1)
    policy: dict[str, Any] = {}  # overrides of policies/*.yml sections, validated by ixpctl.policy
    joined: date | None = None
    # "monitor": a route collector or looking glass. It receives every route and none of its
    # announcements is accepted; it may use a private ASN (a real 785-member IXP has one), with
    # ``reason`` saying why: the exception is recorded, not silent.
    type: Literal["peer", "monitor"] = "peer"
    reason: str | None = Field(default=None, min_length=10, max_length=300)
    # `ixpctl apply` e-mails (routes that became filtered / were fixed): the member's language (else
    # apply.notifications.default_language), where to (else `contact`), and an opt-out
    language: Language | None = None
    notify_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = []
    notify: bool = True

    @field_validator("asn", mode="before")
    @classmethod
    def _asn(cls, value: Any) -> Any:
        return parse_asn(value) if isinstance(value, str) else value

    @field_validator("as_sets", mode="before")
    @classmethod
    def _as_sets(cls, value: Any) -> Any:
        if value == AS_SET_FROM_PEERINGDB:
            return value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return value
        return [normalise_as_set(v) if isinstance(v, str) else v for v in value]

    @field_validator("as_set_ipv4", "as_set_ipv6", mode="before")
    @classmethod
    def _family_sets(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return value
        return [normalise_as_set(v) if isinstance(v, str) else v for v in value]

    def family_as_sets(self) -> list[str]:
        """The per-family AS-SETs, IPv4's first, without duplicates (they are expanded too)."""
        return list(dict.fromkeys([*(self.as_set_ipv4 or []), *(self.as_set_ipv6 or [])]))

    @property
    def as_set_from_peeringdb(self) -> bool:
        return self.as_sets == AS_SET_FROM_PEERINGDB

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class CriticalService(Strict):
    """A service the country needs even when its international links are cut (the ccTLD's name
    servers, a root-server instance, the government's, banks', universities' networks), kept by
    the operator: ``ixpctl report impact`` says whether the route servers reach it locally today."""

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["cctld", "root", "government", "bank", "university", "health", "media", "other"] = "other"
    prefixes: list[IPv4Network | IPv6Network] = []  # a single address: write it as /32 or /128
    asns: list[Asn] = []
    note: str | None = Field(default=None, max_length=200)

    @field_validator("asns", mode="before")
    @classmethod
    def _asns(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [parse_asn(v) if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _has_target(self) -> CriticalService:
        if not self.prefixes and not self.asns:
            raise ValueError("a critical service needs 'prefixes' or 'asns' (what to look for in the "
                             "route servers' tables)")
        return self


class Inventory(Strict):
    ixp: IXP
    sources: SourcesConfig = SourcesConfig()
    route_servers: list[RouteServer] = Field(min_length=1)
    switches: list[Switch] = []
    members: list[Member] = []
    critical_services: list[CriticalService] = []  # optional: ixpctl report impact, "resilience"
    apply: ApplySettings = ApplySettings()

    def member(self, asn: int) -> Member | None:
        return next((m for m in self.members if m.asn == asn), None)

    def switch(self, name: str) -> Switch | None:
        return next((s for s in self.switches if s.name == name), None)

    def route_server_connections(self) -> list[tuple[Member, int, Connection]]:
        """(member, router number from 1, connection) of every active member router that peers with
        the route servers: what gets a session, a lab speaker, a containerlab node."""
        return [(m, i, c) for m in self.members if m.is_active
                for i, c in enumerate(m.connections, 1) if c.route_server]

    def lan_of(self, lan_name: str | None) -> PeeringLan | None:
        if lan_name is None:  # the only peering service (a LAN and the LAN carrying its IPv6 are one)
            services = [lan for lan in self.ixp.lans if lan.name not in self.ipv6_halves()]
            return services[0] if len(services) == 1 else None
        return self.ixp.lan(lan_name)

    def ipv6_halves(self) -> dict[str, str]:
        """Per-family VLANs: the LANs that carry another LAN's IPv6 → that LAN's name."""
        return {lan.ipv6_lan: lan.name for lan in self.ixp.lans if lan.ipv6_lan is not None}

    def family_lan(self, lan: PeeringLan, afi: int) -> PeeringLan:
        """The LAN that carries family ``afi`` of the peering service ``lan`` (itself, unless its
        IPv6 is on another VLAN: ``ipv6_lan``)."""
        if afi == 6 and lan.ipv6_lan is not None:
            return self.ixp.lan(lan.ipv6_lan) or lan
        return lan
