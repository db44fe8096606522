"""The route-server lab in Linux network namespaces: ``Lab.up(config)`` / ``lab.down()``.

Topology (all inside namespaces named ``ixl-<run id>-*``; nothing is routed outside them):
one namespace holding the peering-LAN bridge, one per route server (BIRD with the generated config,
StayRTR on 127.0.0.1 serving the lab's VRP file) and one per active member connection (BIRD, GoBGP
or ExaBGP), each attached to the bridge by a veth pair with the inventory's LAN addresses.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..base.yamlio import load_yaml, to_plain
from ..errors import IxpctlError
from ..policy.intent import RouteServerIntent, compile_route_server, for_bird, for_openbgpd
from ..render.bird import Capabilities, parse_version, render_route_server
from ..verify.client import RouteServerClient
from .model import Announcement
from .speakers import TIMERS, Speaker, speaker_for
from .state import LabState, current_state, run

LAB_TIMERS = {"connect_delay": TIMERS["connect_delay"], "connect_retry": TIMERS["connect_retry"],
              "error_wait": TIMERS["error_wait"]}


@dataclass
class LabConfig:
    """``lab/<name>.lab.yml``: which inventory, which speaker per member, lab-only limits."""

    inventory: Path
    policy: Path
    snapshot: Path
    speakers: dict[int, str] = field(default_factory=dict)
    default_speaker: str = "bird"
    max_prefix: dict[int, dict[str, int]] = field(default_factory=dict)
    baseline: bool = True  # BIRD/GoBGP members announce their own registered prefixes at start
    rtr_port: int = 8282
    rtr_refresh: int = 1
    path: Path | None = None
    # one router of a member on another implementation than its others: {(asn, connection): kind}
    connection_speakers: dict[tuple[int, int], str] = field(default_factory=dict)
    # "rtr": VRPs from StayRTR (editable while the lab runs); "static": the ROA tables `ixpctl build`
    # renders when no rtr_servers are configured (what an offline build deploys)
    rpki: str = "rtr"
    # the daemon of each route server, overriding the inventory's route_servers[].daemon: {rs2: openbgpd}
    daemons: dict[str, str] = field(default_factory=dict)
    # the route servers' BIRD for this run: a version ("3.1": its configs are rendered for it and run
    # by a BIRD of that series, found like `ixpctl build` finds one) or a binary; None: the
    # inventory's bird_version with the machine's `bird`. Members always run the machine's `bird`.
    rs_bird: str | None = None
    # the OpenBGPD route servers' series for this run ("8.8"): configs rendered for it, run by that
    # bgpd/bgpctl (deploy.bgpd_binaries: the machine's, or scripts/openbgpd-versions.sh's private root)
    rs_openbgpd: str | None = None

    def speaker_of(self, asn: int, connection: int) -> str:
        return self.connection_speakers.get((asn, connection), self.speakers.get(asn, self.default_speaker))

    @classmethod
    def load(cls, path: str | Path, base: Path | None = None) -> LabConfig:
        """Paths inside the file are relative to ``base`` (default: the working directory, the repo root)."""
        path = Path(path)
        data = to_plain(load_yaml(path, what="lab file").node) or {}
        base = base or Path.cwd()
        unknown = set(data) - {"inventory", "policy", "snapshot", "speakers", "default_speaker", "max_prefix",
                               "baseline", "rtr", "rpki", "route_server_bird", "daemons", "route_server_openbgpd"}
        if unknown:
            raise IxpctlError(f"{path}: unknown key(s) {sorted(unknown)}")
        raw = {str(k): str(v) for k, v in (data.get("speakers") or {}).items()}
        speakers = {int(k): v for k, v in raw.items() if "/" not in k}  # "64499/2": that router only
        per_router = {(int(k.split("/")[0]), int(k.split("/")[1])): v for k, v in raw.items() if "/" in k}
        bad = set(raw.values()) - {"bird", "gobgp", "exabgp"}
        if bad:
            raise IxpctlError(f"{path}: unknown speaker(s) {sorted(bad)}: use bird, gobgp or exabgp")
        if data.get("rpki", "rtr") not in ("rtr", "static"):
            raise IxpctlError(f"{path}: rpki is `rtr` (StayRTR) or `static` (ROA tables in the config)")
        rtr = data.get("rtr") or {}
        daemons = {str(k): str(v) for k, v in (data.get("daemons") or {}).items()}
        if set(daemons.values()) - {"bird", "openbgpd"}:
            raise IxpctlError(f"{path}: daemons: each route server runs `bird` or `openbgpd`")
        return cls(base / data.get("inventory", "inventory"), base / data.get("policy", "policies/default.yml"),
                   base / data["snapshot"] if data.get("snapshot") else None,  # type: ignore[arg-type]
                   speakers, data.get("default_speaker", "bird"),
                   {int(k): dict(v) for k, v in (data.get("max_prefix") or {}).items()},
                   bool(data.get("baseline", True)), int(rtr.get("port", 8282)), int(rtr.get("refresh", 1)), path,
                   per_router, str(data.get("rpki", "rtr")), daemons,
                   str(data["route_server_bird"]) if data.get("route_server_bird") else None,
                   str(data["route_server_openbgpd"]) if data.get("route_server_openbgpd") else None)


def run_bird(config: LabConfig):
    """The BIRD a run sets for every route server (``rs_bird``: a series or a binary)."""
    from ..build import BirdBinaries

    return BirdBinaries().for_series(config.rs_bird or "")


def rs_binaries(config: LabConfig, intents: list[RouteServerIntent]) -> dict:
    """The BIRD binary of each BIRD route server, by name: ``rs_bird`` for all of them when the run
    sets one, else a BIRD of each one's own ``bird_version`` series (the MLIX example runs rs1 on
    2.0 and rs2 on 3.1, as on their machines)."""
    from ..build import BirdBinaries

    if config.rs_bird:
        one = run_bird(config)
        return {i.name: one for i in intents if i.daemon == "bird"}
    binaries = BirdBinaries()
    return {i.name: binaries.for_version(i.bird_version, what=f"the lab's {i.name}")
            for i in intents if i.daemon == "bird"}


def compile_lab(config: LabConfig, rtr_host: str = "127.0.0.1") -> tuple[Any, list[RouteServerIntent], Any]:
    """Inventory + policy + snapshot → one Intent per route server, prepared for the lab:
    RTR mode (``sources.rpki.rtr_servers`` → ``protocol rpki``; ``rpki: static`` keeps the static ROA
    tables of an offline build), lab timers, lab import limits, and ``rs_bird``'s version as the target.
    Filtering is untouched: the same chain, sets and VRPs as ``ixpctl build``. ASPA records stay in a
    static table even in RTR mode: Debian's StayRTR serves none that BIRD reads (0.5.1, Debian 12,
    sends draft-8210bis-10 ASPA PDUs BIRD 2.17/3.1 do not take; 0.6.2, Debian 13, dropped ASPA)."""
    from ..inventory import load_inventory
    from ..inventory.sources_config import RtrServer
    from ..policy.facts_floor import without_short_facts
    from ..policy.loader import load_policy
    from ..sources.snapshot import read_snapshot

    loaded = load_inventory(config.inventory)
    policy = load_policy(config.policy)
    inv = loaded.inventory
    snapshot = config.snapshot or (Path.cwd() / inv.sources.snapshot_dir)
    facts = without_short_facts(read_snapshot(snapshot, max_ages=None), policy.policy)  # as `ixpctl build`
    inv.sources.rpki.rtr_servers = [RtrServer(host=rtr_host, port=config.rtr_port)] if config.rpki == "rtr" else []
    intents = []
    target = run_bird(config).version if config.rs_bird else None
    for rs in inv.route_servers:
        intent = compile_route_server(loaded, policy, facts, rs)
        intent = replace(for_bird(intent, target) if target else intent, aspa_rtr=False)
        daemon = config.daemons.get(rs.name, intent.daemon)
        if daemon == "openbgpd":  # ASPA on OpenBGPD needs 8.x (and session roles): for_openbgpd decides
            intent = for_openbgpd(intent, config.rs_openbgpd or intent.openbgpd_version)
        elif intent.daemon != "bird":  # an OpenBGPD route server of the inventory run on BIRD in this lab
            intent = for_bird(replace(intent, daemon="bird"), intent.bird_version)
        sessions = []
        for s in intent.sessions:
            s = replace(s, hold_time=TIMERS["hold"], keepalive_time=TIMERS["keepalive"])
            limit = config.max_prefix.get(s.member_asn, {}).get(f"ipv{s.afi}")
            if limit is not None:
                s = replace(s, import_limit=int(limit))
            sessions.append(s)
        intent.sessions = sessions
        intents.append(intent)
    return loaded, intents, facts


def vrps_json(vrps: list[tuple[str, int, int]]) -> dict[str, Any]:
    """The StayRTR / rpki-client JSON format."""
    return {"roas": [{"prefix": p, "maxLength": int(m), "asn": f"AS{int(a)}"} for p, m, a in vrps]}


class Lab:
    def __init__(self, state: LabState):
        self.state = state

    # --- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def current(cls) -> Lab | None:
        st = current_state()
        return cls(st) if st and not st.info.get("down") else None

    @classmethod
    def up(cls, config: LabConfig, *, base: Path | None = None, wait: float = 30.0) -> Lab:
        for tool in ("ip", "bird", "birdc", "stayrtr"):
            if shutil.which(tool) is None:
                raise IxpctlError(f"the lab needs `{tool}` on PATH")
        if os.geteuid() != 0:
            raise IxpctlError("the lab needs root (network namespaces)")
        loaded, intents, facts = compile_lab(config)
        if any(i.daemon == "openbgpd" for i in intents):
            from .openbgpd_rs import TOOLS
            missing = [t for t in TOOLS if shutil.which(t) is None]
            if missing:
                raise IxpctlError(f"the lab needs {', '.join(missing)} on PATH (apt-get install openbgpd)")
        state = LabState.create(base)
        lab = cls(state)
        try:
            lab._build(config, loaded, intents, facts)
            if wait:
                lab.wait_established(wait)
        except BaseException:
            lab.down()
            raise
        return lab

    def down(self) -> list[str]:
        return self.state.down()

    # --- building ----------------------------------------------------------------------------
    def _build(self, config: LabConfig, loaded, intents: list[RouteServerIntent], facts) -> None:
        from ..build import check_config

        st = self.state
        inv = loaded.inventory
        run_dir = Path(st.run_dir)
        lan = inv.lan_of(None) or inv.ixp.lans[0]
        six = inv.family_lan(lan, 6)  # per-family VLANs (ipv6_lan): one lab bridge carries both families
        plen4 = lan.ipv4.prefixlen if lan.ipv4 else None
        plen6 = six.ipv6.prefixlen if six.ipv6 else None
        st.info.update(rs_asn=inv.ixp.rs_asn, lab_file=str(config.path) if config.path else None, rpki=config.rpki,
                       route_servers=[], members=[], vrp_file=str(run_dir / "vrps.json"),
                       intents={i.name: str(run_dir / i.name / "intent.json") for i in intents})
        (run_dir / "vrps.json").write_text(json.dumps(vrps_json(facts.vrps)))
        lan_ns = st.add_namespace("lan")
        run(["ip", "-n", lan_ns, "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", lan_ns, "link", "set", "br0", "up"])
        run(["ip", "netns", "exec", lan_ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])

        def attach(label: str, v4: str | None, v6: str | None) -> str:
            ns = st.add_namespace(label)
            run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                 "net.ipv6.conf.default.accept_dad=0"])
            port = f"p-{label}"[:15]
            run(["ip", "link", "add", port, "netns", lan_ns, "type", "veth", "peer", "name", "eth0", "netns", ns])
            run(["ip", "-n", lan_ns, "link", "set", port, "master", "br0", "up"])
            if v4:
                run(["ip", "-n", ns, "addr", "add", f"{v4}/{plen4}", "dev", "eth0"])
            if v6:
                run(["ip", "-n", ns, "addr", "add", f"{v6}/{plen6}", "dev", "eth0", "nodad"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
            return ns

        by_rs = rs_binaries(config, intents)
        rs_bird = next(iter(by_rs.values()), None)
        st.info["rs_bird"] = rs_bird.to_json() if rs_bird else None  # the first one's (reports show it)
        for intent, rs in zip(intents, inv.route_servers):
            ns = attach(rs.name, str(rs.ipv4) if rs.ipv4 else None, str(rs.ipv6) if rs.ipv6 else None)
            d = run_dir / rs.name
            d.mkdir()
            (d / "intent.json").write_text(json.dumps(intent.to_json(), default=str))
            record = {"name": rs.name, "ns": ns, "ipv4": str(rs.ipv4) if rs.ipv4 else None,
                      "ipv6": str(rs.ipv6) if rs.ipv6 else None}
            if intent.daemon == "openbgpd":
                from .openbgpd_rs import prepare
                st.info["route_servers"].append({**record, **prepare(intent, d, LAB_TIMERS,
                                                                      series=config.rs_openbgpd)})
                continue
            text = render_route_server(intent, capabilities=Capabilities(parse_version(intent.bird_version)),
                                       timers=LAB_TIMERS)
            (d / "bird.conf").write_text(text)
            check_config(d / "bird.conf", by_rs[rs.name].path)
            st.info["route_servers"].append({**record, "socket": str(d / "bird.ctl"), "config": str(d / "bird.conf"),
                                             "bird": by_rs[rs.name].to_json()})
        members = []
        for m, i, conn in inv.route_server_connections():
            label = f"m{m.asn}-{i}"
            v4 = str(conn.ipv4) if conn.ipv4 else None
            v6 = str(conn.ipv6) if conn.ipv6 else None
            ns = attach(label, v4, v6)
            d = run_dir / label
            d.mkdir()
            node = {"label": label, "asn": m.asn, "name": m.name, "ns": ns, "ipv4": v4, "ipv6": v6,
                    "router_id": v4 or f"10.255.{(m.asn >> 8) & 255}.{m.asn & 255}", "dir": str(d),
                    "speaker": config.speaker_of(m.asn, i), "connection": i}
            members.append(node)
        st.info["members"] = members
        st.save()

        # RPKI first (so BIRD's rpki protocol connects at once), then the route servers, then members.
        for rs in st.info["route_servers"] if config.rpki == "rtr" else []:
            st.spawn(f"{rs['name']}-stayrtr", rs["ns"],
                     ["stayrtr", "-cache", str(run_dir / "vrps.json"), "-checktime=false", "-bind",
                      f"127.0.0.1:{config.rtr_port}", "-metrics.addr", "127.0.0.1:9847",
                      "-refresh", str(config.rtr_refresh), "-log.verbose=false"])
        for rs in st.info["route_servers"]:
            if config.rpki == "rtr":
                _wait_port(rs["ns"], config.rtr_port)
            if rs.get("daemon") == "openbgpd":
                from .openbgpd_rs import start
                start(st, rs)
                continue
            st.spawn(f"{rs['name']}-bird", rs["ns"], [rs.get("bird", st.info["rs_bird"])["path"], "-f", "-c", rs["config"],
                                                      "-s", rs["socket"]])
        intent_by_rs = {i.name: i for i in intents}
        first = intents[0]
        for node in members:
            sp = speaker_for(node, st)
            if config.baseline and sp.kind != "exabgp":
                sp._save({a.prefix: a for a in baseline_routes(first, node["asn"], node["connection"])})
            sp.write_config()
        for rs in st.info["route_servers"]:
            if rs.get("daemon") == "openbgpd":
                from .openbgpd_rs import wait_ready
                wait_ready(rs["socket"], rs.get("bgpctl", "bgpctl"))
                continue
            _wait_socket(rs["socket"])
        for node in members:
            speaker_for(node, st).start()
        del intent_by_rs

    # --- access ------------------------------------------------------------------------------
    def rs(self, name: str) -> Any:
        """The route server's reader: RouteServerClient (BIRD) or BgpctlClient (OpenBGPD)."""
        for rs in self.state.info["route_servers"]:
            if rs["name"] == name:
                if rs.get("daemon") == "openbgpd":
                    from ..verify.bgpctl import BgpctlClient
                    return BgpctlClient(rs["socket"], self.state.info["rs_asn"], binary=rs.get("bgpctl", "bgpctl"))
                return RouteServerClient(rs["socket"], self.state.info["rs_asn"])
        raise IxpctlError(f"no route server {name} in this lab")

    def daemon(self, rs_name: str) -> str:
        return next((rs.get("daemon", "bird") for rs in self.state.info["route_servers"] if rs["name"] == rs_name),
                    "bird")

    @property
    def rs_names(self) -> list[str]:
        return [rs["name"] for rs in self.state.info["route_servers"]]

    def intent(self, rs_name: str) -> RouteServerIntent:
        from .intent_io import intent_from_json
        return intent_from_json(json.loads(Path(self.state.info["intents"][rs_name]).read_text()))

    def nodes(self, asn: int) -> list[dict[str, Any]]:
        found = [n for n in self.state.info["members"] if n["asn"] == asn]
        if not found:
            raise IxpctlError(f"AS{asn} has no node in this lab (inactive member or unknown ASN)")
        return found

    def speaker(self, asn: int, connection: int = 1) -> Speaker:
        for n in self.nodes(asn):
            if n["connection"] == connection:
                return speaker_for(n, self.state)
        raise IxpctlError(f"AS{asn} has no connection {connection} in this lab")

    def read_vrps(self) -> list[tuple[str, int, int]]:
        data = json.loads(Path(self.state.info["vrp_file"]).read_text())
        return [(r["prefix"], int(r["maxLength"]), int(str(r["asn"]).upper().removeprefix("AS"))) for r in data["roas"]]

    def write_vrps(self, vrps: list[tuple[str, int, int]]) -> None:
        """Edit the file StayRTR serves (atomic replace); BIRD gets it via RTR Serial Notify."""
        if self.state.info.get("rpki", "rtr") != "rtr":
            raise IxpctlError("this lab runs static ROA tables (rpki: static): VRPs cannot change while it runs")
        path = Path(self.state.info["vrp_file"])
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(vrps_json(vrps)))
        os.replace(tmp, path)

    def wait_established(self, timeout: float = 30.0) -> float:
        """Until every BGP session on every route server is Established; returns seconds waited."""
        started = time.monotonic()
        pending: list[str] = []
        while time.monotonic() - started < timeout:
            pending = [f"{rs}:{s.name}({s.info})" for rs in self.rs_names for s in self.rs(rs).sessions()
                       if not s.established]
            if not pending:
                return time.monotonic() - started
            time.sleep(0.2)
        raise IxpctlError(f"lab sessions not Established after {timeout:.0f} s: {', '.join(pending[:8])}"
                          + (" ..." if len(pending) > 8 else ""))


def baseline_routes(intent: RouteServerIntent, asn: int, connection: int) -> list[Announcement]:
    """A member's registered prefixes (first router only), announced at lab start."""
    if connection != 1:
        return []
    member = intent.member(asn)
    if member is None:
        return []
    out = []
    for name in (member.prefix_set4, member.prefix_set6):
        pset = intent.prefix_set(name)
        for p, lo, _hi in (pset.entries if pset else [])[:2]:
            if p.endswith(f"/{lo}"):
                out.append(Announcement(p, (("seq", (asn,)),)))
    return out


def _wait_port(ns: str, port: int, timeout: float = 10.0) -> None:
    import subprocess
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Hltn", f"sport = :{port}"], check=False, capture_output=True,
                             text=True).stdout
        if str(port) in out:
            return
        time.sleep(0.05)
    raise IxpctlError(f"StayRTR did not listen on port {port} in {ns}")


def _wait_socket(path: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Path(path).exists():
            try:
                RouteServerClient(path).control.query("show status")
                return
            except IxpctlError:
                pass
        time.sleep(0.05)
    raise IxpctlError(f"BIRD did not open its control socket {path}")
