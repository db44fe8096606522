"""The impact report's numbers against a small example computed by hand (see the comments).

Country ML in the RIR file below:
  holder A: AS64501, 10.1.0.0/22 (1024), 2001:db8:a::/48            -> member AS64501
  holder B: AS64502, 10.2.0.0 + 768 addresses (a /23 and a /24)       -> member AS64502
  holder C: AS64600-64601, 10.3.0.0/20 (4096), 2001:db8:c::/47        -> not a member
  holder D: AS64610, 10.4.0.0/24 (256)                                -> not a member
  (SN: AS64503, a member from abroad; an "available" row without country)
  => 5 ASNs; IPv4 1024 + 768 + 4096 + 256 = 6144 addresses; IPv6 2**80 + 2**81 = 3 * 2**80.
"""

from __future__ import annotations

import pytest

from ixpctl.inventory.models import Inventory
from ixpctl.policy.model import Policy
from ixpctl.report.assemble import assemble
from ixpctl.report.impact import compute
from ixpctl.report.state import RsRoute, RsSession, RsState
from ixpctl.sources.facts import Facts, IrrExpansion
from ixpctl.sources.rir import parse
from tests.support.builders import base_inventory

RIR = """\
2|afrinic|20260101|12|19700101|20260101|+0000
afrinic|*|asn|*|6|summary
afrinic|*|ipv4|*|6|summary
afrinic|ML|asn|64501|1|20100101|allocated|A
afrinic|ML|ipv4|10.1.0.0|1024|20100101|allocated|A
afrinic|ML|ipv6|2001:db8:a::|48|20100101|allocated|A
afrinic|ML|asn|64502|1|20100101|allocated|B
afrinic|ML|ipv4|10.2.0.0|768|20100101|assigned|B
afrinic|ML|asn|64600|2|20100101|allocated|C
afrinic|ML|ipv4|10.3.0.0|4096|20100101|allocated|C
afrinic|ML|ipv6|2001:db8:c::|47|20100101|allocated|C
afrinic|ML|asn|64610|1|20100101|allocated|D
afrinic|ML|ipv4|10.4.0.0|256|20100101|allocated|D
afrinic|SN|asn|64503|1|20100101|allocated|E
afrinic|SN|ipv4|10.9.0.0|256|20100101|allocated|E
afrinic||ipv4|10.8.0.0|256||available|
"""


def _inventory() -> Inventory:
    data = base_inventory(3)  # AS64501..64503, AS-SETs RIPE::AS-MEMBER1..3
    data["ixp"]["country"] = "ML"
    data["critical_services"] = [
        {"name": "ccTLD ns", "kind": "cctld", "prefixes": ["10.1.1.53/32"]},
        {"name": "government", "kind": "government", "prefixes": ["10.2.0.0/22"]},
        {"name": "bank", "kind": "bank", "asns": [64610]},
        {"name": "via transit", "asns": ["AS64600"]},
    ]
    return Inventory.model_validate(data)


def _facts() -> Facts:
    return Facts(
        irr={"RIPE::AS-MEMBER1": IrrExpansion("RIPE::AS-MEMBER1", [64501], [("10.1.0.0/22", 22, 24)],
                                              [("2001:db8:a::/48", 48, 48)]),
             "RIPE::AS-MEMBER2": IrrExpansion("RIPE::AS-MEMBER2", [64502], [("10.2.0.0/23", 23, 23)]),
             "RIPE::AS-MEMBER3": IrrExpansion("RIPE::AS-MEMBER3", [64503], [("10.9.0.0/24", 24, 24)])},
        vrps=[("10.1.0.0/22", 24, 64501), ("10.7.0.0/16", 16, 64999)])


def _state() -> RsState:
    r = RsRoute
    return RsState("2026-12-01T10:00:00Z", ["rs1", "rs2"],
                   [RsSession("rs1", "AS64501_1_v4", 64501, True), RsSession("rs2", "AS64501_1_v4", 64501, False),
                    RsSession("rs1", "AS64502_1_v4", 64502, True), RsSession("rs1", "AS64503_1_v4", 64503, True)],
                   [r("rs1", 64501, "10.1.0.0/22", True, None, 64501),
                    r("rs2", 64501, "10.1.0.0/22", True, None, 64501),  # same route on rs2: counted once
                    r("rs1", 64501, "10.1.1.0/24", True, None, 64501),  # inside the /22: addresses counted once
                    r("rs1", 64501, "2001:db8:a::/48", True, None, 64501),
                    r("rs1", 64502, "10.2.0.0/23", True, None, 64502),
                    r("rs1", 64502, "10.2.2.0/24", False, "irr_prefix", 64502),
                    r("rs1", 64502, "10.7.0.0/24", False, "rpki_invalid", 64502),
                    r("rs1", 64503, "10.9.0.0/24", True, None, 64503),  # SN space: not the country's
                    r("rs2", 64503, "10.3.0.0/21", True, None, 64600)])  # transit for holder C


@pytest.fixture(scope="module")
def impact():
    return compute(_inventory(), _facts(), parse(RIR, "ML"), _state())


def test_country_totals_and_asn_shares(impact):
    assert impact.country_asns == 5  # 64501, 64502, 64600, 64601, 64610
    assert impact.space4_total == 6144 and impact.space6_total == 3 * 2**80
    assert impact.members == 3 and impact.members_sending == 3
    assert impact.members_in_country == 2 and impact.sending_in_country == 2  # AS64503 is from SN
    assert impact.shares["members_of_country_asns"] == pytest.approx(2 / 5)
    assert impact.shares["sending_of_country_asns"] == pytest.approx(2 / 5)


