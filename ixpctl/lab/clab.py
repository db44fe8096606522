"""Export the lab as a containerlab topology, for operators who have Docker and containerlab.

Same nodes as the namespace lab: a Linux bridge for the peering LAN (containerlab ``bridge`` kind:
create it on the host first, ``ip link add br-<ixp> type bridge && ip link set br-<ixp> up``),
``linux`` nodes for rs1/rs2 (BIRD, or OpenBGPD for a route server with ``daemon: openbgpd``), the members (BIRD / GoBGP / ExaBGP) and StayRTR, each with its
generated config bound read-only. Images are settings: the defaults name images you build from the
Debian packages used here (bird2 2.0.12, openbgpd 7.7, gobgpd, exabgp 4.2); StayRTR's is the upstream image.
"""

from __future__ import annotations

import json
import os
import re
import sys
from ipaddress import ip_network
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ruamel.yaml import YAML

from ..render.bird import Capabilities, parse_version, render_route_server
from .lab import LAB_TIMERS, LabConfig, baseline_routes, compile_lab, vrps_json
from .speakers import speaker_for

IMAGES = {"bird": "ixpctl/lab-bird2:2.0.12", "openbgpd": "ixpctl/lab-openbgpd:7.7", "gobgp": "ixpctl/lab-gobgp:3",
          "exabgp": "ixpctl/lab-exabgp:4.2", "stayrtr": "rpki/stayrtr:latest"}
CMD = {"bird": "bird -f -c /config/bird.conf -s /run/bird.ctl",
       # bgpd's children chroot to /run/openbgpd (Debian's packaged service creates it; a container must)
       "openbgpd": "sh -c 'mkdir -p /run/openbgpd && exec bgpd -d -f /config/bgpd.conf'",
       "gobgp": "gobgpd -f /config/gobgpd.toml --api-hosts 127.0.0.1:50051",
       "exabgp": "env exabgp_daemon_user=root exabgp_daemon_drop=false exabgp_api_cli=false exabgp /config/exabgp.conf"}


def _clab_name(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9-]", "-", text.lower())


