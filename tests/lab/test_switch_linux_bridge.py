"""The switch push pipeline against a real, stateful switch: a Linux bridge in a network namespace.

What this proves (and what it does not): no vendor NOS can run on this machine, so the vendor
templates are covered by golden files and syntax checks only (tests/unit/test_switch_render.py). Here
the *pipeline* — render → load → diff → commit → verify → rollback — runs for real against the
kernel through ixpctl's own NAPALM driver (ixpctl.switch.linux_bridge), and real frames prove the
hygiene rules: a second MAC, a DHCP offer, an ICMPv6 RA, DHCPv6, a BPDU and LLDP are dropped while
IPv4, ARP and IPv6 between members pass.

Topology (all names recorded and deleted by the ``netns`` fixture, even on failure):
    ns ixm1<pid>: eth0 02:00:00:00:00:01 198.18.0.1/24 ─ veth ─ p1 ┐
                                                                    ├ bridge lbsw in ns ixsw<pid>
    ns ixm2<pid>: eth0 02:00:00:00:00:02 198.18.0.2/24 ─ veth ─ p2 ┘
Addresses exist only inside these namespaces.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from ixpctl.inventory import load_inventory
from ixpctl.switch import push
from ixpctl.switch.build import render_switches
from ixpctl.switch.linux_bridge import LinuxBridgeDriver
from tests.support.builders import make_member, write_inventory
from tests.support.netns import netns  # noqa: F401  (fixture)

pytestmark = [pytest.mark.lab]

PROBE = str(Path(__file__).resolve().parent.parent / "support" / "l2probe.py")
MAC1, MAC2, FOREIGN = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:99"


def lab_inventory(ns_sw: str, *, m1_mac: str = MAC1, ghost: bool = False) -> dict:
    ports = [{"name": "p1"}, {"name": "p2"}, {"name": "p3"}] + ([{"name": "ghost0"}] if ghost else [])
    members = [
        make_member(1, connections=[{"ipv4": "198.18.0.1", "ipv6": "2001:db8:18::1", "switch": "lbsw",
                                     "ports": ["p1"], "macs": [m1_mac]}]),
        make_member(2, connections=[{"ipv4": "198.18.0.2", "ipv6": "2001:db8:18::2", "switch": "lbsw",
                                     "ports": ["p2"], "macs": [MAC2]}]),
    ]
    if ghost:  # a port that is in the inventory but not cabled: the kernel refuses it at commit
        members.append(make_member(3, connections=[{"ipv4": "198.18.0.3", "switch": "lbsw", "ports": ["ghost0"],
                                                    "macs": ["02:00:00:00:00:03"]}]))
    return {
        "ixp": {"name": "LABIX", "rs_asn": 64500,
                "lans": [{"name": "lab", "vlan": 10, "ipv4": "198.18.0.0/24", "ipv6": "2001:db8:18::/64"}],
                "fictional_resources": {"enabled": True, "reason": "lab inventory inside network namespaces"}},
        "route_servers": [{"name": "rs1", "router_id": "198.18.0.254", "ipv4": "198.18.0.254",
                           "ipv6": "2001:db8:18::fe"}],
        "switches": [{"name": "lbsw", "platform": "linux_bridge", "mgmt_host": f"netns:{ns_sw}", "ports": ports}],
        "members": members,
    }


@pytest.fixture
def lab(netns, tmp_path):  # noqa: F811
    sfx = str(os.getpid() % 100000)
    ns_sw, ns_m1, ns_m2 = netns.add(f"ixsw{sfx}"), netns.add(f"ixm1{sfx}"), netns.add(f"ixm2{sfx}")
    netns.run(ns_sw, "ip", "link", "add", "lbsw", "type", "bridge", "mcast_snooping", "0")
    netns.run(ns_sw, "ip", "link", "set", "lbsw", "up")
    for i, (ns_m, mac) in enumerate(((ns_m1, MAC1), (ns_m2, MAC2)), start=1):
        netns.run(ns_sw, "ip", "link", "add", f"p{i}", "type", "veth", "peer", "name", "eth0", "netns", ns_m)
        netns.run(ns_sw, "ip", "link", "set", f"p{i}", "master", "lbsw", "up")
        netns.run(ns_m, "ip", "link", "set", "eth0", "address", mac, "up")
        netns.run(ns_m, "ip", "addr", "add", f"198.18.0.{i}/24", "dev", "eth0")
        netns.run(ns_m, "ip", "-6", "addr", "add", f"2001:db8:18::{i}/64", "dev", "eth0", "nodad")
    # p3 exists on the bridge but has no member: it is rendered as "unused" and must end up down
    netns.run(ns_sw, "ip", "link", "add", "p3", "type", "veth", "peer", "name", "p3x")
    netns.run(ns_sw, "ip", "link", "set", "p3", "master", "lbsw", "up")
    return {"netns": netns, "sw": ns_sw, "m1": ns_m1, "m2": ns_m2, "dir": tmp_path}


def rendered_for(lab, **kwargs):
    path = write_inventory(lab["dir"] / f"inv-{time.monotonic_ns()}", lab_inventory(lab["sw"], **kwargs))
    return render_switches(load_inventory(path))


def do_push(lab, mode="push", **kwargs):
    return push.run(rendered_for(lab, **kwargs), mode=mode, limits=None, timeout=10)


def driver(lab) -> LinuxBridgeDriver:
    d = LinuxBridgeDriver(f"netns:{lab['sw']}", optional_args={"bridge": "lbsw"}, timeout=10)
    d.open()
    return d


def frames_seen(lab, sender: str, frames: list[dict], seconds: float = 1.5) -> set[str]:
    """Tokens of the frames sent from ``sender``'s namespace that reached the other member."""
    receiver = lab["m2"] if sender == lab["m1"] else lab["m1"]
    listener = lab["netns"].popen(receiver, sys.executable, PROBE, "listen", "eth0", str(seconds))
    try:
        assert listener.stdout.readline().strip() == "ready"
        lab["netns"].run(sender, sys.executable, PROBE, "send", "eth0", json.dumps(frames))
        out, err = listener.communicate(timeout=seconds + 10)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    assert listener.returncode == 0, err
    return set(json.loads(out.strip().splitlines()[-1]))


