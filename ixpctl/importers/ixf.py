"""``ixpctl import ixf``: an IX-F member export (schema 0.6 to 1.0) → inventory data.

What the export has and where it goes: ``ixp_list[].vlan[]`` → the peering LAN (``--vlan`` picks
one; without it the VLAN most members are on, said so); members' ``connection_list[].vlan_list[]``
on that VLAN → one connection (router) each, with its addresses, ``mac_addresses``, the speed of
its ``if_list`` and ``routeserver`` as ``route_server``; ``as_macro`` → ``as_set``, ``max_prefix``
→ ``max_prefix``; a connection whose ``state`` is not active → a disabled member when none is active.

Per-family VLANs (IPv4 on one VLAN, IPv6 on another, one peering service): ``--ipv6-vlan ID`` takes
the IPv6 from VLAN ID. The inventory gets both LANs, the IPv4 one with ``ipv6_lan:``; each
connection's IPv4 entry (chosen VLAN) and IPv6 entry (VLAN ID) become one router with both
addresses, so route servers and members are dual-stack across the two VLANs.

Route servers: addresses carrying the ``ixrouteserver`` service (1.0 ``services``, 0.7
``service_type``), and entries of ``member_type: ixp`` (``ixpctl export ixf`` writes its own route
servers so), become ``route_servers:`` entries; their ASN is the route-server ASN. IX-F has no
switch port names, so the inventory says ``ports_and_macs: elsewhere`` (the export's owner, e.g.
IXP Manager, manages ports and MACs; the MACs it lists are kept).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from ipaddress import ip_address, ip_network
from itertools import zip_longest
from typing import Any

from ..errors import InputError
from ..inventory.asn import parse_asn
from .assemble import Assembler, Lan, Router, Where
from .model import Imported
from .routeservers import RouteServerSpec, route_servers_yaml
from .text import clean_as_sets, clean_text, decode_text, line_index

KNOWN_VERSIONS = ("0.6", "0.7", "0.8", "0.9", "1.0")
ACTIVE_STATES = {"active", "connected", None}


def load_ixf(data: bytes, origin: str) -> dict[str, Any]:
    text, recoded = decode_text(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError.at(f"not JSON: {err.msg}", origin, err.lineno, None,
                            "give the IX-F member export (JSON) of the IXP") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("member_list"), list) \
            or not isinstance(doc.get("ixp_list"), list) or not doc["ixp_list"]:
        raise InputError.at("not an IX-F member export (no ixp_list / member_list)", origin, 1, None,
                            "give the IX-F member export, e.g. IXP Manager's /api/v4/member-export/ixf/1.0")
    doc["_text"], doc["_recoded"] = text, recoded
    return doc


def _is_rs(address: dict[str, Any]) -> bool:
    services = address.get("services") or []
    if any(isinstance(s, dict) and s.get("type") == "ixrouteserver" for s in services):
        return True
    stype = address.get("service_type")
    return stype == "ixrouteserver" or (isinstance(stype, list) and "ixrouteserver" in stype)


def _lan_name(vlan: dict[str, Any]) -> str:
    raw = re.sub(r"[^A-Za-z0-9_-]+", "-", str(vlan.get("name") or "")).strip("-_")
    if raw and raw[0].isalpha():
        return raw[:32]
    return f"vlan{vlan['id']}" if isinstance(vlan.get("id"), int) else "peering"


def _prefix(entry: Any, fam: str, origin: str):
    if not isinstance(entry, dict) or entry.get("prefix") is None:
        return None
    try:
        return ip_network(f"{entry['prefix']}/{entry.get('mask_length')}", strict=False)
    except ValueError:
        raise InputError.at(f"VLAN {fam} prefix {entry!r} is not a network", origin, None, "ixp_list.vlan",
                            "fix the export or import another VLAN with --vlan") from None


def _pick_vlan(doc: dict[str, Any], ixp: dict[str, Any], want: int | None, imported: Imported,
               avoid: int | None = None) -> tuple[Lan, Any]:
    """The LAN to import and the export's id of its VLAN (members' vlan_list entries name it)."""
    vlans = [v for v in ixp.get("vlan") or [] if isinstance(v, dict)]
    used = Counter(v.get("vlan_id") for m in doc["member_list"] if isinstance(m, dict)
                   for c in m.get("connection_list") or [] for v in c.get("vlan_list") or [])
    if not vlans:
        raise InputError.at("the export describes no VLAN (ixp_list[].vlan)", imported.origin, None,
                            "ixp_list.vlan", "ixpctl needs the peering LAN's prefixes: fix the export")
    listed = ", ".join(f"{v.get('id')} ({v.get('name') or 'no name'}, {used.get(v.get('id'), 0)} connections)"
                       for v in vlans)
    if want is not None:
        chosen = next((v for v in vlans if v.get("id") == want), None)
        if chosen is None:
            raise InputError(f"VLAN {want} is not in the export", fix=f"use --vlan with one of: {listed}")
    else:
        # --ipv6-vlan alone: the IPv4 VLAN is another one
        chosen = max([v for v in vlans if v.get("id") != avoid] or vlans, key=lambda v: used.get(v.get("id"), 0))
        if len(vlans) > 1:
            imported.note(f"the export has {len(vlans)} VLANs; imported VLAN {chosen.get('id')}, the one most "
                          f"members are on: {listed}", file=imported.origin,
                          fix="pick another with --vlan ID")
    vid = chosen.get("id") if isinstance(chosen.get("id"), int) and 1 <= chosen["id"] <= 4094 else None
    lan = Lan(_lan_name(chosen), vid, _prefix(chosen.get("ipv4"), "ipv4", imported.origin),
              _prefix(chosen.get("ipv6"), "ipv6", imported.origin))
    if lan.ipv4 is None and lan.ipv6 is None:
        raise InputError.at(f"VLAN {lan.vlan or lan.name} has neither an IPv4 nor an IPv6 prefix", imported.origin, None,
                            "ixp_list.vlan", "fix the export or import another VLAN with --vlan")
    if vid is None:
        imported.note("the VLAN has no (valid) id in the export: the LAN is written without vlan:",
                      file=imported.origin, fix="set ixp.lans[0].vlan to the 802.1Q tag before managing switches")
    return lan, chosen.get("id")


def _ipv6_half(vlans: list[dict[str, Any]], lan: Lan, chosen_id: Any, want6: int | None,
               imported: Imported) -> Any:
    """``--ipv6-vlan``: attach the VLAN carrying the IPv6 to ``lan``; its export id (or None). Without
    it, an IPv4-only VLAN beside one IPv6-only VLAN gets a note saying how to join them."""
    six = [v for v in vlans if v.get("id") != chosen_id and isinstance(v.get("ipv6"), dict)
           and not isinstance(v.get("ipv4"), dict)]
    if want6 is None:
        if lan.ipv6 is None and len(six) == 1:
            imported.note(f"VLAN {lan.vlan or lan.name} has only IPv4 and VLAN {six[0].get('id')} only IPv6: imported "
                          "the IPv4 one alone", file=imported.origin,
                          fix=f"if they are one peering service, import with --ipv6-vlan {six[0].get('id')}")
        return None
    chosen6 = next((v for v in vlans if v.get("id") == want6), None)
    if chosen6 is None or want6 == chosen_id:
        raise InputError(f"--ipv6-vlan {want6} is " + ("the IPv4 VLAN itself" if want6 == chosen_id else
                                                        "not in the export"),
                         fix="give the id of the VLAN that carries the IPv6: "
                             + (", ".join(str(v.get("id")) for v in six) or "the export lists none"))
    if lan.ipv4 is None:
        raise InputError(f"VLAN {lan.vlan or lan.name} has no IPv4 prefix: --ipv6-vlan joins an IPv4 VLAN "
                         "to an IPv6 one", fix="give the IPv4 VLAN with --vlan")
    net6 = _prefix(chosen6.get("ipv6"), "ipv6", imported.origin)
    if net6 is None:
        raise InputError(f"VLAN {want6} has no IPv6 prefix in the export", fix="give the VLAN that carries the IPv6")
    if lan.ipv6 is not None:
        imported.note(f"VLAN {lan.vlan or lan.name} lists an IPv6 prefix too ({lan.ipv6}): its IPv6 is taken "
                      f"from VLAN {want6} ({net6}) as --ipv6-vlan says", file=imported.origin)
    name6 = _lan_name(chosen6)
    if name6 == lan.name:
        name6 = f"{name6[:28]}-v6"
    vid6 = want6 if 1 <= want6 <= 4094 else None
    lan.ipv6, lan.ipv6_half = net6, Lan(name6, vid6, None, net6)
    return want6


def _entries(member: dict[str, Any], ixp_id: Any, vlan: Any, vlan6: Any, single_vlan: bool):
    """(connection, vlan entry) of each router: with per-family VLANs, a connection's IPv4 entry
    on ``vlan`` and IPv6 entry on ``vlan6`` (in order, when it has several) merged into one."""
    if vlan6 is None:
        yield from _vlan_entries(member, ixp_id, vlan, single_vlan)
        return
    for conn in member.get("connection_list") or []:
        if not isinstance(conn, dict) or conn.get("ixp_id") not in (ixp_id, None):
            continue
        listed = [v for v in conn.get("vlan_list") or [] if isinstance(v, dict)]
        four = [v.get("ipv4") for v in listed if v.get("vlan_id") == vlan]
        six = [v.get("ipv6") for v in listed if v.get("vlan_id") == vlan6]
        for a4, a6 in zip_longest(four, six):
            merged = {fam: a for fam, a in (("ipv4", a4), ("ipv6", a6)) if isinstance(a, dict)}
            if merged:
                yield conn, merged


def _vlan_entries(member: dict[str, Any], ixp_id: Any, vlan: Any, single_vlan: bool):
    """(connection, vlan entry) pairs of ``member`` on the chosen IXP and VLAN."""
    for conn in member.get("connection_list") or []:
        if not isinstance(conn, dict) or conn.get("ixp_id") not in (ixp_id, None):
            continue
        for ventry in conn.get("vlan_list") or []:
            if isinstance(ventry, dict) and (ventry.get("vlan_id") == vlan or
                                             (ventry.get("vlan_id") is None and single_vlan)):
                yield conn, ventry


def _macs(address: dict[str, Any]) -> list[str]:
    macs = address.get("mac_addresses") or []
    if isinstance(macs, str):
        macs = [macs]
    single = address.get("mac_address")  # some 0.6 exporters
    return [*macs, *([single] if isinstance(single, str) else [])]


def _speed(conn: dict[str, Any]) -> int | None:
    speeds = [i.get("if_speed") for i in conn.get("if_list") or [] if isinstance(i, dict)]
    speeds = [s for s in speeds if isinstance(s, int) and s > 0]
    return min(speeds) if speeds else None


def import_ixf(data: bytes, origin: str, *, vlan: int | None = None, ixp_id: int | None = None,
               route_servers: list[RouteServerSpec] | None = None, rs_asn: int | None = None,
               fictional: bool = False, ipv6_vlan: int | None = None) -> Imported:
    """``fictional``: the export describes a demo IXP on documentation ASNs and prefixes (e.g. an
    ``ixpctl export ixf`` of the bundled MLIX example): keep them, and say so in the inventory."""
    doc = load_ixf(data, origin)
    imported = Imported("ixf", origin, {}, [], [])
    version = str(doc.get("version", "?"))
    if version not in KNOWN_VERSIONS:
        imported.note(f"IX-F schema version {version} is not one ixpctl knows ({', '.join(KNOWN_VERSIONS)}): "
                      "read as 1.0", file=origin, line=1, field="version")
    if doc["_recoded"]:
        imported.note("the file is not valid UTF-8: the bytes that are not were read as Windows-1252",
                      file=origin, fix="check the names marked below; the inventory is written in UTF-8")
    ixps = [x for x in doc["ixp_list"] if isinstance(x, dict)]
    if ixp_id is None and len(ixps) > 1:
        raise InputError(f"the export describes {len(ixps)} IXPs",
                         fix="pick one with --ixp-id: " + ", ".join(f"{x.get('ixp_id')} ({x.get('shortname')})"
                                                                   for x in ixps))
    ixp = ixps[0] if ixp_id is None else next((x for x in ixps if x.get("ixp_id") == ixp_id), None)
    if ixp is None:
        raise InputError(f"--ixp-id {ixp_id} is not in the export")
    lan, chosen_id = _pick_vlan(doc, ixp, vlan, imported, avoid=ipv6_vlan)
    vlan6 = _ipv6_half([v for v in ixp.get("vlan") or [] if isinstance(v, dict)], lan, chosen_id, ipv6_vlan,
                       imported)
    single_vlan = len(ixp.get("vlan") or []) == 1
    lines = line_index(doc["_text"], "asnum")
    members = doc["member_list"]
    where_of = (lambda i: Where(origin, lines[i] if len(lines) == len(members) else None, f"member_list[{i}]"))

    # the route servers first: their ASN and addresses shape the member checks
    detected: list[tuple[int, RouteServerSpec]] = []
    for i, member in enumerate(members):
        if not isinstance(member, dict):
            continue
        asn = _asn(member, where_of(i))
        for _conn, ventry in _entries(member, ixp.get("ixp_id"), chosen_id, vlan6, single_vlan):
            addrs = {fam: ventry.get(fam) for fam in ("ipv4", "ipv6") if isinstance(ventry.get(fam), dict)}
            if (addrs and any(_is_rs(a) for a in addrs.values())) or member.get("member_type") == "ixp":
                spec = RouteServerSpec(f"rs{len(detected) + 1}")
                for fam, a in addrs.items():
                    try:
                        setattr(spec, fam, ip_address(str(a.get("address"))))
                    except ValueError:
                        pass
                if spec.ipv4 or spec.ipv6:
                    detected.append((asn, spec))
    rs_asns = Counter(a for a, _ in detected)
    if rs_asn is None:
        if not rs_asns:
            raise InputError("the export names no route server (no ixrouteserver service, no member_type ixp)",
                             fix="give --rs-asn ASN and --route-server NAME=ADDR[,ADDR] (repeatable)")
        rs_asn = rs_asns.most_common(1)[0][0]
    specs = route_servers or [s for a, s in detected if a == rs_asn]
    if not specs:
        raise InputError(f"no route-server address for AS{rs_asn} in the export",
                         fix="give --route-server NAME=ADDR[,ADDR] (repeatable)")
    if route_servers is None:
        imported.note(f"{len(specs)} route server(s) of AS{rs_asn} found in the export: "
                      + ", ".join(f"{s.name} {s.ipv4 or ''} {s.ipv6 or ''}".strip() for s in specs),
                      file=origin, severity="info", fix="name them with --route-server NAME=ADDR[,ADDR]")
    rs_addresses = {str(a) for s in specs for a in (s.ipv4, s.ipv6) if a is not None}

    asm = Assembler(imported, lan, rs_asn, rs_addresses=rs_addresses, fictional=fictional)
    for i, member in enumerate(members):
        if not isinstance(member, dict):
            continue
        where = where_of(i)
        asn = _asn(member, where)
        if asn == rs_asn or member.get("member_type") == "ixp":
            continue  # the route servers (above), or the IXP's own infrastructure
        _member(asm, member, asn, where, ixp.get("ixp_id"), (chosen_id, vlan6), single_vlan)
    imported.members = asm.finish()
    if vlan6 is not None:
        both = sum(1 for m in imported.members for c in m.get("connections", []) if "ipv4" in c and "ipv6" in c)
        imported.note(f"per-family VLANs: IPv4 from VLAN {chosen_id}, IPv6 from VLAN {vlan6}, one peering service "
                      f"(LAN {lan.name} with ipv6_lan: {lan.ipv6_half.name}); {both} router(s) have both",
                      file=origin, severity="info")
    imported.route_servers = route_servers_yaml(specs)
    imported.ixp = _ixp(ixp, lan, rs_asn, origin, imported)
    if fictional:
        imported.ixp["fictional_resources"] = {
            "enabled": True, "reason": f"imported with --fictional from {origin}: documentation ASNs and prefixes"}
    return imported


def _asn(member: dict[str, Any], where: Where) -> int:
    try:
        return parse_asn(str(member.get("asnum")))
    except ValueError as err:
        raise InputError.at(str(err), where.file, where.line, f"{where.field}.asnum",
                            "every member needs its AS number") from None


def _member(asm: Assembler, member: dict[str, Any], asn: int, where: Where, ixp_id: Any,
            vlans: tuple[Any, Any], single_vlan: bool) -> None:
    routers: list[Router] = []
    macros: dict[str, list[str]] = {"ipv4": [], "ipv6": []}
    limits: dict[str, int] = {}
    active = False
    for conn, ventry in _entries(member, ixp_id, *vlans, single_vlan):
        active |= conn.get("state") in ACTIVE_STATES
        router = Router(speed=_speed(conn))
        rs_flags = []
        for fam in ("ipv4", "ipv6"):
            a = ventry.get(fam)
            if not isinstance(a, dict):
                continue
            setattr(router, fam, a.get("address"))
            router.macs += [m for m in _macs(a) if m not in router.macs]
            rs_flags.append(bool(a.get("routeserver")))
            if a.get("as_macro"):
                macros[fam].append(str(a["as_macro"]))
            if isinstance(a.get("max_prefix"), int) and a["max_prefix"] > 0:
                limits[fam] = max(limits.get(fam, 0), a["max_prefix"])
        router.route_server = any(rs_flags)
        if router.ipv4 or router.ipv6:
            routers.append(router)
    if not routers:
        return  # not on this VLAN
    as_sets = list(dict.fromkeys(macros["ipv4"] + macros["ipv6"]))
    extra: dict[str, Any] = {}
    if macros["ipv4"] and macros["ipv6"] and set(macros["ipv4"]) != set(macros["ipv6"]):
        # AS-FOO for IPv4, AS-FOO-V6 for IPv6: each filters its own family
        asm.counts["families"].append(f"AS{asn}")
        as_sets = list(dict.fromkeys(macros["ipv4"]))
        v6 = clean_as_sets(macros["ipv6"], asn).names
        if v6:
            extra["as_set_ipv6"] = v6
    if not active:
        extra["status"] = "disabled"
    emails = member.get("contact_email") or []
    email = next((e for e in emails if isinstance(e, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", e)), None)
    if email:
        extra["contact"] = email
    since = str(member.get("member_since") or "")[:10]
    if re.match(r"^\d{4}-\d{2}-\d{2}$", since):
        extra["joined"] = date.fromisoformat(since)
    asm.member(asn, member.get("name"), where, as_sets=as_sets, max_prefix=limits, routers=routers, extra=extra)


def _ixp(ixp: dict[str, Any], lan: Lan, rs_asn: int, origin: str, imported: Imported) -> dict[str, Any]:
    short = clean_text(ixp.get("shortname") or ixp.get("name"), limit=64, fallback="IXP").value
    out: dict[str, Any] = {"name": short}
    long_name = clean_text(ixp.get("name"), limit=200).value
    if long_name and long_name != short:
        out["long_name"] = long_name
    country = str(ixp.get("country") or "").upper()
    if re.match(r"^[A-Z]{2}$", country):
        out["country"] = country
    if isinstance(ixp.get("url"), str) and ixp["url"].startswith(("http://", "https://")):
        out["website"] = ixp["url"]
    email = ixp.get("support_email")
    if isinstance(email, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        out["support_email"] = email
    for key, target in (("peeringdb_id", "peeringdb_ix_id"), ("ixf_id", "ixf_id")):
        if isinstance(ixp.get(key), int) and ixp[key] >= 1:
            out[target] = ixp[key]
    out["rs_asn"] = rs_asn
    out["ports_and_macs"] = "elsewhere"
    out["lans"] = lan.all_yaml()
    return out
