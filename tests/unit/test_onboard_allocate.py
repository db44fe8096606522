"""Address, port and MAC allocation for `ixpctl onboard` (pure functions of the inventory)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

import pytest

from ixpctl.inventory.models import Inventory
from ixpctl.onboard import allocate
from ixpctl.onboard.model import OnboardRefused
from ixpctl.sources.facts import PdbNetIxLan
from tests.support.builders import base_inventory


@pytest.fixture
def inv() -> Inventory:
    data = base_inventory(members=3)  # members .11-.13 / ::b-::d, Ethernet1-3
    data["switches"][0]["uplinks"] = ["Ethernet32"]
    return Inventory.model_validate(data)


def lan(inv: Inventory):
    return inv.ixp.lans[0]


def test_next_free_skips_used_and_starts_at_offset():
    net = IPv4Network("192.0.2.0/24")
    used = {ip_address("192.0.2.10"), ip_address("192.0.2.11")}
    assert str(allocate.next_free(net, used)) == "192.0.2.12"


def test_next_free_never_gives_network_or_broadcast_and_says_when_full():
    net = IPv4Network("192.0.2.0/30")  # hosts .1 and .2
    assert str(allocate.next_free(net, set())) == "192.0.2.1"
    with pytest.raises(OnboardRefused, match="no free address"):
        allocate.next_free(net, {ip_address("192.0.2.1"), ip_address("192.0.2.2")})


def test_mirrored_ipv6_follows_the_ipv4_last_octet():
    assert str(allocate.mirrored_ipv6(ip_address("192.0.2.23"), IPv6Network("2001:db8:0:10::/64"))) == \
        "2001:db8:0:10::23"


def test_next_free_pair_skips_route_servers_and_members(inv):
    plans = allocate.allocate_addresses(inv, lan(inv))
    assert (plans[0].ipv4, plans[0].ipv6) == ("192.0.2.10", "2001:db8:0:10::10")
    assert plans[0].ipv4_source == "next free"


def test_peeringdb_addresses_are_taken_when_free(inv):
    row = PdbNetIxLan(64507, 1, "192.0.2.23", "2001:db8:0:10::23", is_rs_peer=True)
    plans = allocate.allocate_addresses(inv, lan(inv), pdb_rows=[row])
    assert (plans[0].ipv4, plans[0].ipv6, plans[0].ipv4_source) == ("192.0.2.23", "2001:db8:0:10::23", "peeringdb")


def test_peeringdb_address_taken_by_another_member_falls_back_with_a_note(inv):
    notes: list[str] = []
    row = PdbNetIxLan(64507, 1, "192.0.2.11", None)
    plans = allocate.allocate_addresses(inv, lan(inv), pdb_rows=[row], notes=notes)
    assert plans[0].ipv4 == "192.0.2.10" and "taken by AS64501" in notes[0]


def test_own_addresses_count_as_free_on_a_rerun(inv):
    row = PdbNetIxLan(64501, 1, "192.0.2.11", "2001:db8:0:10::b")
    plans = allocate.allocate_addresses(inv, lan(inv), pdb_rows=[row], exclude_asn=64501)
    assert (plans[0].ipv4, plans[0].ipv6) == ("192.0.2.11", "2001:db8:0:10::b")


@pytest.mark.parametrize("flag, value, message", [
    ("ipv4", "192.0.2.11", "already taken by AS64501"),
    ("ipv4", "192.0.2.1", "already taken by route server rs1"),
    ("ipv4", "198.51.100.1", "not in the peering LAN"),
    ("ipv4", "192.0.2.255", "network or broadcast"),
    ("ipv6", "2001:db8:0:10::b", "already taken"),
    ("ipv4", "banana", "not an IP address"),
])
def test_flag_addresses_are_checked(inv, flag, value, message):
    with pytest.raises(OnboardRefused, match=message):
        allocate.allocate_addresses(inv, lan(inv), **{flag: value})


def test_flag_address_wins_and_the_other_family_is_allocated(inv):
    plans = allocate.allocate_addresses(inv, lan(inv), ipv4="192.0.2.42")
    assert (plans[0].ipv4, plans[0].ipv6, plans[0].ipv4_source, plans[0].ipv6_source) == \
        ("192.0.2.42", "2001:db8:0:10::42", "--ipv4", "next free")


def test_free_port_is_the_first_unused_non_uplink(inv):
    assert allocate.pick_port(inv, "sw1", None) == ("Ethernet4", 10000)
    assert allocate.pick_port(inv, "sw1", None, exclude_asn=64501) == ("Ethernet1", 10000)


@pytest.mark.parametrize("switch, port, message", [
    ("sw1", "Ethernet2", "already used by AS64502"),
    ("sw1", "Ethernet32", "is an uplink"),
    ("sw1", "Ethernet99", "no such port"),
    ("sw9", None, "unknown switch"),
])
def test_port_refusals(inv, switch, port, message):
    with pytest.raises(OnboardRefused, match=message):
        allocate.pick_port(inv, switch, port)


def test_macs_are_normalised_and_checked(inv):
    assert allocate.normalise_macs(["02:00:5E:10:00:01", "0200.5e10.0001"]) == ["02:00:5e:10:00:01"]
    with pytest.raises(OnboardRefused, match="not a MAC address"):
        allocate.normalise_macs(["02:00:5e:10:00"])
    with pytest.raises(OnboardRefused, match="already recorded for AS64501"):
        allocate.check_macs_free(inv, ["02:00:00:00:00:01"])


def test_next_free_skips_addresses_other_networks_registered_in_peeringdb(inv):
    plans = allocate.allocate_addresses(inv, lan(inv), reserved=["192.0.2.10", "2001:db8:0:10::10"])
    assert (plans[0].ipv4, plans[0].ipv6) == ("192.0.2.14", "2001:db8:0:10::14")
    flagged = allocate.allocate_addresses(inv, lan(inv), ipv4="192.0.2.10", reserved=["192.0.2.10"])
    assert flagged[0].ipv4 == "192.0.2.10"  # a human decision may take it
