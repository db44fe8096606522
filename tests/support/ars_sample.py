"""A made-up arouteserver setup of a 400-client IXP (clients.yml + general.yml), for the import tests.

Written as an operator would: comments, quoted addresses, the top-level ``asns:`` section for some
AS-SETs, per-client ``cfg`` overrides (with and without an ixpctl equivalent), MD5 passwords, the
same ASN on several routers (one with a different password), IPv6-only and IPv4-only clients, the
route servers themselves listed as clients (their ASN is rs_as), names with tabs, quotes and '&', a
private-ASN client, an AS-SET field with garbage. Names and ASNs are invented.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

LAN4 = IPv4Network("185.0.12.0/22")
LAN6 = IPv6Network("2001:7f8:fe::/64")
RS_ASN = 59991

GENERAL = """\
# general.yml of the Sample-IX route servers (arouteserver).
cfg:
  rs_as: 59991
  router_id: "185.0.12.1"
  prepend_rs_as: False
  path_hiding: True
  passive: True
  gtsm: False
  add_path: False
  filtering:
    next_hop:
      policy: "strict"
    ipv4_pref_len:
      min: 8
      max: 24
    ipv6_pref_len:
      min: 12
      max: 48
    global_black_list_pref:
      - prefix: "192.0.2.0"
        length: 24
        comment: "documentation"
    max_as_path_len: 40
    reject_invalid_as_in_as_path: True
    transit_free:
      action: reject
      asns: "174, 701, 1299, 2914, 3257, 3320, 3356, 5511, 6453, 6461, 6762, 6830, 7018, 12956"
    never_via_route_servers:
      peering_db: True
    irrdb:
      enforce_origin_in_as_set: True
      enforce_prefix_in_as_set: True
      allow_longer_prefixes: False
      peering_db: True
      tag_as_set: True
      use_rpki_roas_as_route_objects:
        enabled: True
      use_arin_bulk_whois_data:
        enabled: False
    rpki_bgp_origin_validation:
      enabled: True
      reject_invalid: True
    max_prefix:
      peering_db:
        enabled: True
        increment:
          absolute: 100
          relative: 15
      action: shutdown
      restart_after: 30
      count_rejected_routes: True
    reject_policy:
      policy: tag_and_reject
  rfc1997_wellknown_communities:
    policy: "pass"
  graceful_shutdown:
    enabled: True
  communities:
    do_not_announce_to_peer:
      std: "0:peer_as"
      lrg: "rs_as:0:peer_as"
"""


def _asn(i: int) -> int:
    return 3000 + i * 29 if i < 200 else 200000 + i * 13


def clients_yaml(clients: int = 400) -> str:
    lines = ["# clients.yml of the Sample-IX route servers: one entry per member router.", "", "asns:"]
    for i in range(1, clients + 1, 10):
        lines += [f"  AS{_asn(i)}:", "    as_sets:", f'      - "AS-ASNS{i}"']
    lines += ["", "clients:"]
    # the route servers, listed as clients (some operators do, for the looking glass)
    lines += [f'  - asn: {RS_ASN}', '    ip:', f'      - "{LAN4.network_address + 1}"',
              f'      - "{LAN6.network_address + 1}"', '    description: "Sample-IX RS1"',
              f'  - asn: {RS_ASN}', '    ip:', f'      - "{LAN4.network_address + 2}"',
              f'      - "{LAN6.network_address + 2}"', '    description: "Sample-IX RS2"']
    host = 10
    special = {
        5: 'description: "Tab\\tSeparated\\tTelecom"',
        6: "description: 'The \"Quoted\" ISP'",
        7: 'description: "Fibre & Friends"',
    }
    for i in range(1, clients + 1):
        asn = _asn(i)
        routers = 2 if i % 20 == 0 else 1
        for r in range(routers):
            host += 1
            ips = []
            if i % 37 != 0:
                ips.append(str(LAN4.network_address + host))
            if i % 23 != 0:
                ips.append(str(LAN6.network_address + host))
            lines.append(f"  - asn: {asn}")
            lines.append("    ip:")
            lines += [f'      - "{ip}"' for ip in ips]
            lines.append("    " + special.get(i, f'description: "Member {i} Networks"'))
            if i % 4 == 0:
                password = f"s3cret-{i}" if not (i == 40 and r == 1) else "another-one"
                lines.append(f'    password: "{password}"')
            cfg = _cfg(i)
            if cfg:
                lines.append("    cfg:")
                lines += ["      " + c for c in cfg]
    host += 1
    lines += ["  - asn: 64700  # a monitoring company", "    ip:", f'      - "{LAN4.network_address + host}"',
              '    description: "Looking Glass Monitoring"']
    return "\n".join(lines) + "\n"


def _cfg(i: int) -> list[str]:
    out: list[str] = []
    filtering: list[str] = []
    if i % 10 != 1 and i % 9 != 0:  # the asns: section or PeeringDB gives the others' AS-SET
        macro = {0: f"RIPE::AS-MEMBER{i}", 1: f"AS-MEMBER{i}", 2: f"AS-MEMBER{i}@RADB"}[i % 3]
        if i == 50:
            macro = "AS-BROKEN SET!"
        filtering += ["irrdb:", "  as_sets:", f'    - "{macro}"']
    if i % 5 == 0:
        filtering += ["max_prefix:", f"  limit_ipv4: {100 * i}", f"  limit_ipv6: {20 * i}"]
    if i % 17 == 0:
        filtering += ["next_hop:", '  policy: "same-as"']
    if i % 29 == 0:
        if "irrdb:" in filtering:
            filtering.insert(filtering.index("irrdb:") + 1, "  enforce_origin_in_as_set: False")
        else:
            filtering += ["irrdb:", "  enforce_origin_in_as_set: False"]
    if i % 31 == 0:
        filtering += ["reject_invalid_as_in_as_path: False"]  # no per-member equivalent
    if filtering:
        out += ["filtering:"] + ["  " + f for f in filtering]
    if i % 13 == 0:
        out += ["gtsm: True"]
    if i % 43 == 0:
        out += ["prepend_rs_as: True"]  # no equivalent
    if i % 47 == 0:
        out += ["attach_custom_communities:", '  - "blackhole_ok"']
    return out


def write_sample(directory: Path, clients: int = 400) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "clients.yml").write_text(clients_yaml(clients))
    (directory / "general.yml").write_text(GENERAL)
    return directory / "clients.yml", directory / "general.yml"
