"""IX-F export of ``ixp.looking_glass``: ``looking_glass_urls`` of ixp_list[].vlan[].ipv4/ipv6, the
place the Euro-IX schema (../shared/schemas, 1.0 and 0.7) has for it, only on the VLANs and
protocols the route servers (whose routes the looking glass shows) have an address in."""

from __future__ import annotations

import pytest

from ixpctl.inventory import load_inventory
from ixpctl.policy.loader import load_policy
from ixpctl.publish.ixf import member_list
from tests.support.builders import base_inventory, write_inventory
from tests.support.diff_repo import diff_facts
from tests.unit.test_ixf import NOW, REPO, assert_valid

LG = "https://lg.example.net/routeservers"


def export(tmp_path, data: dict, version: str) -> dict:
    inv = load_inventory(write_inventory(tmp_path, data)).inventory
    doc = member_list(inv, diff_facts(), load_policy(REPO / "policies" / "default.yml"), version=version, now=NOW)
    assert_valid(doc, version)
    return doc


@pytest.mark.parametrize("version", ["1.0", "0.7"])
def test_looking_glass_on_every_family_the_route_servers_serve(tmp_path, version):
    data = base_inventory()
    data["ixp"]["looking_glass"] = LG
    (vlan,) = export(tmp_path, data, version)["ixp_list"][0]["vlan"]
    assert vlan["ipv4"]["looking_glass_urls"] == [LG] and vlan["ipv6"]["looking_glass_urls"] == [LG]


@pytest.mark.parametrize("version", ["1.0", "0.7"])
def test_not_where_no_route_server_has_an_address(tmp_path, version):
    data = base_inventory()
    data["ixp"]["looking_glass"] = LG
    for rs in data["route_servers"]:
        del rs["ipv6"]  # route servers on IPv4 only: the looking glass has nothing to show for IPv6
    (vlan,) = export(tmp_path, data, version)["ixp_list"][0]["vlan"]
    assert vlan["ipv4"]["looking_glass_urls"] == [LG]
    assert "looking_glass_urls" not in vlan["ipv6"]


def test_absent_without_a_looking_glass(tmp_path):
    (vlan,) = export(tmp_path, base_inventory(), "1.0")["ixp_list"][0]["vlan"]
    assert "looking_glass_urls" not in vlan["ipv4"] and "looking_glass_urls" not in vlan["ipv6"]
