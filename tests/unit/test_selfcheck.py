"""`ixpctl check`: a member's routes through the route server's own policy, with reasons and fixes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ixpctl.analysis.selfcheck import parse_announcements, self_check
from ixpctl.cli import main
from ixpctl.errors import InputError
from tests.support.policy_cases import M1, policy_facts, policy_intent


@pytest.fixture(scope="module")
def intent(tmp_path_factory):
    return policy_intent(tmp_path_factory.mktemp("sc"))


def test_parse_plain_lines():
    anns = parse_announcements("198.18.0.0/22\n198.18.10.0/24 AS64510  # customer\n"
                               "2001:db8:1000::/48 64501 64520 64510\n", M1)
    assert [(a.prefix, a.path, a.origin_assumed) for a in anns] == [
        ("198.18.0.0/22", [M1], True), ("198.18.10.0/24", [M1, 64510], False),
        ("2001:db8:1000::/48", [64501, 64520, 64510], False)]


def test_parse_birdc_dump():
    dump = ("Table master4:\n198.18.0.0/22       unicast [AS64501_1_v4 2026-11-22 19:52:32] * (100) [AS64510i]\n"
            "\tvia 192.0.2.11 on eth0\n\tType: BGP univ\n\tBGP.origin: IGP\n\tBGP.as_path: 64501 64510\n"
            "\tBGP.next_hop: 192.0.2.11\n")
    (ann,) = parse_announcements(dump, M1)
    assert ann.prefix == "198.18.0.0/22" and ann.path == [64501, 64510]


def test_parse_error_names_line():
    with pytest.raises(InputError) as exc:
        parse_announcements("198.18.0.0/22\nnot-a-prefix 1\n", M1, source="routes.txt")
    assert "routes.txt:2" in exc.value.message


def test_irr_data_of_a_member_is_checked_with_reasons(intent):
    report = self_check(intent, policy_facts(), M1)
    by_prefix = {r.prefix: r for r in report.results}
    assert by_prefix["198.18.0.0/22"].accepted and by_prefix["198.18.0.0/22"].rpki == "valid"
    bad = by_prefix["198.18.30.0/24"]  # route object exists, ROA says AS64999
    assert not bad.accepted and bad.check == "rpki_invalid" and bad.code == 14
    assert any("AS64999" in d for d in bad.details) and bad.fix and bad.fix_fr
    assert report.counts["rejected:rpki_invalid"] >= 1


def test_given_prefixes(intent):
    anns = parse_announcements("198.18.40.0/24\n198.18.0.0/25\n", M1)
    report = self_check(intent, policy_facts(), M1, anns)
    checks = [r.check for r in report.results]
    assert checks == ["irr_prefix", "prefix_length"]
    assert "RIPE" in report.results[0].details[0]


def test_unknown_member(intent):
    with pytest.raises(InputError):
        self_check(intent, policy_facts(), 64999)


def test_cli_on_the_mlix_example(repo_root, monkeypatch, tmp_path):
    monkeypatch.chdir(repo_root)
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "64504", "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["counts"]["rejected"] == 0 and data["counts"]["accepted"] >= 1
    html_path = tmp_path / "report.html"
    bad = runner.invoke(main, ["check", "AS64496", "--prefix", "10.0.0.0/8", "--html", str(html_path)])
    assert bad.exit_code == 1 and "bogon prefix" in bad.output
    page = html_path.read_text()
    assert "préfixe bogon" in page and "bogon prefix" in page and "<script" not in page


def test_parse_communities_plain_and_birdc():
    (plain,) = parse_announcements("198.18.0.0/22 0:64502 64500:0:64503\n", M1)
    assert plain.path == [M1] and plain.communities == [(0, 64502)] and plain.large_communities == [(64500, 0, 64503)]
    dump = ("198.18.0.0/22       unicast [AS64501_1_v4 2026-11-22 19:52:32] * (100) [AS64501i]\n"
            "\tBGP.as_path: 64501\n\tBGP.community: (0,64502) (65535,0)\n"
            "\tBGP.large_community: (64500, 0, 64503)\n")
    (ann,) = parse_announcements(dump, M1)
    assert ann.communities == [(0, 64502), (65535, 0)] and ann.large_communities == [(64500, 0, 64503)]


def test_check_tells_who_receives_an_accepted_route(intent):
    """The export half: announcement-control communities show up as members the route is not sent to."""
    anns = parse_announcements("198.18.0.0/22 0:64502\n198.18.10.0/24 AS64510\n", M1)
    first, second = self_check(intent, policy_facts(), M1, anns).results
    assert first.accepted and first.receivers == 2 and first.not_exported_to == [64502]
    assert second.accepted and second.not_exported_to == []
