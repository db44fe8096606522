"""The switch platform contract: one entry per vendor OS, one template folder per entry.

Why a contract and not per-vendor code: everything that differs between vendors is either text (the
templates in ``templates/switch/<platform>/``) or a handful of facts listed here — the NAPALM driver,
whether the driver can commit with a revert timer, whether a failed commit leaves the device untouched,
and what LAN hygiene the platform can actually enforce. Adding a vendor = one folder + one entry below.

The capability matrix is deliberately honest: a member port on a platform that cannot drop IPv6 RAs is
reported as such (in a comment at the top of the generated config and in ``ixpctl switch build``), rather
than rendered with a line that looks reassuring but does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..errors import BuildError

Level = Literal["enforced", "partial", "none", "n/a"]


@dataclass(frozen=True)
class Capability:
    """One Euro-IX LAN-hygiene measure a member port should have."""

    key: str
    title: str


CAPABILITIES: tuple[Capability, ...] = (
    Capability("port_security", "port security: at most N learned MACs"),
    Capability("mac_acl", "MAC ACL: only the member's registered source MACs"),
    Capability("storm_control", "storm control (broadcast, multicast, unknown unicast)"),
    Capability("bpdu_guard", "BPDU guard / filter (no spanning tree toward members)"),
    Capability("lldp_tx_off", "no LLDP transmit toward members"),
    Capability("cdp_tx_off", "no CDP transmit toward members"),
    Capability("ethertype_filter", "ethertype allow-list: IPv4, ARP, IPv6 only"),
    Capability("ra_guard", "drop IPv6 Router Advertisements and redirects"),
    Capability("dhcp_drop", "drop DHCP and DHCPv6"),
)
CAPABILITY_KEYS = tuple(c.key for c in CAPABILITIES)


@dataclass(frozen=True)
class Support:
    """How (and how well) a platform enforces one capability."""

    level: Level
    how: str


@dataclass(frozen=True)
class Platform:
    name: str
    title: str
    napalm_driver: str
    comment: str  # line-comment prefix of the config dialect
    lag_pattern: str  # regex the inventory's `lag:` name must match on this platform
    # commit_config(revert_in=N) followed by confirm_commit(): the device reverts by itself when the
    # management session is lost after the commit (EOS config sessions, Junos commit confirmed).
    commit_confirm: bool = False
    commit_confirm_step: int = 1  # the revert timer's granularity in seconds (Junos: whole minutes)
    # A failed commit leaves the running config untouched (candidate/session model). When False the
    # device may hold half the change, and the pipeline calls rollback() to restore the checkpoint
    # the driver took when the commit started.
    transactional: bool = False
    # Comment lines are dropped from the candidate before it is loaded (Junos `load set` rejects them).
    strip_comments_on_push: bool = False
    # After commit, the candidate is re-loaded and compared: a non-empty residual diff is an error
    # (rollback) when True, a warning when False. Vendor OSes normalise lines (a diff that is not a
    # failure), so only drivers whose diff is exact use the strict mode.
    strict_verify: bool = False
    # A merge only adds lines on this platform: before loading, the running config of each member
    # interface is read back and the lines the candidate no longer has are removed (switch/prune.py).
    prune: bool = False
    speeds: dict[int, str] = field(default_factory=dict)  # Mbit/s → the dialect's speed keyword
    supports: dict[str, Support] = field(default_factory=dict)
    document: Literal["text", "json"] = "text"  # json: templates render objects, assembled in render.py
    tested_on: str = "golden files and a syntax parse only; not verified on a device"

    @property
    def template_dir(self) -> str:
        return f"switch/{self.name}"

    def support(self, key: str) -> Support:
        return self.supports.get(key, Support("none", "not implemented for this platform"))

    def lag_id(self, lag: str) -> int:
        """The bundle number in a LAG name (Port-Channel10 → 10, ae0 → 0); refuses foreign names."""
        if not re.fullmatch(self.lag_pattern, lag):
            raise BuildError(f"LAG name '{lag}' is not a LAG interface name on {self.title}",
                             fix=f"name it like {_example(self.lag_pattern)} in the member's connection")
        return int(re.search(r"(\d+)$", lag).group(1))

    def speed_keyword(self, mbit: int | None) -> str | None:
        if mbit is None:
            return None
        if mbit not in self.speeds:
            raise BuildError(f"{self.title} speed {mbit} Mbit/s has no known keyword",
                             fix=f"use one of {', '.join(str(s) for s in sorted(self.speeds))} Mbit/s")
        return self.speeds[mbit]

    def push_text(self, config: str) -> str:
        """The candidate as sent to the device (the .cfg file keeps the comments for humans)."""
        if not self.strip_comments_on_push:
            return config
        return "".join(line for line in config.splitlines(keepends=True)
                       if line.strip() and not line.lstrip().startswith(self.comment))


def _example(pattern: str) -> str:
    return {r"Port-Channel\d+": "Port-Channel10", r"port-channel\d+": "port-channel10",
            r"Port-channel\d+": "Port-channel10", r"ae\d+": "ae0",
            r"Eth-Trunk\d+": "Eth-Trunk10"}.get(pattern, pattern)


_CISCO_SPEEDS = {10: "10", 100: "100", 1000: "1000", 10000: "10000", 25000: "25000", 40000: "40000",
                 100000: "100000"}

PLATFORMS: dict[str, Platform] = {}


def register(platform: Platform) -> Platform:
    missing = [k for k in platform.supports if k not in CAPABILITY_KEYS]
    if missing:
        raise ValueError(f"platform {platform.name}: unknown capabilities {missing}")
    PLATFORMS[platform.name] = platform
    return platform


register(Platform(
    name="eos", title="Arista EOS", napalm_driver="eos", comment="!", lag_pattern=r"Port-Channel\d+",
    commit_confirm=True, transactional=True,
    speeds={1000: "1000full", 10000: "10g", 25000: "25g", 40000: "40g", 100000: "100g", 400000: "400g"},
    supports={
        "port_security": Support("enforced", "switchport port-security mac-address maximum N, violation protect"),
        "mac_acl": Support("enforced", "mac access-list per port, applied inbound"),
        "storm_control": Support("enforced", "storm-control broadcast/multicast/unknown-unicast level 1"),
        "bpdu_guard": Support("enforced", "spanning-tree bpduguard + bpdufilter"),
        "lldp_tx_off": Support("enforced", "no lldp transmit"),
        "cdp_tx_off": Support("n/a", "EOS does not speak CDP"),
        "ethertype_filter": Support("enforced", "MAC ACL permits 0x0800/0x0806/0x86dd per registered MAC"),
        "ra_guard": Support("partial", "IPv6 port ACL (router-advertisement, redirect); hardware dependent"),
        "dhcp_drop": Support("partial", "IPv4/IPv6 port ACLs (bootps/bootpc, 546/547); hardware dependent"),
    },
))

register(Platform(
    name="nxos", title="Cisco NX-OS", napalm_driver="nxos", comment="!", lag_pattern=r"port-channel\d+",
    prune=True,
    speeds=_CISCO_SPEEDS,
    supports={
        "port_security": Support("enforced", "switchport port-security maximum N + static MACs"),
        "mac_acl": Support("enforced", "mac port access-group per port"),
        "storm_control": Support("enforced", "storm-control broadcast/multicast/unicast level 1.00"),
        "bpdu_guard": Support("enforced", "spanning-tree bpduguard + bpdufilter"),
        "lldp_tx_off": Support("enforced", "no lldp transmit"),
        "cdp_tx_off": Support("enforced", "no cdp enable"),
        "ethertype_filter": Support("enforced", "MAC ACL permits 0x0800/0x0806/0x86dd per registered MAC"),
        "ra_guard": Support("enforced", "ipv6 nd raguard attach-policy (device-role host)"),
        "dhcp_drop": Support("partial", "ip/ipv6 port access-group; needs TCAM carving on some models"),
    },
))

register(Platform(
    name="ios", title="Cisco IOS / IOS-XE", napalm_driver="ios", comment="!", lag_pattern=r"Port-channel\d+",
    prune=True,
    speeds={10: "10", 100: "100", 1000: "1000"},  # IOS access switches: higher speeds are fixed per optic
    supports={
        "port_security": Support("enforced", "switchport port-security maximum N + static MACs"),
        "mac_acl": Support("enforced", "mac access-group per port"),
        "storm_control": Support("enforced", "storm-control broadcast/multicast/unicast level 1.00"),
        "bpdu_guard": Support("enforced", "spanning-tree bpduguard + bpdufilter"),
        "lldp_tx_off": Support("enforced", "no lldp transmit"),
        "cdp_tx_off": Support("enforced", "no cdp enable"),
        "ethertype_filter": Support("partial", "MAC ACL ethertype matches; not every ASIC filters IP by MAC ACL"),
        "ra_guard": Support("enforced", "ipv6 nd raguard attach-policy (device-role host)"),
        "dhcp_drop": Support("partial", "ip access-group + ipv6 traffic-filter on the switchport (PACL)"),
    },
))

register(Platform(
    name="junos", title="Juniper Junos (ELS)", napalm_driver="junos", comment="#", lag_pattern=r"ae\d+",
    commit_confirm=True, commit_confirm_step=60, transactional=True, strip_comments_on_push=True,
    speeds={1000: "1g", 10000: "10g", 25000: "25g", 40000: "40g", 100000: "100g"},
    supports={
        "port_security": Support("enforced", "switching-options interface-mac-limit N packet-action drop"),
        "mac_acl": Support("enforced", "family ethernet-switching filter, source-mac-address terms"),
        "storm_control": Support("enforced", "storm-control profile IXP-STORM (bandwidth-percentage 1)"),
        "bpdu_guard": Support("enforced", "protocols layer2-control bpdu-block"),
        "lldp_tx_off": Support("enforced", "protocols lldp interface disable (also stops LLDP receive)"),
        "cdp_tx_off": Support("n/a", "Junos does not speak CDP"),
        "ethertype_filter": Support("enforced", "filter term ether-type ipv4/arp/ipv6, then discard"),
        "ra_guard": Support("enforced", "filter term icmp6 type 134/137 discard"),
        "dhcp_drop": Support("enforced", "filter term udp destination-port 67/68/546/547 discard"),
    },
))

register(Platform(
    name="huawei_vrp", title="Huawei VRP (S series)", napalm_driver="huawei_vrp", comment="#",
    lag_pattern=r"Eth-Trunk\d+", strip_comments_on_push=True, prune=True,
    speeds={10: "10", 100: "100", 1000: "1000", 10000: "10000"},
    tested_on="golden files; diff/commit/rollback with the huawei_vrp NAPALM driver over SSH against "
              "a modelled VRP device (tests/support/fake_device); not verified on a real switch",
    supports={
        "port_security": Support("enforced", "port-security enable, max-mac-num N, protect-action protect"),
        "mac_acl": Support("enforced", "sticky port-security MACs + link ACL (source-mac) per port, inbound"),
        "storm_control": Support("enforced", "broadcast/multicast/unicast-suppression 1 (percent)"),
        "bpdu_guard": Support("enforced", "stp edged-port + bpdu-filter per port, stp bpdu-protection globally"),
        "lldp_tx_off": Support("enforced", "lldp admin-status disable (also stops LLDP receive)"),
        "cdp_tx_off": Support("n/a", "VRP does not send CDP"),
        "ethertype_filter": Support("enforced", "link ACL permits l2-protocol 0x0800/0x0806/0x86dd per MAC"),
        "ra_guard": Support("partial", "IPv6 advanced ACL (icmp6 RA/redirect) via traffic-filter; the number "
                                       "of inbound filters a port takes depends on the model's ACL mode"),
        "dhcp_drop": Support("partial", "IPv4/IPv6 advanced ACLs (bootps/bootpc, 546/547) via traffic-filter; "
                                        "same model dependency"),
    },
))

register(Platform(
    name="linux_bridge", title="Linux bridge (nftables)", napalm_driver="linux_bridge", comment="#",
    lag_pattern=r"(?!)", strict_verify=True, document="json",
    tested_on="lab tests with real packets in network namespaces",
    supports={
        "port_security": Support("partial", "the MAC allow-list is the limit; learning itself is not capped"),
        "mac_acl": Support("enforced", "nft set of registered MACs, other source MACs dropped"),
        "storm_control": Support("none", "no rate limit rendered"),
        "bpdu_guard": Support("enforced", "frames to 01:80:c2:00:00:00 dropped (and non-IP ethertypes)"),
        "lldp_tx_off": Support("n/a", "a Linux bridge sends no LLDP"),
        "cdp_tx_off": Support("n/a", "a Linux bridge sends no CDP"),
        "ethertype_filter": Support("enforced", "nft: ether type not in {ip, arp, ip6} dropped"),
        "ra_guard": Support("enforced", "nft: icmpv6 nd-router-advert / nd-redirect dropped"),
        "dhcp_drop": Support("enforced", "nft: udp dport 67/68/546/547 dropped"),
    },
))


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise BuildError(f"no switch platform '{name}'",
                         fix=f"use one of {', '.join(sorted(PLATFORMS))}, or add templates/switch/{name}/ "
                             "and an entry in ixpctl/switch/platforms.py") from None


def capability_lines(platform: Platform) -> list[str]:
    """The capability matrix as plain lines (the config header and the build report use it)."""
    width = max(len(c.title) for c in CAPABILITIES)
    return [f"[{platform.support(c.key).level:>8}] {c.title:<{width}}  {platform.support(c.key).how}"
            for c in CAPABILITIES]
