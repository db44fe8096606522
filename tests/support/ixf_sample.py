"""A realistic IX-F 1.0 member export of a made-up 600-member IXP, written for the import tests.

Deterministic (seeded), valid against the Euro-IX 1.0 schema, and as messy as real exports are:
names with tabs, newlines, quotes, '&', mojibake and U+FFFD; the same ASN listed twice and members
with several routers; IPv6-only and IPv4-only members; AS-SETs without a source, with '@SOURCE',
aut-nums (AS112) and route-sets as macros, the member's own ASN as macro, a token that is no
name at all, per-family AS-SETs; a private-ASN monitoring member; an address outside the LAN and
one used twice; a member that does not peer with the route servers and one whose port is down;
the route servers themselves as a ``member_type: ixp`` entry; a second (non-peering) VLAN.
The network names and ASNs are invented (the ASNs are drawn from public ranges so that the import
treats them as ordinary members; none of this describes a real network).
"""

from __future__ import annotations

import json
import random
from ipaddress import IPv4Network, IPv6Network
from typing import Any

LAN4 = IPv4Network("185.0.8.0/22")
LAN6 = IPv6Network("2001:7f8:ff::/64")
RS_ASN = 59990
VLAN = 700
OTHER_VLAN = 701
WORDS = ["Sahel", "Niger", "Baobab", "Kora", "Djoliba", "Mandé", "Ségou", "Kayes", "Tombouctou", "Mopti",
         "Sikasso", "Koulikoro", "Gao", "Kidal", "Falaise", "Wassoulou", "Bani", "Hombori", "Dogon", "Bozo"]
KINDS = ["Telecom", "Networks", "Fibre", "Hosting", "Cloud", "Data", "Wireless", "Online", "Connect", "IX Services"]
MESSY = {
    3: "Tab\tSeparated\tNetworks",
    7: 'The "Quoted" Company',
    11: "Fibre & Co. <ops>",
    13: "Line\nBreak Telecom",
    17: "SociÃ©tÃ© Mojibake",  # UTF-8 read as Latin-1 upstream: kept as it is (it is valid text)
    19: "Lost \ufffd Character Ltd",
    23: "   Spaces   Everywhere   ",
    29: "Very Long Name " + "x" * 150,
    31: "",  # no name at all
    37: "Ünïcødé Nétwörks 網路",
}


def _asn(i: int) -> int:
    # public 16-bit ASNs below the private range for the first half, 32-bit RIPE-range ones after
    return 2000 + i * 37 if i < 300 else 196608 + i * 11


def _mac(i: int, n: int) -> str:
    return f"02:1a:{(i >> 8) & 0xff:02x}:{i & 0xff:02x}:00:{n:02x}"