def export_containerlab(config: LabConfig, out: Path, config_dir: Path, *,
                        images: dict[str, str] | None = None) -> dict[str, Any]:
    images = {**IMAGES, **(images or {})}
    loaded, _, facts = compile_lab(config)
    inv = loaded.inventory
    lan = inv.lan_of(None) or inv.ixp.lans[0]
    six = inv.family_lan(lan, 6)  # per-family VLANs (ipv6_lan): the lab bridge carries both families
    # StayRTR gets the last address of the peering LAN (inside the lab only)
    rtr4 = str(list(ip_network(lan.ipv4).hosts())[-1]) if lan.ipv4 else None
    loaded, intents, facts = compile_lab(config, rtr_host=rtr4 or "127.0.0.1")
    ixp = _clab_name(inv.ixp.name)
    bridge = f"br-{ixp}"[:15]
    config_dir = Path(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, Any] = {bridge: {"kind": "bridge"}}
    links: list[dict[str, Any]] = []
    p4 = lan.ipv4.prefixlen if lan.ipv4 else None
    p6 = six.ipv6.prefixlen if six.ipv6 else None

    def add(name: str, kind: str, v4: str | None, v6: str | None, cmd: str, bind_dir: Path) -> None:
        execs = []
        if v4:
            execs.append(f"ip addr add {v4}/{p4} dev eth1")
        if v6:
            execs.append(f"ip -6 addr add {v6}/{p6} dev eth1 nodad")
        nodes[name] = {"kind": "linux", "image": images[kind], "cmd": cmd,
                       "binds": [f"{os.path.relpath(bind_dir.resolve(), out.parent.resolve())}:/config:ro"],
                       "exec": execs,
                       "labels": {"ixpctl-role": kind}}
        links.append({"endpoints": [f"{name}:eth1", f"{bridge}:{name[:11]}-e1"]})

    rs_info = []
    for intent, rs in zip(intents, inv.route_servers):
        d = config_dir / rs.name
        d.mkdir(exist_ok=True)
        if intent.daemon == "openbgpd":  # rs2 of MLIX: the same intent as a bgpd.conf
            from ..render.openbgpd import render_route_server as render_bgpd

            conf = d / "bgpd.conf"
            conf.write_text(render_bgpd(intent, socket="/run/bgpd.sock",
                                        timers={"connect_retry": LAB_TIMERS["connect_retry"]}))
            conf.chmod(0o600)  # bgpd refuses a config others can read
        else:
            (d / "bird.conf").write_text(render_route_server(
                intent, capabilities=Capabilities(parse_version(intent.bird_version)), timers=LAB_TIMERS))
        add(rs.name, intent.daemon, str(rs.ipv4) if rs.ipv4 else None, str(rs.ipv6) if rs.ipv6 else None,
            CMD[intent.daemon], d)
        rs_info.append({"name": rs.name, "ipv4": str(rs.ipv4) if rs.ipv4 else None,
                        "ipv6": str(rs.ipv6) if rs.ipv6 else None})
    d = config_dir / "rpki"
    d.mkdir(exist_ok=True)
    (d / "vrps.json").write_text(json.dumps(vrps_json(facts.vrps)))
    add("rpki", "stayrtr", rtr4, None,
        f"-cache /config/vrps.json -checktime=false -bind {rtr4}:{config.rtr_port}", d)
    state = SimpleNamespace(info={"rs_asn": inv.ixp.rs_asn, "route_servers": rs_info})
    for m, i, conn in inv.route_server_connections():
        label = f"as{m.asn}-{i}"
        d = (config_dir / label)
        d.mkdir(exist_ok=True)
        kind = config.speaker_of(m.asn, i)
        v4 = str(conn.ipv4) if conn.ipv4 else None
        v6 = str(conn.ipv6) if conn.ipv6 else None
        node = {"label": label, "asn": m.asn, "ipv4": v4, "ipv6": v6, "dir": str(d.resolve()),
                "router_id": v4 or f"10.255.{(m.asn >> 8) & 255}.{m.asn & 255}", "speaker": kind, "connection": i}
        sp = speaker_for(node, state)  # type: ignore[arg-type]
        if config.baseline and kind != "exabgp":
            sp._save({a.prefix: a for a in baseline_routes(intents[0], m.asn, i)})
        sp.write_config()
        for f in d.iterdir():  # host paths → the bind mount inside the container
            if f.suffix in (".conf", ".toml"):
                f.write_text(f.read_text().replace(f"{d.resolve()}/feed.pid", "/tmp/feed.pid")
                             .replace(str(d.resolve()), "/config").replace(sys.executable, "python3"))
        if kind == "gobgp" and sp.announced():
            cmds = [" ".join(["gobgp", "global", "rib", "-a", f"ipv{a.afi}", "add", a.prefix])
                    for a in sp.announced().values()]
            (d / "routes.sh").write_text("#!/bin/sh\nsleep 2\n" + "\n".join(cmds) + "\n")
        add(label, kind, v4, v6, CMD[kind], d)
        if kind == "gobgp" and (d / "routes.sh").exists():
            nodes[label]["exec"].append("sh /config/routes.sh")
    topo = {"name": ixp, "topology": {"nodes": nodes, "links": links}}
    out.parent.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.default_flow_style = False
    with out.open("w") as fh:
        fh.write(f"# containerlab topology of the {inv.ixp.name} route-server lab, written by "
                 f"`ixpctl lab export containerlab`.\n# Before `containerlab deploy`: ip link add {bridge} type "
                 f"bridge && ip link set {bridge} up\n# Images: see ixpctl/lab/clab.py (build them from the "
                 f"Debian packages bird2, gobgpd, exabgp).\n")
        yaml.dump(topo, fh)
    return topo