def echo(lab, client_ns: str, server_ns: str, addr: str, port: int = 40007) -> None:
    server = lab["netns"].popen(server_ns, sys.executable, PROBE, "serve", addr, str(port), "8")
    try:
        assert server.stdout.readline().strip() == "ready"
        lab["netns"].run(client_ns, sys.executable, PROBE, "ask", addr, str(port), timeout=15)
        out, err = server.communicate(timeout=10)
        assert "served" in out, err
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


HYGIENE_FRAMES = [
    {"kind": "udp4", "src": MAC1, "token": "ok4"},
    {"kind": "udp6", "src": MAC1, "token": "ok6"},
    {"kind": "udp4", "src": FOREIGN, "token": "foreignmac"},
    {"kind": "dhcp-offer", "src": MAC1, "token": "dhcpoffer"},
    {"kind": "ra", "src": MAC1, "token": "ra"},
    {"kind": "dhcpv6", "src": MAC1, "token": "dhcpv6"},
    {"kind": "bpdu", "src": MAC1, "token": "bpdu"},
    {"kind": "lldp", "src": MAC1, "token": "lldp"},
]


def test_push_diff_commit_verify_and_packets(lab):
    # Before the push nothing is filtered: every frame crosses (proves the probe sees all kinds).
    before = frames_seen(lab, lab["m1"], HYGIENE_FRAMES)
    assert {"ok4", "ok6", "foreignmac", "dhcpoffer", "ra", "dhcpv6"} <= before

    report = do_push(lab, mode="diff")
    assert report.ok and report.results[0].status == "would-change"
    assert '"mac-allow"' in report.results[0].diff and "commit_config" not in report.results[0].steps

    report = do_push(lab)
    result = report.results[0]
    assert report.ok, result.error
    assert result.status == "changed"
    assert result.steps[:4] == ["open", "load_merge_candidate", "compare_config", "commit_config"]
    assert "verify: compare_config" in result.steps  # verified: the kernel matches the candidate

    # The kernel holds what was pushed (read back, not cached).
    running = driver(lab).running_document(also=["p3"])
    assert running["ports"]["p1"]["macs"] == [MAC1]
    assert running["ports"]["p1"]["guards"] == ["stp-bpdu", "mac-allow", "ethertype", "icmpv6-ra", "dhcp", "dhcpv6"]
    # unused port: down, and (one bridge = one VLAN on kernels without VLAN filtering) in no VLAN
    assert running["ports"]["p3"]["state"] == "down" and running["ports"]["p3"]["vlans"] == []
    assert running["vlans"] == [10]

    # A second push finds nothing to do and commits nothing.
    again = do_push(lab).results[0]
    assert again.status == "unchanged" and "commit_config" not in again.steps

    # Real frames: only the member's own IPv4/IPv6 from its registered MAC cross the bridge.
    assert frames_seen(lab, lab["m1"], HYGIENE_FRAMES) == {"ok4", "ok6"}
    # Normal traffic between members works both ways: unicast UDP echo through the kernels' own
    # stacks needs ARP (IPv4) and neighbour discovery (IPv6) in both directions.
    echo(lab, lab["m1"], lab["m2"], "198.18.0.2")
    echo(lab, lab["m2"], lab["m1"], "198.18.0.1")
    echo(lab, lab["m1"], lab["m2"], "2001:db8:18::2")


