"""The audit's comparison (switch/audit.py) on its own: pure data in, findings out."""

from __future__ import annotations

from ixpctl.inventory import load_inventory
from ixpctl.switch.audit import compare
from ixpctl.switch.intent import switch_intent
from ixpctl.switch.live import LiveState, MacEntry, Neighbor, PortState, canonical
from tests.support.builders import write_inventory
from tests.support.switch_builders import platform_inventory


def intent(tmp_path):
    inv = load_inventory(write_inventory(tmp_path, platform_inventory("eos"))).inventory
    return switch_intent(inv, inv.switches[0])


def kinds(findings):
    return sorted((f.kind, f.port) for f in findings)


def test_lag_macs_uplinks_and_disabled_ports(tmp_path):
    it = intent(tmp_path)
    live = LiveState("sw1", macs=[
        MacEntry("02:00:00:00:00:03", "Port-Channel10", 10),  # member 3 on its LAG: fine
        MacEntry("02:00:00:00:00:01", "Ethernet9", 10),  # member 1's MAC seen behind the uplink: fine
        MacEntry("02:00:00:00:00:04", "Ethernet5", 10),  # a disabled member's own MAC on its own port
    ], neighbors=[Neighbor("Ethernet9", "lldp", "core"), Neighbor("Ethernet3", "stp", "02:00:00:00:00:03")],
        ports={"Ethernet1": PortState(True), "Ethernet3": PortState(True), "Ethernet4": PortState(False),
               "Port-Channel10": PortState(True), "Ethernet5": PortState(True), "Ethernet9": PortState(True)})
    assert kinds(compare(it, live)) == [("control-protocol", "Ethernet3"), ("member-port-down", "Ethernet4"),
                                        ("unassigned-port-up", "Ethernet5")]


def test_errors_rising_only_against_a_previous_reading(tmp_path):
    it = intent(tmp_path)
    live = LiveState("sw1", ports={"Ethernet1": PortState(True, rx_errors=10, tx_errors=1),
                                   "Ethernet9": PortState(True, rx_errors=99)})
    assert compare(it, live) == []
    found = compare(it, live, {"Ethernet1": {"rx_errors": 4, "tx_errors": 1}, "Ethernet9": {"rx_errors": 0}})
    assert [(f.kind, f.port, f.detail) for f in found] == [("errors-rising", "Ethernet1", "rx_errors +6")]


def test_short_interface_names_are_mapped_to_the_inventory_spelling():
    known = {"GigabitEthernet0/0/1", "XGigabitEthernet0/0/2", "Ethernet1/3"}
    assert canonical("GE0/0/1", known) == "GigabitEthernet0/0/1"
    assert canonical("XGE0/0/2", known) == "XGigabitEthernet0/0/2"
    assert canonical("Eth1/3", known) == "Ethernet1/3"
    assert canonical("Eth-Trunk10", known) == "Eth-Trunk10"
