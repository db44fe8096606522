"""``ixpctl import peeringdb --ix ID``: an inventory skeleton from what PeeringDB says about an
exchange, read from the local PeeringDB cache (``ixpctl.sources.peeringdb``, the official client).

From the exchange: its name, city, country, website and technical e-mail; its LAN (``ixlan``:
one is picked, ``--ixlan`` for another) with the ``ixpfx`` prefixes and ``rs_asn``; the route
servers are the LAN's netixlan rows of that ASN. Every other netixlan row is a member router:
addresses, speed, ``is_rs_peer`` as ``route_server``, ``operational: false`` → ``planned``; the
network's name and ``irr_as_set``. Max-prefix limits are not pinned by default: the policy's
``max_prefix.peeringdb`` already applies PeeringDB's current values (plus headroom) at every build;
``pin_max_prefix`` writes today's values into the inventory instead. PeeringDB knows neither VLAN
tags, switch ports nor MACs: the LAN has no ``vlan:`` unless given, and ``ports_and_macs: elsewhere``.
"""

from __future__ import annotations

import re
from collections import Counter
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..sources import peeringdb as pdb
from .assemble import Assembler, Lan, Router, Where
from .model import Imported
from .routeservers import RouteServerSpec, route_servers_yaml
from .text import clean_text


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")[:32]
    return slug if slug and slug[0].isalpha() else fallback


