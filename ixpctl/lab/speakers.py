"""Member BGP speakers in the lab: BIRD 2, GoBGP and ExaBGP, driven through one small interface.

Each speaker keeps its current announcements in ``announced.json`` in its node directory, so any
process (the one that ran ``lab up``, pytest, ``lab test``) can change them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import IxpctlError
from ..verify.client import RouteServerClient
from .model import Announcement, ReceivedRoute, parse_path
from .state import LabState

TIMERS = {"hold": 9, "keepalive": 3, "connect_delay": 1, "connect_retry": 2, "error_wait": (1, 10)}


class Speaker:
    kind = "?"

    def __init__(self, node: dict[str, Any], state: LabState):
        self.node = node
        self.state = state
        self.dir = Path(node["dir"])
        self.asn: int = node["asn"]

    # --- the interface ---------------------------------------------------------------------
    def write_config(self) -> None: ...
    def start(self) -> None: ...

    def announced(self) -> dict[str, Announcement]:
        path = self.dir / "announced.json"
        if not path.exists():
            return {}
        return {k: Announcement.from_json(v) for k, v in json.loads(path.read_text()).items()}

    def _save(self, routes: dict[str, Announcement]) -> None:
        (self.dir / "announced.json").write_text(json.dumps({k: v.to_json() for k, v in routes.items()}))

    def announce(self, routes: list[Announcement]) -> None:
        raise NotImplementedError

    def withdraw(self, prefixes: list[str]) -> None:
        raise NotImplementedError

    def received(self, rs_name: str, prefix: str) -> list[ReceivedRoute]:
        raise IxpctlError(f"{self.kind} speakers in the lab cannot report received routes: "
                          f"check reception on a BIRD or GoBGP member")

    # --- helpers -----------------------------------------------------------------------------
    def rs_peers(self, afi: int, to: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        out = []
        for rs in self.state.info["route_servers"]:
            addr = rs["ipv4"] if afi == 4 else rs["ipv6"]
            if addr and (not to or rs["name"] in to):
                out.append({"name": rs["name"], "address": addr})
        return out

    def own_address(self, afi: int) -> str:
        addr = self.node["ipv4"] if afi == 4 else self.node["ipv6"]
        if not addr:
            raise IxpctlError(f"AS{self.asn} has no IPv{afi} address on the peering LAN")
        return addr

    def _path_behind(self, a: Announcement) -> list[Any]:
        """The path after the member's own ASN (BIRD and GoBGP prepend their ASN themselves)."""
        if not a.as_path or a.as_path[0][0] != "seq" or a.as_path[0][1][0] != self.asn:
            raise IxpctlError(f"{self.kind} member AS{self.asn} can only announce paths starting with "
                              f"its own ASN ({a.prefix}): use an ExaBGP member for this route")
        if a.next_hop and a.next_hop != self.own_address(a.afi):
            raise IxpctlError(f"{self.kind} member AS{self.asn} cannot set a third-party next hop "
                              f"({a.prefix}): use an ExaBGP member")
        if a.med is not None and self.kind == "bird":  # BIRD sends a MED over eBGP only when set on export
            raise IxpctlError(f"BIRD members in the lab do not send a MED ({a.prefix}): use an ExaBGP member")
        rest: list[Any] = []
        first = True
        for kind, asns in a.as_path:
            if kind == "set":
                raise IxpctlError(f"{self.kind} cannot announce an AS_SET ({a.prefix}): use ExaBGP")
            rest += list(asns[1:] if first else asns)
            first = False
        return rest


