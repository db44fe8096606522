"""A small IXP and one route per behaviour of the import policy, shared by the Python and BIRD
back-end tests (so both are checked against the same expectations)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ixpctl.inventory import load_inventory
from ixpctl.policy.evaluate import Route
from ixpctl.policy.intent import RouteServerIntent, compile_route_server, for_bird
from ixpctl.policy.loader import load_policy
from ixpctl.sources.facts import Facts, IrrExpansion, PdbNetwork
from tests.support.builders import base_inventory, make_member, write_inventory

REPO = Path(__file__).resolve().parents[2]
RS = 64500
M1, M2, M3 = 64501, 64502, 64503
NH1, NH2, NH3 = "192.0.2.11", "192.0.2.12", "192.0.2.13"


def policy_facts() -> Facts:
    f = Facts()
    f.irr["RIPE::AS-MEMBER1"] = IrrExpansion(
        "RIPE::AS-MEMBER1", [M1, 64510],
        [("198.18.0.0/22", 22, 22), ("198.18.0.0/23", 23, 23), ("198.18.10.0/24", 24, 24),
         ("198.18.30.0/24", 24, 24)],
        [("2001:db8:1000::/36", 36, 48)])
    f.irr["RIPE::AS-MEMBER2"] = IrrExpansion("RIPE::AS-MEMBER2", [M2], [("198.18.50.0/24", 24, 24)],
                                             [("2001:db8:2000::/48", 48, 48)])
    f.irr["RIPE::AS-MEMBER3"] = IrrExpansion("RIPE::AS-MEMBER3", [M3], [("198.18.60.0/24", 24, 24)], [])
    f.vrps = [("198.18.0.0/22", 22, M1), ("198.18.20.0/24", 24, M1), ("198.18.30.0/24", 24, 64999),
              ("2001:db8:1000::/36", 48, M1)]
    f.peeringdb[64511] = PdbNetwork(64511, "Hypothetical Backbone", never_via_route_servers=True)
    # 64510 (an origin of AS-MEMBER1) says its providers are M1 and 64507 (see ASPA_CASES)
    f.aspas = [(64510, (M1, 64507))]
    return f


def policy_intent(tmp_path: Path, bird_version: str | None = None) -> RouteServerIntent:
    """The test IXP's intent; ``bird_version`` retargets it (e.g. "3.1": ASPA runs)."""
    intent = _policy_intent(tmp_path)
    return for_bird(intent, bird_version) if bird_version else intent


def _policy_intent(tmp_path: Path) -> RouteServerIntent:
    data = base_inventory(members=0)
    data["members"] = [
        make_member(1),
        make_member(2, policy={"blackhole": {"enabled": True}, "next_hop": {"policy": "same_as"}}),
        make_member(3, policy={"irr": {"enforce_prefix": False},
                               "lists": {"black_list_prefixes": ["198.18.60.0/24"]}}),
    ]
    data["members"][1]["connections"].append({"ipv4": "192.0.2.22", "switch": "sw1", "ports": ["Ethernet22"],
                                              "macs": ["02:00:00:00:00:22"]})
    loaded = load_inventory(write_inventory(tmp_path, data))
    policy = load_policy(REPO / "policies" / "default.yml")
    return compile_route_server(loaded, policy, policy_facts(), loaded.inventory.route_servers[0])


@dataclass
class Case:
    label: str
    session: str
    route: Route
    expect: str | None  # name of the rejecting check, None = accepted
    tags: tuple = ()  # large communities that must be on the route
    bird: bool = True  # expressible in the BIRD harness (no AS_SET)


def r(prefix, path, nh, communities=(), large=()):
    return Route.make(prefix, path, nh, communities, large)