def import_peeringdb(db_dir: Path, ix_id: int, *, ixlan_id: int | None = None,
                     route_servers: list[RouteServerSpec] | None = None, rs_asn: int | None = None,
                     vlan: int | None = None, fictional: bool = False, pin_max_prefix: bool = False) -> Imported:
    ex, rows = pdb.exchange(db_dir, ix_id)
    origin = f"PeeringDB ix {ix_id} (cache {db_dir})"
    imported = Imported("peeringdb", origin, {}, [], [])
    lans = ex["lans"]
    if not lans:
        raise InputError(f"PeeringDB exchange {ix_id} has no LAN", fix="check the exchange in PeeringDB")
    used = Counter(r.ixlan_id for r in rows)
    if ixlan_id is not None:
        lan_row = next((lan for lan in lans if lan["id"] == ixlan_id), None)
        if lan_row is None:
            raise InputError(f"ixlan {ixlan_id} is not a LAN of exchange {ix_id}",
                             fix="use --ixlan with one of: " + ", ".join(str(lan["id"]) for lan in lans))
    else:
        lan_row = max(lans, key=lambda lan: used.get(lan["id"], 0))
        if len(lans) > 1:
            imported.note(f"exchange {ix_id} has {len(lans)} LANs: imported ixlan {lan_row['id']}, the one most "
                          "networks are on", file=origin, fix="pick another with --ixlan ID")
    nets: dict[int, Any] = {}
    for p in ex["prefixes"]:
        if p["ixlan_id"] == lan_row["id"]:
            net = ip_network(p["prefix"], strict=False)
            if net.version in nets:
                imported.note(f"ixlan {lan_row['id']} has several IPv{net.version} prefixes: {nets[net.version]} kept, "
                              f"{net} left out", file=origin)
                continue
            nets[net.version] = net
    if not nets:
        raise InputError(f"ixlan {lan_row['id']} has no prefix in PeeringDB (ixpfx)",
                         fix="add the LAN's prefixes in PeeringDB, or import from IX-F or arouteserver")
    lan = Lan(_slug(lan_row["descr"] or lan_row["name"] or ex["name"], f"ixlan{lan_row['id']}"), vlan,
              nets.get(4), nets.get(6))
    if vlan is None:
        imported.note("PeeringDB does not know the LAN's VLAN tag: the LAN is written without vlan:", file=origin,
                      severity="info", fix="give --vlan ID, or set ixp.lans[0].vlan before managing switches")
    rs_asn = rs_asn or lan_row["rs_asn"]
    if not rs_asn:
        raise InputError(f"ixlan {lan_row['id']} has no route-server ASN (rs_asn) in PeeringDB",
                         fix="give --rs-asn ASN and --route-server NAME=ADDR[,ADDR]")
    lan_rows = [r for r in rows if r.ixlan_id == lan_row["id"]]
    specs = list(route_servers or [])
    if not specs:
        for r in (r for r in lan_rows if r.asn == rs_asn):
            spec = RouteServerSpec(f"rs{len(specs) + 1}")
            spec.ipv4 = ip_address(r.ipaddr4) if r.ipaddr4 else None
            spec.ipv6 = ip_address(r.ipaddr6) if r.ipaddr6 else None
            specs.append(spec)
        if not specs:
            raise InputError(f"no route-server address: AS{rs_asn} has no netixlan row on ixlan {lan_row['id']}",
                             fix="give --route-server NAME=ADDR[,ADDR] for each route server")
        imported.note(f"route servers: the netixlan rows of AS{rs_asn}: "
                      + ", ".join(f"{s.name} {s.ipv4 or ''} {s.ipv6 or ''}".strip() for s in specs),
                      file=origin, severity="info", fix="name them with --route-server NAME=ADDR[,ADDR]")
    networks, _ = pdb.lookup(db_dir, ix_id=None, asns=sorted({r.asn for r in lan_rows}))
    rs_addresses = {str(a) for s in specs for a in (s.ipv4, s.ipv6) if a is not None}
    asm = Assembler(imported, lan, rs_asn, rs_addresses=rs_addresses, fictional=fictional)
    by_asn: dict[int, list[Any]] = {}
    for r in lan_rows:
        if r.asn != rs_asn:
            by_asn.setdefault(r.asn, []).append(r)
    for asn, member_rows in sorted(by_asn.items()):
        net = networks.get(asn)
        where = Where(origin, None, f"net asn={asn}")
        routers = [Router(ipv4=r.ipaddr4, ipv6=r.ipaddr6, speed=r.speed or None, route_server=r.is_rs_peer)
                   for r in member_rows]
        extra: dict[str, Any] = {}
        if not any(r.operational for r in member_rows):
            extra["status"] = "planned"
        limits = {}
        if pin_max_prefix and net is not None:
            limits = {k: v for k, v in (("ipv4", net.info_prefixes4), ("ipv6", net.info_prefixes6)) if v}
        if net is None:
            asm.imported.note(f"AS{asn}: no network record in the cache: named AS{asn}", **where.kw())
        asm.member(asn, net.name if net else None, where, as_sets=net.irr_as_set if net else None,
                   max_prefix=limits, routers=routers, extra=extra)
    imported.members = asm.finish()
    imported.route_servers = route_servers_yaml(specs)
    ixp: dict[str, Any] = {"name": clean_text(ex["name"], limit=64, fallback=f"IX{ix_id}").value}
    long_name = clean_text(ex["name_long"], limit=200).value
    if long_name and long_name != ixp["name"]:
        ixp["long_name"] = long_name
    if ex["city"]:
        ixp["city"] = clean_text(ex["city"], limit=64).value
    if re.match(r"^[A-Z]{2}$", ex["country"] or ""):
        ixp["country"] = ex["country"]
    if ex["website"].startswith(("http://", "https://")):
        ixp["website"] = ex["website"]
    if re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", ex["tech_email"] or ""):
        ixp["support_email"] = ex["tech_email"]
    ixp.update({"peeringdb_ix_id": ix_id, "rs_asn": rs_asn, "ports_and_macs": "elsewhere",
                "lans": [{**lan.to_yaml(), **({"mtu": lan_row["mtu"]} if lan_row.get("mtu") not in (None, 1500)
                                              and 1280 <= lan_row["mtu"] <= 9216 else {})}]})
    if fictional:
        ixp["fictional_resources"] = {"enabled": True,
                                      "reason": f"imported with --fictional from {origin}: documentation ASNs and prefixes"}
    imported.ixp = ixp
    if not pin_max_prefix:
        imported.note("max-prefix limits not written: the policy's max_prefix.peeringdb applies PeeringDB's "
                      "current values at every build", file=origin, severity="info",
                      fix="--pin-max-prefix writes today's values into the inventory")
    return imported