# ------------------------------------------------------------------------------------------------
class BirdSpeaker(Speaker):
    kind = "bird"

    @property
    def socket(self) -> str:
        return str(self.dir / "bird.ctl")

    def write_config(self) -> None:
        lines = [f'log "{self.dir}/bird.log" all;', f"router id {self.node['router_id']};",
                 "protocol device { }",
                 (f"template bgp to_rs {{ local as {self.asn}; hold time {TIMERS['hold']}; "
                  f"keepalive time {TIMERS['keepalive']};"),
                 (f"  connect delay time {TIMERS['connect_delay']}; connect retry time {TIMERS['connect_retry']}; "
                  f"error wait time {TIMERS['error_wait'][0]}, {TIMERS['error_wait'][1]}; }}")]
        for afi in (4, 6):
            if not self.node[f"ipv{afi}"]:
                continue
            for peer in self.rs_peers(afi):
                # one table per session: the same prefix can go to rs1 and rs2 with different attributes
                lines.append(f"ipv{afi} table t_{peer['name']}_v{afi};")
                lines.append(f"protocol bgp {peer['name']}_v{afi} from to_rs {{ neighbor {peer['address']} as "
                             f"{self.state.info['rs_asn']}; source address {self.own_address(afi)};\n"
                             f"  ipv{afi} {{ table t_{peer['name']}_v{afi}; import all; "
                             f"export where proto = \"ann_{peer['name']}_v{afi}\"; }}; }}")
        lines.append(f'include "{self.dir}/routes.conf";')
        (self.dir / "bird.conf").write_text("\n".join(lines) + "\n")
        self._write_routes(self.announced())

    def _write_routes(self, routes: dict[str, Announcement]) -> None:
        blocks = []
        for rs in self.state.info["route_servers"]:
            for afi in (4, 6):
                if not self.node[f"ipv{afi}"] or not rs[f"ipv{afi}"]:
                    continue
                entries = []
                for a in routes.values():
                    if a.afi != afi or (a.to and rs["name"] not in a.to):
                        continue
                    stmts = ["bgp_path = +empty+;"] + [f"bgp_path.prepend({x});" for x in reversed(self._path_behind(a))]
                    stmts += [f"bgp_community.add(({x}, {y}));" for x, y in sorted(a.communities)]
                    stmts += [f"bgp_large_community.add(({x}, {y}, {z}));" for x, y, z in sorted(a.large_communities)]
                    stmts += [f"bgp_ext_community.add(({k}, {x}, {y}));" for k, x, y in sorted(a.ext_communities)]
                    entries.append(f"  route {a.prefix} blackhole {{ {' '.join(stmts)} }};")
                # one static protocol per RS and AFI: routes go only to the route servers named in `to`
                blocks.append(f"protocol static ann_{rs['name']}_v{afi} {{ ipv{afi} {{ table t_{rs['name']}_v{afi}; }};\n"
                              + "\n".join(entries) + "\n}")
        (self.dir / "routes.conf").write_text("\n".join(blocks) + "\n")

    def start(self) -> None:
        check = subprocess.run(["bird", "-p", "-c", str(self.dir / "bird.conf")], check=False, capture_output=True, text=True)
        if check.returncode != 0:
            raise IxpctlError(f"lab BIRD config of AS{self.asn} rejected: {check.stderr.strip()}")
        self.state.spawn(f"{self.node['label']}-bird", self.node["ns"],
                         ["bird", "-f", "-c", str(self.dir / "bird.conf"), "-s", self.socket])

    def _configure(self) -> None:
        self.write_config()
        reply = RouteServerClient(self.socket).control.query("configure")
        if "Reconfigur" not in reply.text and "Reconfigured" not in reply.text:
            raise IxpctlError(f"BIRD member AS{self.asn} did not reconfigure: {reply.text.strip()}")

    def announce(self, routes: list[Announcement]) -> None:
        current = self.announced()
        for a in routes:
            self._path_behind(a)
            current[a.prefix] = a
        self._save(current)
        self._configure()

    def withdraw(self, prefixes: list[str]) -> None:
        current = self.announced()
        for p in prefixes:
            current.pop(p, None)
        self._save(current)
        self._configure()

    def received(self, rs_name: str, prefix: str) -> list[ReceivedRoute]:
        afi = 6 if ":" in prefix else 4
        client = RouteServerClient(self.socket)
        return [_received(r) for r in client.routes(prefix=prefix, protocol=f"{rs_name}_v{afi}")]

    def received_all(self, rs_name: str, afi: int) -> dict[str, ReceivedRoute]:
        """Every route of the session with ``rs_name`` in one query (the conformance runner polls this)."""
        routes = RouteServerClient(self.socket).routes(table=f"t_{rs_name}_v{afi}")
        return {r.prefix: _received(r) for r in routes if r.protocol == f"{rs_name}_v{afi}"}

    def sessions_up(self) -> dict[str, bool]:
        """Established or not, per route-server session (``rs1_v4``): absence is evidence only when up."""
        return {s.name: s.established for s in RouteServerClient(self.socket).sessions()}


