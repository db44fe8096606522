"""Cross-object checks of the inventory alone: real operator mistakes only the whole file can show.

The models already reject malformed values (types, unknown keys, bad AS-SET names). Here we check
what only the whole inventory can tell: duplicates, addresses outside their LAN, ports used twice,
special-purpose ASNs as members, missing secrets. Checks that need the policy file or the facts
(per-member policy overrides, PeeringDB drift) are added by ``ixpctl.analysis.validate``, the
entry point of ``ixpctl validate`` and the build.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path

from ..base.yamlio import dotted
from ..errors import Report
from .asn import in_ranges, special_asn_reason
from .loader import LoadedInventory
from .models import Inventory, PeeringLan
from .validate_lans import check_lan_pairs, check_service_reference, check_tagged, pairing_broken

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
Locator = Callable[..., dict]  # at("members", 3, "asn") -> {"file": ..., "line": ..., "field": ...}


def locator(loaded: LoadedInventory) -> Locator:
    """``at(*loc)``: the file, line and dotted field of a location, as keyword arguments of a Problem."""
    def at(*loc):
        file, line = loaded.locate(tuple(loc))
        return {"file": file, "line": line, "field": dotted(loc)}

    return at


def validate_inventory(loaded: LoadedInventory, *, base_dir: Path | None = None) -> Report:
    """Run every inventory check; never raises for inventory problems, returns them all in a Report."""
    report = Report()
    inv = loaded.inventory
    base_dir = base_dir or Path.cwd()
    at = locator(loaded)
    _check_fictional(inv, report, at)
    _check_lans(inv, report, at)
    _check_route_servers(inv, report, at)
    _check_members(inv, report, at, base_dir)
    _check_switch_ports(inv, report, at)
    from .validate_apply import check_apply  # `ixpctl apply` settings (inventory/apply_config.py)

    check_apply(inv, report, at, base_dir)
    return report


def _check_fictional(inv: Inventory, report: Report, at) -> None:
    fr = inv.ixp.fictional_resources
    if fr is not None and fr.enabled:
        report.warning(
            "DEMO MODE: fictional_resources is on — documentation ASNs and prefixes are let through the "
            f"bogon and invalid-ASN checks ({fr.reason})",
            fix="remove ixp.fictional_resources before using this inventory in production",
            **at("ixp", "fictional_resources"))


def _fictional_asn_ok(inv: Inventory, asn: int) -> bool:
    fr = inv.ixp.fictional_resources
    return fr is not None and fr.enabled and in_ranges(asn, [tuple(r) for r in fr.asn_ranges])


def _check_lans(inv: Inventory, report: Report, at) -> None:
    seen_names: dict[str, int] = {}
    seen_vlans: dict[int, int] = {}
    for i, lan in enumerate(inv.ixp.lans):
        if lan.name in seen_names:
            report.error(f"LAN name '{lan.name}' is used twice", fix="give every LAN its own name",
                         **at("ixp", "lans", i, "name"))
        seen_names[lan.name] = i
        if lan.vlan is not None and lan.vlan in seen_vlans:
            report.error(f"VLAN {lan.vlan} is used by two LANs", fix="give every LAN its own VLAN",
                         **at("ixp", "lans", i, "vlan"))
        if lan.vlan is None and inv.switches:
            report.error(f"LAN '{lan.name}' has no VLAN tag, and the switch configs need it",
                         fix="add vlan: <802.1Q tag> to the LAN", **at("ixp", "lans", i))
        if lan.vlan is not None:
            seen_vlans[lan.vlan] = i
        for fam, net in (("ipv4", lan.ipv4), ("ipv6", lan.ipv6)):
            other = next((o for o in inv.ixp.lans[:i] if (o_net := getattr(o, fam)) is not None
                          and net is not None and net.overlaps(o_net)), None)
            if other is not None:
                # an address inside both is "on" two LANs: sessions, the peering-LAN filter and the
                # switch VLANs would each pick one, and not necessarily the same one
                report.error(f"peering LAN {lan.name} ({net}) overlaps LAN {other.name} ({getattr(other, fam)})",
                             fix="give every LAN its own prefix", **at("ixp", "lans", i, fam))
            if net is not None and not net.is_global and not _fictional_prefix_ok(inv, net):
                report.warning(f"peering LAN {net} is not globally unique address space",
                               fix="IXPs number their LAN from a dedicated public assignment", **at("ixp", "lans", i, fam))
    check_lan_pairs(inv, report, at)  # per-family VLANs (ipv6_lan)
    rs_asn = inv.ixp.rs_asn
    why = special_asn_reason(rs_asn)
    if why and not _fictional_asn_ok(inv, rs_asn):
        report.warning(f"route-server ASN {rs_asn} is a {why}",
                       fix="route servers normally use a public ASN assigned to the IXP", **at("ixp", "rs_asn"))


def _fictional_prefix_ok(inv: Inventory, net) -> bool:
    fr = inv.ixp.fictional_resources
    if fr is None or not fr.enabled:
        return False
    return any(net.version == p.version and net.subnet_of(p) for p in fr.prefixes)


def _resolve_lan(inv: Inventory, name: str | None, report: Report, where: dict) -> PeeringLan | None:
    lan = inv.lan_of(name)
    if lan is None:
        if name is None and pairing_broken(inv):
            return None  # the ipv6_lan error says why (once)
        if name is None:
            report.error("this IXP has several LANs: say which one ('lan:')",
                         fix=f"add lan: one of {', '.join(l.name for l in inv.ixp.lans)}", **where)
        else:
            report.error(f"unknown LAN '{name}'",
                         fix=f"use one of {', '.join(l.name for l in inv.ixp.lans)}", **where)
    return lan


def _check_address(addr, lan: PeeringLan, report: Report, where: dict, what: str) -> None:
    net = lan.ipv4 if isinstance(addr, IPv4Address) else lan.ipv6
    fam = "IPv4" if isinstance(addr, IPv4Address) else "IPv6"
    if net is None:
        report.error(f"{what} has an {fam} address but LAN '{lan.name}' has no {fam} prefix",
                     fix=f"remove the address or add an {fam.lower()} prefix to the LAN", **where)
        return
    if addr not in net:
        report.error(f"{what} address {addr} is outside LAN '{lan.name}' ({net})",
                     fix=f"pick a free address inside {net}", **where)
        return
    if addr == net.network_address:
        report.error(f"{what} address {addr} is the network address of {net}",
                     fix="pick a host address", **where)
    elif isinstance(addr, IPv4Address) and addr == net.broadcast_address:
        report.error(f"{what} address {addr} is the broadcast address of {net}",
                     fix="pick a host address", **where)


def _check_route_servers(inv: Inventory, report: Report, at) -> None:
    names: dict[str, int] = {}
    router_ids: dict[str, str] = {}
    addresses: dict[object, str] = {}
    for i, rs in enumerate(inv.route_servers):
        if rs.name in names:
            report.error(f"route server name '{rs.name}' is used twice", **at("route_servers", i, "name"))
        names[rs.name] = i
        rid = str(rs.router_id)
        if rid in router_ids:
            report.error(f"router-id {rid} is also used by {router_ids[rid]}",
                         fix="every route server needs its own router-id", **at("route_servers", i, "router_id"))
        router_ids[rid] = rs.name
        lan = _resolve_lan(inv, rs.lan, report, at("route_servers", i, "lan"))
        if lan is None:
            continue
        check_service_reference(inv, rs.lan, report, at("route_servers", i, "lan"), f"route server {rs.name}")
        if rs.ipv4 is None and rs.ipv6 is None:
            report.error(f"route server {rs.name} has no LAN address",
                         fix="add ipv4: and/or ipv6:", **at("route_servers", i))
        for fam in ("ipv4", "ipv6"):
            addr = getattr(rs, fam)
            if addr is not None:
                _check_address(addr, inv.family_lan(lan, int(fam[-1])), report, at("route_servers", i, fam),
                               f"route server {rs.name}")
                if addr in addresses:
                    # two daemons answering for one address: members' sessions flap between them
                    report.error(f"route server {rs.name} address {addr} is also the address of {addresses[addr]}",
                                 fix="every route server needs its own LAN address", **at("route_servers", i, fam))
                addresses.setdefault(addr, rs.name)
            elif getattr(inv.family_lan(lan, int(fam[-1])), fam) is not None:
                report.warning(f"route server {rs.name} has no {fam} address although LAN '{lan.name}' has "
                               f"{fam}: members get no {fam} session with it", **at("route_servers", i))


def _check_members(inv: Inventory, report: Report, at, base_dir: Path) -> None:
    rs_addresses = {a: rs.name for rs in inv.route_servers for a in (rs.ipv4, rs.ipv6) if a is not None}
    asns: dict[int, int] = {}
    addresses: dict[object, str] = {}
    macs: dict[str, str] = {}
    rs_lans = {(inv.lan_of(rs.lan).name if inv.lan_of(rs.lan) else None) for rs in inv.route_servers}
    tracked = inv.ixp.ports_and_macs == "inventory"
    missing: dict[str, list[tuple[str, dict]]] = {"macs": [], "port": []}
    for i, m in enumerate(inv.members):
        label = f"AS{m.asn} ({m.name})"
        if m.asn in asns:
            first = inv.members[asns[m.asn]]
            report.error(f"AS{m.asn} is listed twice (also as '{first.name}')",
                         fix="merge the two entries: one member, several connections", **at("members", i, "asn"))
        asns.setdefault(m.asn, i)
        if m.asn == inv.ixp.rs_asn:
            report.error(f"AS{m.asn} is the route servers' own ASN", **at("members", i, "asn"),
                         fix="the IXP's route servers are not members: describe them under route_servers: "
                             "(an IX-F export lists them as a member; `ixpctl import ixf` converts them)")
        why = special_asn_reason(m.asn)
        if m.type == "monitor" and not m.reason:
            report.error(f"{label} is a monitor without a reason", fix="add reason: why it peers without "
                         "announcing (e.g. 'route collector of ExampleCo, receives only')", **at("members", i, "type"))
        if why and not _fictional_asn_ok(inv, m.asn):
            if m.type == "monitor" and m.reason and why.startswith("private"):
                report.warning(f"AS{m.asn} is a {why}, accepted as a monitor (receives routes, announces none): "
                               f"{m.reason}", **at("members", i, "asn"))
            else:
                fix = "use the member's public ASN"
                if why.startswith("private"):
                    fix += ("; a route collector or monitor on a private ASN: set type: monitor and reason: "
                            "(it then receives routes and none of its announcements is accepted)")
                report.error(f"AS{m.asn} is a {why}: it cannot peer at an IXP", fix=fix, **at("members", i, "asn"))
        for key in ("name", "description"):
            text = getattr(m, key) or ""
            if _CONTROL.search(text) or "\ufffd" in text:
                what = "a lost character (U+FFFD)" if "\ufffd" in text and not _CONTROL.search(text) \
                    else "control characters (tab, newline...)"
                report.warning(f"{label}: {key} contains {what}: configs and pages show it as a space",
                               fix=f"retype the {key} (UTF-8 letters are fine)", **at("members", i, key))
        if m.md5 is not None:
            _check_secret(m.md5, report, at("members", i, "md5"), base_dir, label)
        for c_i, conn in enumerate(m.connections):
            where = at("members", i, "connections", c_i)
            lan = _resolve_lan(inv, conn.lan, report, at("members", i, "connections", c_i, "lan"))
            check_service_reference(inv, conn.lan, report, at("members", i, "connections", c_i, "lan"), label)
            check_tagged(inv, conn, report, at("members", i, "connections", c_i, "vlan_mode"), label)
            for fam in ("ipv4", "ipv6"):
                addr = getattr(conn, fam)
                if addr is None:
                    continue
                fwhere = at("members", i, "connections", c_i, fam)
                if lan is not None:
                    _check_address(addr, inv.family_lan(lan, int(fam[-1])), report, fwhere, label)
                if addr in rs_addresses:
                    report.error(f"{label} uses {addr}, the address of route server {rs_addresses[addr]}",
                                 fix="pick a free address", **fwhere)
                elif addr in addresses:
                    report.error(f"{label} uses {addr}, already used by {addresses[addr]}",
                                 fix="pick a free address", **fwhere)
                else:
                    addresses[addr] = label
            for m_i, mac in enumerate(conn.macs):
                mwhere = at("members", i, "connections", c_i, "macs", m_i)
                if mac in macs:
                    report.error(f"MAC {mac} is already registered for {macs[mac]}",
                                 fix="each router has its own MAC address", **mwhere)
                else:
                    macs[mac] = label
                first_octet = int(mac[:2], 16)
                if first_octet & 1:
                    report.error(f"MAC {mac} is a multicast address", fix="register the router's unicast MAC",
                                 **mwhere)
            if conn.max_macs is not None and len(conn.macs) > conn.max_macs:
                report.error(f"{len(conn.macs)} MACs registered but max_macs is {conn.max_macs}",
                             **at("members", i, "connections", c_i, "max_macs"))
            if m.status == "active" and not conn.macs and tracked:
                missing["macs"].append((label, where))
            if conn.route_server and lan is not None and lan.name not in rs_lans:
                report.error(f"{label} wants route-server sessions on LAN '{lan.name}', which has no route server",
                             fix="set route_server: false or add a route server on that LAN", **where)
            if conn.switch is None and m.status == "active" and tracked:
                missing["port"].append((label, where))
    _report_missing(missing, report, at)


# Beyond this many connections without a port (or MACs), one summary line replaces the per-connection
# warnings: a 785-member import printed 1,796 warnings that buried its one error.
FLOOD = 5
_MISSING_TEXT = {
    "macs": ("has no MAC address registered: the switch port cannot enforce port security",
             "add macs: [..] from the member's router"),
    "port": ("has no switch port: it cannot be patched", "add switch: and ports:"),
}


def _report_missing(missing: dict[str, list[tuple[str, dict]]], report: Report, at) -> None:
    for kind, items in missing.items():
        text, fix = _MISSING_TEXT[kind]
        if len(items) <= FLOOD:
            for label, where in items:
                report.warning(f"{label} {text}", fix=fix, **where)
            continue
        label, where = items[0]
        report.warning(f"{len(items)} connections {text.replace('has no', 'have no', 1)} (first: {label})",
                       fix=f"{fix}; or, if switch ports and MACs are managed by another tool, set "
                           "ixp.ports_and_macs: elsewhere", **where)


def _check_secret(ref, report: Report, where: dict, base_dir: Path, label: str) -> None:
    if ref.env is not None:
        if not os.environ.get(ref.env):
            report.warning(f"secret for {label}: environment variable {ref.env} is not set "
                           "(builds render no password until it is; deploy refuses)",
                           fix=f"export {ref.env}=... where ixpctl runs (CI secret, vault agent...)", **where)
    else:
        path = Path(ref.file)
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            report.error(f"secret file {ref.file} for {label} does not exist",
                         fix=f"create {path} (mode 600, one line: the password) or fix the path", **where)
        elif path.stat().st_mode & 0o077:
            report.warning(f"secret file {ref.file} is readable by other users",
                           fix=f"chmod 600 {path}", **where)


def _check_switch_ports(inv: Inventory, report: Report, at) -> None:
    names: dict[str, int] = {}
    for s_i, sw in enumerate(inv.switches):
        if sw.name in names:
            report.error(f"switch name '{sw.name}' is used twice", **at("switches", s_i, "name"))
        names[sw.name] = s_i
        seen: set[str] = set()
        for p_i, port in enumerate(sw.ports):
            if port.name in seen:
                report.error(f"port {port.name} is listed twice on {sw.name}", **at("switches", s_i, "ports", p_i))
            seen.add(port.name)
        for u in sw.uplinks:
            if sw.port(u) is None:
                report.error(f"uplink {u} is not a port of {sw.name}", fix="add it to ports:",
                             **at("switches", s_i, "uplinks"))
    used: dict[tuple[str, str], str] = {}
    lags: dict[tuple[str, str], str] = {}
    for i, m in enumerate(inv.members):
        label = f"AS{m.asn} ({m.name})"
        for c_i, conn in enumerate(m.connections):
            if conn.switch is None:
                if conn.ports:
                    report.error("ports given without switch:", fix="add switch: <name>",
                                 **at("members", i, "connections", c_i, "ports"))
                continue
            sw = inv.switch(conn.switch)
            if sw is None:
                report.error(f"unknown switch '{conn.switch}'",
                             fix=f"use one of {', '.join(s.name for s in inv.switches) or '(no switches defined)'}",
                             **at("members", i, "connections", c_i, "switch"))
                continue
            if not conn.ports:
                report.error(f"no port given on {sw.name}", fix="add ports: [<port>]",
                             **at("members", i, "connections", c_i))
            if len(conn.ports) > 1 and not conn.lag:
                report.error(f"{len(conn.ports)} ports but no LAG name",
                             fix="add lag: <port-channel/ae name> to bundle them",
                             **at("members", i, "connections", c_i))
            if conn.lag:
                key = (sw.name, conn.lag)
                if key in lags and lags[key] != label:
                    report.error(f"LAG {conn.lag} on {sw.name} is already used by {lags[key]}",
                                 **at("members", i, "connections", c_i, "lag"))
                lags[key] = label
            for p_i, pname in enumerate(conn.ports):
                pwhere = at("members", i, "connections", c_i, "ports", p_i)
                port = sw.port(pname)
                if port is None:
                    report.error(f"{sw.name} has no port '{pname}'",
                                 fix=f"add it to switches[{sw.name}].ports or fix the name", **pwhere)
                    continue
                if pname in sw.uplinks:
                    report.error(f"{pname} is an uplink of {sw.name}, not a member port", **pwhere)
                key = (sw.name, pname)
                if key in used:
                    report.error(f"port {sw.name} {pname} is already used by {used[key]}",
                                 fix="every port belongs to one connection", **pwhere)
                else:
                    used[key] = label
                if conn.speed and port.speed and conn.speed > port.speed:
                    report.error(f"{label} ordered {conn.speed} Mbit/s but {sw.name} {pname} is {port.speed}",
                                 **pwhere)


def member_counts(inv: Inventory) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for m in inv.members:
        counts[m.status] += 1
    return dict(counts)