def test_reachable_space_counts_overlaps_once(impact):
    # 10.1.0.0/22 (1024, the /24 inside it adds nothing) + 10.2.0.0/23 (512) + 10.3.0.0/21 (2048)
    assert impact.space4_reachable == 1024 + 512 + 2048 == 3584
    assert impact.shares["space4"] == pytest.approx(3584 / 6144)
    assert impact.space6_reachable == 2**80 and impact.shares["space6"] == pytest.approx(1 / 3)


def test_routes_filtered_by_reason(impact):
    # unique (member, prefix): 3 + 1 + 2 accepted, 2 filtered
    assert (impact.routes_accepted, impact.routes_filtered) == (6, 2)
    assert impact.filtered_by_reason == {"irr_prefix": 1, "rpki_invalid": 1}
    assert impact.shares["filtered"] == pytest.approx(2 / 8)


def test_per_member_numbers(impact):
    by = {m.asn: m for m in impact.per_member}
    assert [m.asn for m in impact.per_member] == [64503, 64501, 64502]  # largest country space first
    one, two, three = by[64501], by[64502], by[64503]
    assert (one.accepted, one.filtered, one.sessions_up, one.sessions) == (3, 0, 1, 2)
    assert one.space4 == 1024 and one.share4 == pytest.approx(1024 / 6144) and one.space6 == 2**80
    assert one.irr_covered == 3 and one.roa == {"valid": 2, "invalid": 0, "not-found": 1}
    assert (two.accepted, two.filtered, two.space4) == (1, 2, 512)
    assert two.filtered_by_reason == {"irr_prefix": 1, "rpki_invalid": 1}
    assert two.roa == {"valid": 0, "invalid": 1, "not-found": 2}
    assert two.invalid_prefixes == ["10.7.0.0/24"] and two.unregistered_prefixes == ["10.2.2.0/24", "10.7.0.0/24"]
    assert three.in_country is False and three.space4 == 2048 and three.irr_share == pytest.approx(1 / 2)


def test_networks_not_at_the_ixp_largest_first(impact):
    assert [(n.holder, n.asns, n.space4, n.space6) for n in impact.not_at_ixp] == [
        ("C", [64600, 64601], 4096, 2**81), ("D", [64610], 256, 0)]
    assert sorted(n.holder for n in impact.at_ixp) == ["A", "B"]
    assert impact.not_at_ixp[0].blocks == ["10.3.0.0/20", "2001:db8:c::/47"]


def test_resilience_and_manrs():
    report = assemble(_inventory(), Policy(), _facts(), (parse(RIR, "ML"), None), _state())
    assert [(s.name, s.status, s.via) for s in report.services] == [
        ("ccTLD ns", "reachable", [64501]), ("government", "partial", [64502]),
        ("bank", "unreachable", []), ("via transit", "reachable", [64503])]
    assert report.services[1].missing == ["10.2.0.0/22 (partly)"]
    levels = {a.number: a.level for a in report.actions}
    assert levels[1] == "met"  # the default policy filters IRR, RPKI, bogons
    assert levels[2] == "partly" and [m["asn"] for m in report.actions[1].members] == [64503, 64502]
    assert levels[4] == "missing"  # e-mail in the inventory, no phone anywhere
    assert levels[5] == "partly"
    assert report.trends[-1].reachable_share4 == pytest.approx(3584 / 6144)


def test_without_country_data_shares_are_unknown():
    impact = compute(_inventory(), _facts(), None, _state())
    assert impact.shares["space4"] is None and impact.not_at_ixp == [] and impact.notes


def test_peeringdb_presence_at_local_facilities_ranks_the_list():
    country = parse(RIR, "ML")
    country.peeringdb = {"facilities": [{"id": 7, "name": "Bamako DC", "city": "Bamako"}],
                         "networks": [{"asn": 64610, "name": "Bank Net", "org_country": "ML", "facilities": [7]},
                                      {"asn": 64700, "name": "Foreign CDN", "org_country": "FR", "facilities": [7]},
                                      {"asn": 64701, "name": "Elsewhere", "org_country": "FR", "facilities": []},
                                      {"asn": 64500, "name": "the route servers", "org_country": "ML",
                                       "facilities": [7]}]}
    impact = compute(_inventory(), _facts(), country, _state())
    rows = [(n.holder, n.asns, n.space4, n.names, n.facilities) for n in impact.not_at_ixp]
    assert rows == [("C", [64600, 64601], 4096, [], []),
                    ("D", [64610], 256, ["Bank Net"], ["Bamako DC"]),
                    ("PeeringDB AS64700", [64700], 0, ["Foreign CDN"], ["Bamako DC"])]


def test_member_text_is_escaped_in_html_and_markdown(tmp_path):
    from ixpctl.report.render import render_impact, render_manrs

    inventory = _inventory()
    inventory.members[1].name = "Evil <script>alert(1)</script> | Net\nLine"
    inventory.critical_services[0].name = "<img src=x onerror=alert(1)>"
    report = assemble(inventory, Policy(), _facts(), (parse(RIR, "ML"), None), _state())
    for lang in ("en", "fr"):
        html = render_impact(report, lang, "html") + render_manrs(report, lang, "html")
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "Evil &lt;script&gt;alert(1)&lt;/script&gt;" in html
        md = render_impact(report, lang, "md")
        row = next(line for line in md.splitlines() if "Evil" in line)
        assert "\\| Net Line" in row and "<script>" not in row
        assert row.count(" | ") == 7  # 8 columns: the member's "|" did not add one
