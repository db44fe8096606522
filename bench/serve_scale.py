"""The issue's scale for bench/serve_bench.py (``--sessions S``): a route server (real BIRD) with S
members' BGP sessions, each a real session to a feeder BIRD on 127.0.0.2, a pair of ports per
session (the route server connects; the feeder listens passively). Two ports, because BIRD locks a
session by (neighbour address, neighbour port): sessions to the same address and port wait in Idle
for one another. Together ``--routes`` routes — e.g. 1000 sessions, 500 000 routes. Every session sends its own distinct /24s (from
1.0.0.0 up: synthetic, the route server's hand-written filter only checks the length), and 5 % of
them as /25s, which the route server rejects and tags (RS, 65520, 13), kept as filtered routes like
the generated configs do. The session names and ASNs are the scenario inventory's first S members
(AS<asn>_1_v4), so the service's member pages find them.

The feeder keeps each member's routes in a table of its own (``t<i>``), so its 1000 exports do not
each walk all 500 000 routes."""

from __future__ import annotations

import re
import subprocess
from ipaddress import IPv4Address
from pathlib import Path

TIMERS = "hold time 90; keepalive time 30; connect retry time 2; error wait time 1, 2;"
BASE = int(IPv4Address("1.0.0.0"))
FILTERED_SHARE = 0.05


def member_asns(base: Path, sessions: int) -> list[int]:
    from ixpctl.inventory import load_inventory

    members = load_inventory(base / "inventory").inventory.members
    if len(members) < sessions:
        raise SystemExit(f"--sessions {sessions}: the scenario has {len(members)} members (raise --members)")
    return [m.asn for m in members[:sessions]]


def prefixes(i: int, per_session: int) -> tuple[list[str], list[str]]:
    """Member i's accepted /24s and its filtered /25s (each the lower half of a /24 not announced)."""
    n_filtered = max(1, round(per_session * FILTERED_SHARE)) if per_session > 1 else 0
    first = i * per_session
    nets = [str(IPv4Address(BASE + (first + k) * 256)) for k in range(per_session)]
    return [f"{n}/24" for n in nets[n_filtered:]], [f"{n}/25" for n in nets[:n_filtered]]


def write_configs(tmp: Path, rs_asn: int, asns: list[int], per_session: int,
                  ports: list[tuple[int, int]]) -> tuple[int, int]:
    """rs.conf and feeder.conf in ``tmp``; returns (routes accepted, routes filtered) expected.
    ``ports``: per session, (the route server's port, the feeder's port)."""
    rs = [f"""router id 127.0.0.1;
protocol device {{ }}
filter member_in {{
  if net.len > 24 then {{ bgp_large_community.add(({rs_asn}, 65520, 13)); reject; }}
  accept;
}}
"""]
    feeder = ["router id 127.0.0.2;\nprotocol device { }\n"]
    accepted = filtered = 0
    for i, (asn, (rs_port, port)) in enumerate(zip(asns, ports, strict=True)):
        ok, bad = prefixes(i, per_session)
        accepted, filtered = accepted + len(ok), filtered + len(bad)
        rs.append(f"""protocol bgp AS{asn}_1_v4 {{
  description "AS{asn} bench member {i}";
  local 127.0.0.1 port {rs_port} as {rs_asn}; neighbor 127.0.0.2 port {port} as {asn};
  multihop 2; {TIMERS}
  ipv4 {{ import keep filtered on; import filter member_in; export none; }};
}}
""")
        routes = "".join(f"  route {p} blackhole;\n" for p in ok + bad)
        feeder.append(f"""ipv4 table t{i};
protocol static feed{i} {{ ipv4 {{ table t{i}; }};
{routes}}}
protocol bgp to_rs{i} {{
  local 127.0.0.2 port {port} as {asn}; neighbor 127.0.0.1 port {rs_port} as {rs_asn};
  passive on; strict bind on; multihop 2; {TIMERS}
  ipv4 {{ table t{i}; import none; export all; next hop self; }};
}}
""")
    (tmp / "rs.conf").write_text("".join(rs))
    (tmp / "feeder.conf").write_text("".join(feeder))
    return accepted, filtered


def loaded(sock: str, accepted: int, filtered: int) -> bool:
    """Whether the route server holds every route (the sums of its protocols' import counters).
    A session that failed to bind its port ("No listening socket": BIRD disables it) is enabled
    again instead of waited for."""
    out = subprocess.run(["birdc", "-s", sock, "show", "protocols", "all"], capture_output=True, text=True,
                         check=False).stdout
    imported = sum(int(a) for a in re.findall(r"Routes:\s+(\d+) imported", out))
    rejected = sum(int(b) for b in re.findall(r"Routes:\s+\d+ imported, (\d+) filtered", out))
    for name in re.findall(r"^(\S+)\s+BGP\s+\S+\s+down\s+\S+\s+Error: No listening socket", out, re.MULTILINE):
        subprocess.run(["birdc", "-s", sock, "enable", name], capture_output=True, check=False)
    return imported >= accepted and rejected >= filtered