def _received(r: Any) -> ReceivedRoute:
    return ReceivedRoute(r.prefix, r.as_path, r.next_hop, list(r.communities), list(r.large_communities),
                         r.med, list(r.ext_communities))


# ------------------------------------------------------------------------------------------------
class GobgpSpeaker(Speaker):
    kind = "gobgp"
    API_PORT = 50051

    def write_config(self) -> None:
        out = ["[global.config]", f"  as = {self.asn}", f"  router-id = \"{self.node['router_id']}\"",
               # a member router re-advertises nothing it learned from a route server: local routes only
               "[global.apply-policy.config]", "  export-policy-list = [\"local-only\"]",
               "  default-export-policy = \"reject-route\"",
               "[[policy-definitions]]", "  name = \"local-only\"", "  [[policy-definitions.statements]]",
               "    name = \"local\"", "    [policy-definitions.statements.conditions.bgp-conditions]",
               "      route-type = \"local\"", "    [policy-definitions.statements.actions]",
               "      route-disposition = \"accept-route\""]
        for afi in (4, 6):
            if not self.node[f"ipv{afi}"]:
                continue
            for peer in self.rs_peers(afi):
                out += ["", "[[neighbors]]", "  [neighbors.config]",
                        f"    neighbor-address = \"{peer['address']}\"", f"    peer-as = {self.state.info['rs_asn']}",
                        "  [neighbors.timers.config]", f"    connect-retry = {TIMERS['connect_retry']}",
                        f"    hold-time = {TIMERS['hold']}", f"    keepalive-interval = {TIMERS['keepalive']}",
                        "  [neighbors.transport.config]", f"    local-address = \"{self.own_address(afi)}\"",
                        "  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                        f"      afi-safi-name = \"ipv{afi}-unicast\""]
        (self.dir / "gobgpd.toml").write_text("\n".join(out) + "\n")

    def start(self) -> None:
        self.state.spawn(f"{self.node['label']}-gobgpd", self.node["ns"],
                         ["gobgpd", "-f", str(self.dir / "gobgpd.toml"), "--api-hosts",
                          f"127.0.0.1:{self.API_PORT}", "--pprof-disable", "-l", "warn"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._cli("neighbor", check=False).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise IxpctlError(f"gobgpd of AS{self.asn} did not answer on its API")
        if self.announced():
            self.announce(list(self.announced().values()))

    def _cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(["ip", "netns", "exec", self.node["ns"], "gobgp", "-u", "127.0.0.1", "-p",
                               str(self.API_PORT), *args], check=False, capture_output=True, text=True, timeout=20)
        if check and proc.returncode != 0:
            raise IxpctlError(f"gobgp {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def announce(self, routes: list[Announcement]) -> None:
        current = self.announced()
        for a in routes:
            if a.to:
                raise IxpctlError("GoBGP members announce to every route server (no `to:`)")
            args = ["global", "rib", "-a", f"ipv{a.afi}", "add", a.prefix]
            behind = self._path_behind(a)
            if behind:
                args += ["aspath", ",".join(str(x) for x in behind)]
            if a.communities:
                args += ["community", ",".join(f"{x}:{y}" for x, y in sorted(a.communities))]
            if a.large_communities:
                args += ["large-community", ",".join(f"{x}:{y}:{z}" for x, y, z in sorted(a.large_communities))]
            if a.med is not None:
                args += ["med", str(a.med)]
            if a.ext_communities:
                raise IxpctlError(f"GoBGP members in the lab do not send extended communities ({a.prefix})")
            self._cli(*args)
            current[a.prefix] = a
        self._save(current)

    def withdraw(self, prefixes: list[str]) -> None:
        current = self.announced()
        for p in prefixes:
            self._cli("global", "rib", "-a", f"ipv{6 if ':' in p else 4}", "del", p)
            current.pop(p, None)
        self._save(current)

    def received(self, rs_name: str, prefix: str) -> list[ReceivedRoute]:
        afi = 6 if ":" in prefix else 4
        peer = next(p["address"] for p in self.rs_peers(afi) if p["name"] == rs_name)
        proc = self._cli("neighbor", peer, "adj-in", prefix, "-a", f"ipv{afi}", "-j", check=False)
        if proc.returncode != 0:
            if "not found" in (proc.stderr + proc.stdout).lower():
                return []
            raise IxpctlError(f"gobgp adj-in {peer} {prefix}: {proc.stderr.strip()}")
        text = proc.stdout.strip()
        if not text or text == "null":
            return []
        data = json.loads(text)
        paths = data.get(prefix, []) if isinstance(data, dict) else data
        return [_gobgp_route(prefix, p) for p in paths]


def _large(v: dict[str, Any]) -> tuple[int, int, int]:
    """GoBGP prints a large community as {"ASN", "LocalData1", "LocalData2"} (other spellings tolerated)."""
    for keys in (("ASN", "LocalData1", "LocalData2"), ("global_admin", "local_data1", "local_data2")):
        if all(k in v for k in keys):
            return int(v[keys[0]]), int(v[keys[1]]), int(v[keys[2]])
    raise IxpctlError(f"unknown GoBGP large-community JSON: {v}")


def _gobgp_route(prefix: str, path: dict[str, Any]) -> ReceivedRoute:
    segs: list[tuple[str, tuple[int, ...]]] = []
    nh = None
    comms: list[tuple[int, int]] = []
    large: list[tuple[int, int, int]] = []
    for attr in path.get("attrs", []):
        t = attr.get("type")
        if t == 2:
            for s in attr.get("as_paths", []):
                segs.append(("set" if s.get("segment_type") == 1 else "seq", tuple(s.get("asns", []))))
        elif t == 3:
            nh = attr.get("nexthop")
        elif t == 14:
            nh = attr.get("nexthop") or nh
        elif t == 8:
            comms = [(c >> 16, c & 0xFFFF) for c in attr.get("communities", [])]
        elif t == 32:
            large = [_large(v) for v in attr.get("value", [])]
    return ReceivedRoute(prefix, tuple(segs), nh, sorted(comms), sorted(large))


# ------------------------------------------------------------------------------------------------
FEED = r'''
import os, sys, time
# ExaBGP API feeder written by ixpctl lab: copies new lines of a command file to ExaBGP.
path, pidfile = sys.argv[1], sys.argv[2]
open(pidfile, "w").write(str(os.getpid()))
parent = os.getppid()
pos = 0
while True:
    if os.getppid() != parent:
        sys.exit(0)
    try:
        with open(path) as fh:
            fh.seek(pos)
            data = fh.read()
    except FileNotFoundError:
        data = ""
    if data and data.endswith("\n"):
        pos += len(data.encode())
        sys.stdout.write(data)
        sys.stdout.flush()
    time.sleep(0.05)
'''


class ExabgpSpeaker(Speaker):
    kind = "exabgp"

    def write_config(self) -> None:
        (self.dir / "feed.py").write_text(FEED)
        (self.dir / "commands").touch()
        out = ["process ctl {",
               f"  run {sys.executable} {self.dir / 'feed.py'} {self.dir / 'commands'} {self.dir / 'feed.pid'};",
               "  encoder text;", "}"]
        for afi in (4, 6):
            if not self.node[f"ipv{afi}"]:
                continue
            for peer in self.rs_peers(afi):
                out += [f"neighbor {peer['address']} {{", f"  router-id {self.node['router_id']};",
                        f"  local-address {self.own_address(afi)};", f"  local-as {self.asn};",
                        f"  peer-as {self.state.info['rs_asn']};", f"  hold-time {TIMERS['hold']};",
                        f"  family {{ ipv{afi} unicast; }}", "  api { processes [ ctl ]; }", "}"]
        (self.dir / "exabgp.conf").write_text("\n".join(out) + "\n")

    def start(self) -> None:
        env = {"exabgp_daemon_user": "root", "exabgp_daemon_drop": "false", "exabgp_api_cli": "false",
               "exabgp_api_ack": "false", "exabgp_log_destination": str(self.dir / "exabgp.log"),
               "exabgp_daemon_daemonize": "false", "exabgp_log_level": "INFO"}
        rec = self.state.spawn(f"{self.node['label']}-exabgp", self.node["ns"],
                               ["exabgp", str(self.dir / "exabgp.conf")], env=env)
        pidfile = self.dir / "feed.pid"
        deadline = time.monotonic() + 15
        # the feed writes its PID after creating the file: wait for the number, not just the file
        while time.monotonic() < deadline and not (pidfile.exists() and pidfile.read_text().strip()):
            time.sleep(0.05)
        if not (pidfile.exists() and pidfile.read_text().strip()):
            raise IxpctlError(f"ExaBGP of AS{self.asn} did not start its API process (log {rec.log})")
        self.state.adopt_pid(f"{self.node['label']}-exabgp-feed", self.node["ns"], int(pidfile.read_text()),
                             ["feed.py"])

    def _send(self, lines: list[str]) -> None:
        with (self.dir / "commands").open("a") as fh:
            fh.write("".join(line + "\n" for line in lines))

    def _route_text(self, a: Announcement, peer_afi: int) -> str:
        kinds = [k for k, _ in a.as_path]
        if "set" in kinds and (kinds.count("set") > 1 or kinds[-1] != "set"):
            # ExaBGP's `as-path [ 1 2 ( 3 4 ) ]` is one AS_SEQUENCE then one AS_SET: it would reorder
            raise IxpctlError(f"ExaBGP can announce one AS_SET, at the end of the path only ({a.prefix})")
        nh = a.next_hop or self.own_address(peer_afi)
        path = " ".join(f"( {' '.join(map(str, asns))} )" if kind == "set" else " ".join(map(str, asns))
                        for kind, asns in a.as_path)
        text = f"route {a.prefix} next-hop {nh} as-path [ {path} ]"
        if a.communities:
            text += " community [ " + " ".join(f"{x}:{y}" for x, y in sorted(a.communities)) + " ]"
        if a.large_communities:
            text += " large-community [ " + " ".join(f"{x}:{y}:{z}" for x, y, z in sorted(a.large_communities)) + " ]"
        if a.ext_communities:  # ExaBGP's names for BIRD's rt / ro
            names = {"rt": "target", "ro": "origin"}
            text += " extended-community [ " + " ".join(f"{names[k]}:{x}:{y}" for k, x, y in sorted(a.ext_communities)) + " ]"
        if a.med is not None:
            text += f" med {a.med}"
        return text

    def announce(self, routes: list[Announcement]) -> None:
        current = self.announced()
        lines = []
        for a in routes:
            old = current.get(a.prefix)
            if old is not None and set(old.to or ()) - set(a.to or ()) and a.to:
                lines += self._withdraw_lines(old, exclude=a.to)
            for peer in self.rs_peers(a.afi, a.to):
                lines.append(f"neighbor {peer['address']} announce {self._route_text(a, a.afi)}")
            current[a.prefix] = a
        self._send(lines)
        self._save(current)

    def _withdraw_lines(self, a: Announcement, exclude: tuple[str, ...] = ()) -> list[str]:
        return [f"neighbor {peer['address']} withdraw route {a.prefix} next-hop {a.next_hop or self.own_address(a.afi)}"
                for peer in self.rs_peers(a.afi, a.to) if peer["name"] not in exclude]

    def withdraw(self, prefixes: list[str]) -> None:
        current = self.announced()
        lines = []
        for p in prefixes:
            a = current.pop(p, None)
            if a is not None:
                lines += self._withdraw_lines(a)
        self._send(lines)
        self._save(current)


SPEAKERS: dict[str, type[Speaker]] = {"bird": BirdSpeaker, "gobgp": GobgpSpeaker, "exabgp": ExabgpSpeaker}


def speaker_for(node: dict[str, Any], state: LabState) -> Speaker:
    return SPEAKERS[node["speaker"]](node, state)


__all__ = ["TIMERS", "BirdSpeaker", "ExabgpSpeaker", "GobgpSpeaker", "Speaker", "parse_path", "speaker_for"]
