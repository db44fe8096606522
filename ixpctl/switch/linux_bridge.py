"""A NAPALM driver for a Linux bridge: a real, stateful switch the push pipeline can be tested against.

No vendor NOS runs on the project's machines, but a Linux bridge in a network namespace forwards real
frames. This driver gives it NAPALM's config contract so ``diff → commit → verify → rollback`` runs for
real in the lab (tests/lab/), and packets prove the hygiene rules work.

The "config" is a JSON document (rendered by templates/switch/linux_bridge/)::

    {"format": "ixpctl-linux-bridge/1", "bridge": "sw1", "vlans": [10],
     "ports": {"veth1": {"description": "...", "state": "up"|"down", "vlan_mode": "access",
                         "vlans": [10], "macs": ["02:..."], "guards": ["stp-bpdu", "mac-allow", ...]}}}

It is applied with iproute2 (port membership, alias = description, link state, ``bridge vlan``) and one
nftables table in the bridge family (``table bridge ixpctl``): per port a set of allowed source MACs and
a chain with one rule per guard. The running document is always read back from the kernel
(``ip -j link``, ``bridge -j vlan show``, ``nft -j list table bridge ixpctl``), never from a cache, so
``compare_config`` shows what the kernel really holds.

VLANs: with ``CONFIG_BRIDGE_VLAN_FILTERING`` the bridge filters per port (``bridge vlan``). Kernels
without it (the project's lab machine) use the classic model "one bridge = one VLAN": the bridge's VLAN
is kept in its alias (``ixpctl vlans=10``), access ports are members of the bridge, and tagged ports
are refused at commit because the kernel cannot enforce them.

Guards are recognised on read-back by their rule comment and verdict; the lab test proves with packets
that the rules do what their names say.

``hostname``: ``netns:<name>`` runs every command inside that network namespace, ``localhost`` in the
current one. Rollback keeps the previous running document in memory for the life of the driver object.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import shutil
import subprocess
from typing import Any

from napalm.base import NetworkDriver
from napalm.base.exceptions import (
    CommitError,
    ConnectionException,
    MergeConfigException,
    ReplaceConfigException,
)

FORMAT = "ixpctl-linux-bridge/1"
TABLE = "ixpctl"
GUARDS = ("stp-bpdu", "mac-allow", "ethertype", "icmpv6-ra", "dhcp", "dhcpv6")
PORT_KEYS = {"description", "state", "vlan_mode", "vlans", "macs", "guards"}
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


class LinuxBridgeDriver(NetworkDriver):
    """NAPALM driver for a Linux bridge filtered with nftables (see module docstring)."""

    def __init__(self, hostname: str, username: str = "", password: str = "", timeout: int = 30,
                 optional_args: dict | None = None) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        args = optional_args or {}
        self.bridge: str = args.get("bridge", "")
        self.netns: str | None = hostname[len("netns:"):] if hostname.startswith("netns:") else None
        local = hostname in ("localhost", "127.0.0.1", "::1", "")
        self._bad_host = None if (self.netns or local) else hostname
        self.opened = False
        self.candidate: dict | None = None
        self.candidate_merge = True
        self.previous: dict | None = None  # running document before the last commit (for rollback)
        self._vlan_filtering: bool | None = None
        self._members: set[str] = set()  # bridge ports at the last read-back

    # ---- plumbing -------------------------------------------------------------------------------
    def _run(self, *argv: str, input: str | None = None, check: bool = True) -> str:
        cmd = list(argv)
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns, *cmd]
        try:
            proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise CommitError(f"`{' '.join(argv)}` timed out after {self.timeout} s") from None
        if check and proc.returncode != 0:
            raise CommitError(f"`{' '.join(argv)}` failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def _json(self, *argv: str) -> Any:
        out = self._run(*argv)
        return json.loads(out) if out.strip() else []

    # ---- connection -----------------------------------------------------------------------------
    def open(self) -> None:
        if self._bad_host:
            raise ConnectionException(f"linux_bridge: mgmt_host must be 'localhost' or 'netns:<name>', "
                                      f"not {self._bad_host!r}")
        for tool in ("ip", "bridge", "nft"):
            if shutil.which(tool) is None:
                raise ConnectionException(f"linux_bridge: '{tool}' not found (apt-get install iproute2 nftables)")
        if not _IFNAME.match(self.bridge or ""):
            raise ConnectionException(f"linux_bridge: bad bridge name {self.bridge!r}")
        try:
            info = self._json("ip", "-j", "-d", "link", "show", "dev", self.bridge)
        except CommitError as exc:
            raise ConnectionException(f"linux_bridge: bridge {self.bridge} not reachable: {exc}") from None
        kind = (info[0].get("linkinfo") or {}).get("info_kind") if info else None
        if kind != "bridge":
            raise ConnectionException(f"linux_bridge: {self.bridge} is not a bridge (kind {kind})")
        self._vlan_filtering = self._probe_vlan_filtering(info[0])
        self.opened = True

    def _probe_vlan_filtering(self, info: dict) -> bool:
        data = (info.get("linkinfo") or {}).get("info_data") or {}
        if data.get("vlan_filtering") == 1:
            return True
        # Not on yet: try to switch it on (kernels without CONFIG_BRIDGE_VLAN_FILTERING refuse).
        self._run("ip", "link", "set", "dev", self.bridge, "type", "bridge", "vlan_filtering", "1", check=False)
        again = self._json("ip", "-j", "-d", "link", "show", "dev", self.bridge)
        return ((again[0].get("linkinfo") or {}).get("info_data") or {}).get("vlan_filtering") == 1

    def close(self) -> None:
        self.opened = False

    def is_alive(self) -> dict:
        if not self.opened:
            return {"is_alive": False}
        try:
            self._run("ip", "link", "show", "dev", self.bridge)
            return {"is_alive": True}
        except CommitError:
            return {"is_alive": False}

    def _require_open(self) -> None:
        if not self.opened:
            raise ConnectionException("linux_bridge: call open() first")

    # ---- reading the kernel ---------------------------------------------------------------------
    def running_document(self, also: Any = ()) -> dict:
        """The bridge as the kernel holds it, in the candidate's format. ``also``: interface names the
        candidate mentions that may not be bridge ports (yet, or any more: an unused port without VLAN
        is detached from the bridge on kernels without VLAN filtering)."""
        self._require_open()
        br = self._json("ip", "-j", "-d", "link", "show", "dev", self.bridge)[0]
        links = self._json("ip", "-j", "link", "show", "master", self.bridge)
        members = {link["ifname"] for link in links}
        self._members = set(members)
        detached = set()
        for name in sorted(set(also) - members):
            found = self._run("ip", "-j", "link", "show", "dev", name, check=False)
            if found.strip():
                links += json.loads(found)
                detached.add(name)
        vlans: list[int] = []
        port_vlans: dict[str, tuple[str, list[int]]] = {}
        if self._vlan_filtering:
            for entry in self._json("bridge", "-j", "vlan", "show"):
                name = entry.get("ifname")
                vids = entry.get("vlans", [])
                access = [v["vlan"] for v in vids if {"PVID", "Egress Untagged"} <= set(v.get("flags", []))]
                tagged = [v["vlan"] for v in vids if v["vlan"] not in access]
                if name == self.bridge:
                    continue
                mode = "access" if access and not tagged else "tagged"
                port_vlans[name] = (mode, sorted(access + tagged))
            vlans = sorted({v for _, vs in port_vlans.values() for v in vs})
        else:
            match = re.search(r"ixpctl vlans=([\d,]+)", br.get("ifalias", ""))
            vlans = [int(v) for v in match.group(1).split(",")] if match else []
        table = self._nft_table()
        ports = {}
        for link in links:
            name = link["ifname"]
            if name in detached:
                mode, vids = "access", []
            else:
                mode, vids = port_vlans.get(name, ("access", list(vlans)))
            ports[name] = {
                "description": link.get("ifalias", ""),
                "state": "up" if "UP" in link.get("flags", []) else "down",
                "vlan_mode": mode,
                "vlans": vids,
                "macs": table["sets"].get(_set_name(name), []),
                "guards": table["guards"].get(name, []),
            }
        return {"format": FORMAT, "bridge": self.bridge, "vlans": vlans, "ports": ports}

    def _nft_table(self) -> dict:
        out = self._run("nft", "-j", "list", "table", "bridge", TABLE, check=False)
        if not out.strip():
            return {"sets": {}, "guards": {}}
        items = json.loads(out).get("nftables", [])
        sets: dict[str, list[str]] = {}
        chains: dict[str, list[str]] = {}
        jumps: dict[str, str] = {}
        for item in items:
            if "set" in item:
                elems = item["set"].get("elem", [])
                sets[item["set"]["name"]] = sorted(e if isinstance(e, str) else json.dumps(e) for e in elems)
            elif "rule" in item:
                rule = item["rule"]
                exprs = rule.get("expr", [])
                if rule["chain"] == "prerouting":
                    iif = next((e["match"]["right"] for e in exprs if "match" in e
                                and e["match"].get("left") == {"meta": {"key": "iifname"}}), None)
                    target = next((e["jump"]["target"] for e in exprs if "jump" in e), None)
                    if iif and target:
                        jumps[iif] = target
                    continue
                verdict = "drop" if any("drop" in e for e in exprs) else "other"
                label = rule.get("comment", "?")
                chains.setdefault(rule["chain"], []).append(label if verdict == "drop" else f"{label} (not drop)")
        guards = {port: chains.get(chain, []) for port, chain in jumps.items()}
        return {"sets": sets, "guards": guards}

    # ---- candidate ------------------------------------------------------------------------------
    def _parse(self, filename: str | None, config: str | None, exc_type: type) -> dict:
        if filename is not None:
            with open(filename) as fh:
                config = fh.read()
        if not config:
            raise exc_type("linux_bridge: empty candidate")
        try:
            doc = json.loads(config)
        except ValueError as err:
            raise exc_type(f"linux_bridge: candidate is not JSON: {err}") from None
        problems = _schema_problems(doc, self.bridge)
        if problems:
            raise exc_type("linux_bridge: candidate rejected: " + "; ".join(problems))
        doc.pop("comment", None)
        for port in doc["ports"].values():
            port["macs"] = sorted(port["macs"])
            port["guards"] = [g for g in GUARDS if g in port["guards"]]
            port["vlans"] = sorted(port["vlans"])
        doc["vlans"] = sorted(doc["vlans"])
        return doc

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        self._require_open()
        self.candidate = self._parse(filename, config, MergeConfigException)
        self.candidate_merge = True

    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        self._require_open()
        self.candidate = self._parse(filename, config, ReplaceConfigException)
        self.candidate_merge = False

    def _target(self, running: dict) -> dict:
        assert self.candidate is not None
        if not self.candidate_merge:
            target = copy.deepcopy(self.candidate)
            # ports on the bridge that the candidate does not mention lose their filters
            for name in running["ports"]:
                target["ports"].setdefault(name, {**running["ports"][name], "macs": [], "guards": []})
            return target
        target = copy.deepcopy(running)
        target["vlans"] = self.candidate["vlans"]
        if not self._vlan_filtering:
            # one bridge = one VLAN: a port the candidate does not mention stays a bridge port, so it
            # is in whatever VLAN the bridge now carries
            for name, port in target["ports"].items():
                if name in self._members and name not in self.candidate["ports"]:
                    port["vlans"] = list(target["vlans"])
        target["ports"].update(copy.deepcopy(self.candidate["ports"]))
        return target

    def compare_config(self) -> str:
        self._require_open()
        if self.candidate is None:
            return ""
        running = self.running_document(also=self.candidate["ports"])
        target = self._target(running)
        if target == running:
            return ""
        a = json.dumps(running, indent=2, sort_keys=True).splitlines()
        b = json.dumps(target, indent=2, sort_keys=True).splitlines()
        return "\n".join(difflib.unified_diff(a, b, "running", "candidate", lineterm="", n=3))

    def discard_config(self) -> None:
        self.candidate = None

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        self._require_open()
        if revert_in is not None:
            raise NotImplementedError("linux_bridge: commit-confirm is not supported")
        if self.candidate is None:
            raise CommitError("linux_bridge: no candidate loaded")
        running = self.running_document(also=self.candidate["ports"])
        target = self._target(running)
        self.previous = running
        self._apply(target)
        self.candidate = None

    def rollback(self) -> None:
        self._require_open()
        if self.previous is None:
            raise CommitError("linux_bridge: nothing to roll back (no commit in this session)")
        self._apply(self.previous)

    def has_pending_commit(self) -> bool:
        return False

    def confirm_commit(self) -> None:
        raise NotImplementedError("linux_bridge: commit-confirm is not supported")

    # ---- applying a document --------------------------------------------------------------------
    def _apply(self, doc: dict) -> None:
        """Bring the kernel to ``doc``. nftables first (one atomic transaction), then the ports one
        by one; a failing command raises CommitError and leaves the rest as it was (rollback fixes)."""
        if not self._vlan_filtering:
            tagged = [n for n, p in doc["ports"].items() if p["vlan_mode"] == "tagged"]
            if tagged:
                raise CommitError(f"linux_bridge: tagged ports {tagged} need a kernel with "
                                  "CONFIG_BRIDGE_VLAN_FILTERING; this one has none")
            if len(doc["vlans"]) > 1:
                raise CommitError("linux_bridge: without VLAN filtering a bridge carries one VLAN; "
                                  f"the document has {doc['vlans']}")
            alias = "ixpctl vlans=" + ",".join(str(v) for v in doc["vlans"]) if doc["vlans"] else ""
            self._run("ip", "link", "set", "dev", self.bridge, "alias", alias)
        self._run("nft", "-f", "-", input=nft_script(doc))
        for name in sorted(doc["ports"]):
            port = doc["ports"][name]
            if port["vlans"] or self._vlan_filtering:
                self._run("ip", "link", "set", "dev", name, "master", self.bridge)
            else:  # one bridge = one VLAN: a port in no VLAN is not a port of the bridge
                self._run("ip", "link", "set", "dev", name, "nomaster")
            self._run("ip", "link", "set", "dev", name, "alias", port["description"])
            if self._vlan_filtering:
                self._apply_vlans(name, port)
            self._run("ip", "link", "set", "dev", name, "up" if port["state"] == "up" else "down")

    def _apply_vlans(self, name: str, port: dict) -> None:
        current = self._json("bridge", "-j", "vlan", "show", "dev", name)
        have = [v["vlan"] for e in current for v in e.get("vlans", [])]
        for vid in have:
            self._run("bridge", "vlan", "del", "dev", name, "vid", str(vid))
        for vid in port["vlans"]:
            extra = ["pvid", "untagged"] if port["vlan_mode"] == "access" else []
            self._run("bridge", "vlan", "add", "dev", name, "vid", str(vid), *extra)

    # ---- getters --------------------------------------------------------------------------------
    def get_config(self, retrieve: str = "all", full: bool = False, sanitized: bool = False,
                   format: str = "text") -> dict:
        self._require_open()
        also = self.candidate["ports"] if self.candidate is not None else ()
        current = self.running_document(also=also)
        running = json.dumps(current, indent=2, sort_keys=True) + "\n"
        candidate = (json.dumps(self._target(current), indent=2, sort_keys=True) + "\n"
                     if self.candidate is not None else "")
        out = {"running": running, "candidate": candidate, "startup": ""}
        return out if retrieve == "all" else {k: (v if k == retrieve else "") for k, v in out.items()}

    def get_facts(self) -> dict:
        self._require_open()
        release = self._run("uname", "-r").strip()
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        ports = sorted(link["ifname"] for link in self._json("ip", "-j", "link", "show", "master", self.bridge))
        return {"hostname": self.bridge, "fqdn": self.hostname, "vendor": "Linux", "model": "bridge+nftables",
                "os_version": release, "serial_number": "", "uptime": uptime, "interface_list": ports}


def _set_name(port: str) -> str:
    return "macs_" + re.sub(r"[^A-Za-z0-9_]", "_", port)


def _chain_name(port: str) -> str:
    return "port_" + re.sub(r"[^A-Za-z0-9_]", "_", port)


def _guard_rules(name: str, port: dict) -> list[str]:
    rules = {
        "stp-bpdu": 'ether daddr 01:80:c2:00:00:00 counter drop comment "stp-bpdu"',
        "mac-allow": f'ether saddr != @{_set_name(name)} counter drop comment "mac-allow"',
        "ethertype": ('ether type != { ip, arp, ip6 } counter drop comment "ethertype"'
                      if port["vlan_mode"] == "access" else
                      'vlan type != { ip, arp, ip6 } counter drop comment "ethertype"'),
        "icmpv6-ra": 'icmpv6 type { nd-router-advert, nd-redirect } counter drop comment "icmpv6-ra"',
        "dhcp": 'udp dport { 67, 68 } counter drop comment "dhcp"',
        "dhcpv6": 'udp dport { 546, 547 } counter drop comment "dhcpv6"',
    }
    return [rules[g] for g in GUARDS if g in port["guards"]]


def nft_script(doc: dict) -> str:
    """The whole table, replaced in one nft transaction (create-if-missing, delete, recreate)."""
    lines = [f"table bridge {TABLE}", f"delete table bridge {TABLE}", f"table bridge {TABLE} {{"]
    for name in sorted(doc["ports"]):
        port = doc["ports"][name]
        if port["macs"]:
            lines.append(f"  set {_set_name(name)} {{ type ether_addr; elements = {{ {', '.join(port['macs'])} }}; }}")
        elif "mac-allow" in port["guards"]:
            lines.append(f"  set {_set_name(name)} {{ type ether_addr; }}")
    lines.append("  chain prerouting {")
    lines.append("    type filter hook prerouting priority 0; policy accept;")
    for name in sorted(doc["ports"]):
        if doc["ports"][name]["guards"]:
            lines.append(f'    iifname "{name}" jump {_chain_name(name)}')
    lines.append("  }")
    for name in sorted(doc["ports"]):
        port = doc["ports"][name]
        if port["guards"]:
            lines.append(f"  chain {_chain_name(name)} {{")
            lines += [f"    {rule}" for rule in _guard_rules(name, port)]
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _schema_problems(doc: Any, bridge: str) -> list[str]:
    """Structural checks at load time (a real switch's parser); the kernel judges the rest at commit."""
    if not isinstance(doc, dict):
        return ["the document must be a JSON object"]
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"format must be {FORMAT!r}")
    if doc.get("bridge") != bridge:
        problems.append(f"document is for bridge {doc.get('bridge')!r}, this driver manages {bridge!r}")
    if not isinstance(doc.get("vlans"), list) or not all(isinstance(v, int) and 1 <= v <= 4094
                                                         for v in doc.get("vlans", [])):
        problems.append("vlans must be a list of VLAN ids")
    ports = doc.get("ports")
    if not isinstance(ports, dict):
        return problems + ["ports must be an object"]
    for name, port in ports.items():
        if not _IFNAME.match(name):
            problems.append(f"port {name!r}: not a Linux interface name")
            continue
        if not isinstance(port, dict) or set(port) != PORT_KEYS:
            problems.append(f"port {name}: needs exactly the keys {sorted(PORT_KEYS)}")
            continue
        if port["state"] not in ("up", "down") or port["vlan_mode"] not in ("access", "tagged"):
            problems.append(f"port {name}: state must be up/down, vlan_mode access/tagged")
        if not isinstance(port["description"], str) or re.search(r"[\x00-\x1f]", port["description"]):
            problems.append(f"port {name}: description must be one line of text")
        if not all(isinstance(m, str) and _MAC.match(m) for m in port["macs"]):
            problems.append(f"port {name}: macs must be lower-case colon MAC addresses")
        unknown = [g for g in port["guards"] if g not in GUARDS]
        if unknown:
            problems.append(f"port {name}: unknown guards {unknown} (known: {', '.join(GUARDS)})")
        if not all(isinstance(v, int) for v in port["vlans"]):
            problems.append(f"port {name}: vlans must be integers")
    return problems


__all__ = ["FORMAT", "GUARDS", "LinuxBridgeDriver", "nft_script"]
