"""Mistakes `validate` used to accept silently although they produce wrong configs (issue #15, item 13)."""

from __future__ import annotations

import pytest

from tests.support.builders import base_inventory, make_member
from tests.support.ixp_repo import make_repo, one_line


def line_of(path, needle: str, after: str | None = None) -> int:
    lines = path.read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if after in l) if after else 0
    return next(i for i, l in enumerate(lines) if i >= start and needle in l) + 1


def test_two_route_servers_with_the_same_address(tmp_path):
    data = base_inventory()
    data["route_servers"][1]["ipv4"] = data["route_servers"][0]["ipv4"]
    data["route_servers"][1]["ipv6"] = data["route_servers"][0]["ipv6"]
    repo = make_repo(tmp_path, data)
    result = repo.cli("validate", "-q")
    text = one_line(result)
    assert result.exit_code == 1, text
    assert "route_servers[1].ipv4" in text and "route_servers[1].ipv6" in text and "also the address of rs1" in text


def test_overlapping_peering_lans(tmp_path):
    data = base_inventory()
    data["ixp"]["lans"].append({"name": "lan2", "vlan": 20, "ipv4": "192.0.2.128/25"})
    for item in data["route_servers"] + [c for m in data["members"] for c in m["connections"]]:
        item["lan"] = "lan1"  # nothing else wrong: only the overlap
    repo = make_repo(tmp_path, data)
    result = repo.cli("validate", "-q")
    text = one_line(result)
    assert result.exit_code == 1, text
    assert "ixp.lans[1].ipv4" in text and "overlaps" in text and "lan1" in text
    assert f"ixp.yml:{line_of(repo.inventory, 'ipv4: 192.0.2.128/25')}" in text


def test_a_member_authorised_to_use_another_members_router_as_next_hop(tmp_path):
    data = base_inventory(members=0)
    data["members"] = [make_member(1, policy={"next_hop": {"policy": "authorized", "authorized": ["192.0.2.12"]}}),
                       make_member(2)]
    repo = make_repo(tmp_path, data)
    result = repo.cli("validate", "-q")
    text = one_line(result)
    assert result.exit_code == 1, text
    assert "members[0].policy.next_hop.authorized[0]" in text and "AS64502" in text
    assert f"ixp.yml:{line_of(repo.inventory, '192.0.2.12', after='authorized')}" in text


def test_a_max_prefix_of_zero(tmp_path):
    data = base_inventory()
    data["members"][0]["max_prefix"] = {"ipv6": 0}
    repo = make_repo(tmp_path, data)
    result = repo.cli("validate", "-q")
    text = one_line(result)
    assert result.exit_code == 2, text
    assert "members[0].max_prefix.ipv6" in text and f"ixp.yml:{line_of(repo.inventory, 'ipv6: 0')}" in text
    assert "no IPv6" in text  # says what to do instead


@pytest.mark.parametrize("where", ["member", "policy"])
def test_restart_after_is_bounded(tmp_path, where):
    data = base_inventory()
    if where == "member":
        data["members"][0]["policy"] = {"max_prefix": {"restart_after": 10**7}}
    repo = make_repo(tmp_path, data)
    if where == "policy":
        repo.policy.write_text(repo.policy.read_text().replace("restart_after: 15 ", "restart_after: 10000000 "))
    result = repo.cli("validate", "-q")
    text = one_line(result)
    assert result.exit_code == 2, text
    target = repo.inventory if where == "member" else repo.policy
    assert f"{target}:{line_of(target, 'restart_after: 10000000')}" in text and "10080" in text