S1, S1v6, S2, S3 = "AS64501_1_v4", "AS64501_1_v6", "AS64502_1_v4", "AS64503_1_v4"
CASES: list[Case] = [
    Case("accepted: route object + RPKI valid", S1, r("198.18.0.0/22", [M1], NH1), None,
         ((RS, 1001, 1), (RS, 1000, 1))),
    Case("accepted: second origin of the AS-SET, RPKI not found", S1, r("198.18.10.0/24", [M1, 64510], NH1), None,
         ((RS, 1001, 1), (RS, 1000, 2))),
    Case("accepted: RPKI valid without route object (ROA as route object)", S1,
         r("198.18.20.0/24", [M1], NH1), None, ((RS, 1001, 2),)),
    Case("accepted: IPv6", S1v6, r("2001:db8:1000::/48", [M1], "2001:db8:0:10::b"), None, ((RS, 1001, 1),)),
    Case("next hop of another member", S1, r("198.18.0.0/22", [M1], NH2), "next_hop"),
    Case("next hop: same-member address allowed with same_as", S2, r("198.18.50.0/24", [M2], "192.0.2.22"), None),
    Case("default route", S1, r("0.0.0.0/0", [M1], NH1), "default_route"),
    Case("bogon", S1, r("10.0.0.0/8", [M1], NH1), "bogon"),
    Case("bogon more-specific", S1, r("100.64.10.0/24", [M1], NH1), "bogon"),
    Case("peering LAN", S1, r("192.0.2.0/24", [M1], NH1), "peering_lan"),
    Case("too long", S1, r("198.18.0.0/25", [M1], NH1), "prefix_length"),
    Case("too short", S1, r("198.0.0.0/7", [M1], NH1), "prefix_length"),
    Case("IPv6 outside 2000::/3", S1v6, r("4000::/16", [M1], "2001:db8:0:10::b"), "ipv6_global_unicast"),
    Case("first AS is not the peer", S1, r("198.18.0.0/22", [64999, M1], NH1), "first_as"),
    Case("AS_PATH too long", S1, r("198.18.0.0/22", [M1] * 33, NH1), "as_path_length"),
    Case("AS_PATH of 32 is fine", S1, r("198.18.0.0/22", [M1] * 32, NH1), None),
    Case("private ASN in path", S1, r("198.18.0.0/22", [M1, 65000, M1], NH1), "invalid_asn"),
    Case("AS_TRANS in path", S1, r("198.18.0.0/22", [M1, 23456, M1], NH1), "invalid_asn"),
    Case("AS_SET at the end", S1, r("198.18.0.0/22", [("seq", (M1,)), ("set", (64510, 64511))], NH1),
         "as_set", bird=False),
    Case("transit-free ASN behind the peer", S1, r("198.18.0.0/22", [M1, 3356, M1], NH1), "transit_free"),
    Case("never via route servers (PeeringDB)", S1, r("198.18.0.0/22", [M1, 64511, M1], NH1), "never_via_rs"),
    Case("origin not in AS-SET", S1, r("198.18.0.0/22", [M1, 64509], NH1), "irr_origin"),
    Case("prefix without route object or ROA", S1, r("198.18.40.0/24", [M1], NH1), "irr_prefix"),
    Case("RPKI invalid: wrong origin", S1, r("198.18.30.0/24", [M1], NH1), "rpki_invalid"),
    Case("RPKI invalid: longer than maxLength", S1, r("198.18.0.0/23", [M1], NH1), "rpki_invalid"),
    Case("blackhole from a member that did not opt in", S1,
         r("198.18.0.0/22", [M1], NH1, [(65535, 666)]), "blackhole_not_allowed"),
    Case("blackhole /32 from an opted-in member", S2, r("198.18.50.7/32", [M2], NH2, [(65535, 666)]), None),
    Case("blackhole outside the member's space", S2, r("198.18.51.7/32", [M2], NH2, [(65535, 666)]),
         "irr_prefix"),
    Case("black-listed prefix", S3, r("198.18.60.0/24", [M3], NH3), "black_list"),
    Case("tag mode: missing route object tagged, accepted", S3, r("198.18.70.0/24", [M3], NH3), None,
         ((RS, 65521, 12),)),
    Case("graceful shutdown accepted", S1, r("198.18.0.0/22", [M1], NH1, [(65535, 0)]), None),
    Case("forged RS reject tag is removed", S1, r("198.18.0.0/22", [M1], NH1, (), [(RS, 65520, 2)]), None,
         ((RS, 1001, 1),)),
]

# ASPA upstream verification (BIRD >= 2.16): the same routes on every target; only the targets that
# run ASPA tag the invalid one (RS:65521:21, policy aspa.reject_invalid: false). (label, route, state)
ASPA_CASES: list[tuple[str, Route, str]] = [
    ("ASPA valid: 64510 lists M1 as provider", r("198.18.10.0/24", [M1, 64510], NH1), "valid"),
    ("ASPA unknown: 64507 has no ASPA", r("198.18.10.0/24", [M1, 64507, 64510], NH1), "unknown"),
    ("ASPA invalid: 64510 does not list 64508", r("198.18.10.0/24", [M1, 64508, 64510], NH1), "invalid"),
]
