"""VRPs and IRR route objects for very short prefixes (0.0.0.0/0 and the like) authorise far too
much: they are dropped before the filters are built, loudly (issue #15, item 8)."""

from __future__ import annotations

import json

from tests.support.builders import base_inventory, make_member
from tests.support.ixp_repo import make_repo, one_line
from tests.support.policy_cases import M1, policy_facts


def test_a_vrp_for_the_default_route_does_not_make_everything_rpki_valid(tmp_path):
    facts = policy_facts()
    facts.vrps += [("0.0.0.0/0", 32, M1), ("::/0", 128, M1), ("16.0.0.0/4", 24, M1)]
    repo = make_repo(tmp_path, facts=facts)
    result = repo.cli("check", str(M1), "--snapshot", str(repo.snapshot), "--json",
                      "--prefix", "198.18.99.0/24", "--prefix", "2001:db8:9999::/48", "--prefix", "17.1.0.0/16")
    report = json.loads(result.stdout)
    verdicts = {r["prefix"]: (r["accepted"], r["check"]) for r in report["results"]}
    # none of the three routes has a route object: only the absurd VRPs made them "RPKI valid"
    assert verdicts == {"198.18.99.0/24": (False, "irr_prefix"), "2001:db8:9999::/48": (False, "irr_prefix"),
                        "17.1.0.0/16": (False, "irr_prefix")}, verdicts
    text = one_line(result)
    assert "0.0.0.0/0-32 AS64501" in text and "::/0-128 AS64501" in text and "16.0.0.0/4-24 AS64501" in text
    assert "prefixes.length.ipv4.min" in text and "prefixes.facts_min_length" in text


def test_an_irr_route_object_for_the_default_route_authorises_nothing(tmp_path):
    facts = policy_facts()
    facts.irr["RIPE::AS-MEMBER1"].prefixes4.append(("0.0.0.0/0", 0, 0))
    facts.irr["RIPE::AS-MEMBER1"].prefixes6.append(("::/0", 0, 128))
    data = base_inventory(members=0)
    data["members"] = [make_member(1, policy={"irr": {"allow_more_specifics": True}}), make_member(2)]
    repo = make_repo(tmp_path, data, facts)
    result = repo.cli("check", str(M1), "--snapshot", str(repo.snapshot), "--json",
                      "--prefix", "45.10.0.0/24 AS64501", "--prefix", "2a00:1::/32 AS64501")
    report = json.loads(result.stdout)
    verdicts = {r["prefix"]: (r["accepted"], r["check"]) for r in report["results"]}
    assert verdicts == {"45.10.0.0/24": (False, "irr_prefix"), "2a00:1::/32": (False, "irr_prefix")}, verdicts
    text = one_line(result)
    assert "RIPE::AS-MEMBER1" in text and "0.0.0.0/0" in text and "::/0^0-128" in text


def test_sources_status_warns_about_short_facts(tmp_path):
    facts = policy_facts()
    facts.vrps.append(("0.0.0.0/0", 32, M1))
    facts.irr["RIPE::AS-MEMBER2"].prefixes4.append(("0.0.0.0/1", 1, 24))
    repo = make_repo(tmp_path, facts=facts)
    result = repo.cli("sources", "status")
    text = one_line(result)
    assert result.exit_code == 0, text
    assert "0.0.0.0/0-32 AS64501" in text and "0.0.0.0/1^1-24" in text and "RIPE::AS-MEMBER2" in text
    status = json.loads(repo.cli("sources", "status", "--json").stdout)
    assert any("0.0.0.0/0-32 AS64501" in w for w in status["warnings"])


def test_the_floor_is_a_policy_knob(tmp_path):
    facts = policy_facts()
    facts.vrps.append(("45.0.0.0/9", 24, M1))  # longer than /8 (the accepted minimum): kept by default
    repo = make_repo(tmp_path, facts=facts)
    check = ("check", str(M1), "--snapshot", str(repo.snapshot), "--json", "--prefix", "45.1.0.0/24")
    assert json.loads(repo.cli(*check).stdout)["results"][0]["accepted"] is True
    text = repo.policy.read_text()
    assert "    ipv4: null              #   dropped" in text  # prefixes.facts_min_length.ipv4
    repo.policy.write_text(text.replace("    ipv4: null              #   dropped", "    ipv4: 12  #"))
    result = repo.cli(*check)
    assert json.loads(result.stdout)["results"][0]["accepted"] is False
    assert "45.0.0.0/9-24 AS64501" in one_line(result) and "/12" in one_line(result)