def test_diff_sees_changes_made_behind_ixpctls_back(lab):
    assert do_push(lab).ok
    lab["netns"].run(lab["sw"], "ip", "link", "set", "p2", "down")
    lab["netns"].run(lab["sw"], "nft", "flush", "chain", "bridge", "ixpctl", "port_p1")
    result = do_push(lab, mode="diff").results[0]
    assert result.status == "would-change"
    assert '"state": "down"' in result.diff and '"mac-allow"' in result.diff


def test_failed_commit_rolls_back_to_previous_state(lab):
    assert do_push(lab).ok
    d = driver(lab)
    before = d.running_document(also=["p3", "ghost0"])

    # Broken candidate: m1's MAC changed (applied first, with the nftables table) and a port that
    # is not cabled (the kernel refuses it afterwards) → commit fails half-way → rollback.
    report = do_push(lab, m1_mac=FOREIGN, ghost=True)
    result = report.results[0]
    assert not report.ok
    assert result.status == "failed" and result.stage == "commit"
    assert "lbsw" in result.error and "ghost0" in result.error
    assert result.rollback and result.rollback.startswith("done")
    assert "rollback" in result.steps
    with pytest.raises(Exception) as err:
        report.raise_for_failures()
    assert getattr(err.value, "exit_code", None) == 5

    assert d.running_document(also=["p3", "ghost0"]) == before
    # And the packets agree: the registered MAC passes again, the would-be new one does not.
    seen = frames_seen(lab, lab["m1"], [{"kind": "udp4", "src": MAC1, "token": "old"},
                                        {"kind": "udp4", "src": FOREIGN, "token": "new"}])
    assert seen == {"old"}


def test_limit_to_one_port_leaves_the_others_alone(lab):
    rendered = rendered_for(lab)
    report = push.run(rendered, mode="push", limits={"lbsw": {"p2"}}, timeout=10)
    assert report.ok and report.results[0].sections == ["p2"]
    running = driver(lab).running_document()
    assert running["ports"]["p2"]["guards"] and not running["ports"]["p1"]["guards"]


def test_cli_push_and_diff_json(lab):
    from click.testing import CliRunner

    from ixpctl.cli import main

    inv = write_inventory(lab["dir"] / "cli", lab_inventory(lab["sw"]))
    runner = CliRunner()
    pushed = runner.invoke(main, ["-i", str(inv), "switch", "push", "--yes", "--json"], catch_exceptions=False)
    assert pushed.exit_code == 0, pushed.output
    assert json.loads(pushed.stdout)["switches"][0]["status"] == "changed"
    diffed = runner.invoke(main, ["-i", str(inv), "switch", "diff", "--json"], catch_exceptions=False)
    assert diffed.exit_code == 0 and json.loads(diffed.stdout)["switches"][0]["status"] == "unchanged"