def sample_export(members: int = 600, *, seed: int = 21) -> dict[str, Any]:
    rnd = random.Random(seed)
    entries: list[dict[str, Any]] = []
    rs_conns = []
    for n, (v4, v6) in enumerate([(LAN4.network_address + 1, LAN6.network_address + 1),
                                  (LAN4.network_address + 2, LAN6.network_address + 2)], 1):
        svc = [{"type": "ixrouteserver", "daemon": "BIRD", "daemon_version": "2.0.12"}]
        rs_conns.append({"ixp_id": 1, "state": "active", "if_list": [{"switch_id": 1, "if_speed": 10000}],
                         "vlan_list": [{"vlan_id": VLAN,
                                        "ipv4": {"address": str(v4), "services": svc, "mac_addresses": [_mac(0, n)]},
                                        "ipv6": {"address": str(v6), "services": svc, "mac_addresses": [_mac(0, n)]}}]})
    entries.append({"asnum": RS_ASN, "member_type": "ixp", "name": "Sample-IX route servers",
                    "connection_list": rs_conns})
    host = 10
    for i in range(1, members + 1):
        asn = _asn(i)
        name = MESSY.get(i, f"{rnd.choice(WORDS)} {rnd.choice(KINDS)} {i}")
        routers = 2 if i % 25 == 0 else 1
        conns = []
        for r in range(routers):
            host += 1
            v4 = str(LAN4.network_address + host) if i % 41 != 0 else None  # every 41st: IPv6 only
            v6 = str(LAN6.network_address + host) if i % 43 != 0 else None  # every 43rd: IPv4 only
            if i == 101:
                v4 = "10.1.2.3"  # outside the LAN
            if i == 102:
                v4 = str(LAN4.network_address + 11)  # member 1's address
            macro = _macro(i, asn)
            rs = i % 19 != 0
            speed = rnd.choice([1000, 10000, 10000, 100000])
            vlan: dict[str, Any] = {"vlan_id": VLAN}
            for fam, addr in (("ipv4", v4), ("ipv6", v6)):
                if addr is None:
                    continue
                entry: dict[str, Any] = {"address": addr, "routeserver": rs, "mac_addresses": [_mac(i, r + 1)]}
                fam_macro = macro + "-V6" if fam == "ipv6" and i % 53 == 0 and macro else macro
                if fam_macro:
                    entry["as_macro"] = fam_macro
                if rs:
                    entry["max_prefix"] = rnd.choice([10, 50, 100, 500, 2000]) * (1 if fam == "ipv4" else 2)
                vlan[fam] = entry
            conns.append({"ixp_id": 1, "state": "inactive" if i == 77 else "active",
                          "if_list": [{"switch_id": 1 + i % 2, "if_speed": speed}], "vlan_list": [vlan]})
        if i % 60 == 0:  # also on the second VLAN (a closed user group): not imported with the first
            conns.append({"ixp_id": 1, "state": "active", "vlan_list": [
                {"vlan_id": OTHER_VLAN, "ipv4": {"address": f"10.70.1.{i // 60}"}}]})
        member = {"asnum": asn, "member_type": "peering", "name": name, "connection_list": conns,
                  "url": f"https://www.as{asn}.example/", "contact_email": [f"noc@as{asn}.example"]}
        entries.append(member)
        if i == 150:  # the same member listed a second time, with another router
            host += 1
            entries.append({"asnum": asn, "member_type": "peering", "name": name, "connection_list": [
                {"ixp_id": 1, "state": "active", "if_list": [{"switch_id": 2, "if_speed": 10000}],
                 "vlan_list": [{"vlan_id": VLAN, "ipv4": {"address": str(LAN4.network_address + host),
                                                          "routeserver": True}}]}]})
    host += 1
    entries.append({"asnum": 64600, "member_type": "other", "name": "Route Monitoring Company",
                    "connection_list": [{"ixp_id": 1, "state": "active", "vlan_list": [
                        {"vlan_id": VLAN, "ipv4": {"address": str(LAN4.network_address + host),
                                                   "routeserver": True}}]}]})
    return {
        "version": "1.0",
        "timestamp": "2026-12-01T00:00:00Z",
        "ixp_list": [{"ixp_id": 1, "ixf_id": 999, "shortname": "Sample-IX", "name": "Sample Internet Exchange",
                      "country": "ML", "url": "https://www.sample-ix.example/", "peeringdb_id": 9999,
                      "support_email": "noc@sample-ix.example",
                      "switch": [{"id": 1, "name": "sw1", "colo": "Room A"}, {"id": 2, "name": "sw2", "colo": "Room B"}],
                      "vlan": [{"id": VLAN, "name": "Sample peering LAN",
                                "ipv4": {"prefix": str(LAN4.network_address), "mask_length": LAN4.prefixlen},
                                "ipv6": {"prefix": str(LAN6.network_address), "mask_length": LAN6.prefixlen}},
                               {"id": OTHER_VLAN, "name": "cug",
                                "ipv4": {"prefix": "10.70.0.0", "mask_length": 16}}]}],
        "member_list": entries,
    }


def _macro(i: int, asn: int) -> str | None:
    if i % 9 == 0:
        return None
    if i % 31 == 1:
        return f"AS{asn}"  # its own ASN: the default anyway
    if i == 112:
        return "AS112"  # an aut-num as macro
    if i % 47 == 0:
        return f"RS-SAMPLE{i}"  # a route-set
    if i == 200:
        return "AS-FOO BAR!!"  # half a name, half garbage
    if i % 3 == 0:
        return f"AS-SAMPLE{i}@RIPE"
    if i % 3 == 1:
        return f"RIPE::AS-SAMPLE{i}"
    return f"AS-SAMPLE{i}"  # no source


def write_sample(path, members: int = 600) -> dict[str, Any]:
    doc = sample_export(members)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc
