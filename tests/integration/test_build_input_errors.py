"""Input errors that used to reach `bird -p` and come back as "BIRD rejected the generated config ...
this is an ixpctl bug" (exit 4): each is caught before rendering, as bad input (exit 2) naming the
file, line and field (issue #15, item 12)."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from ixpctl.sources.facts import Facts, PdbNetwork
from tests.support.builders import base_inventory
from tests.support.ixp_repo import IxpRepo, make_repo, one_line
from tests.support.policy_cases import M1, policy_facts

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]


def inventory_case(edit: Callable[[dict], None]):
    def setup(tmp_path):
        data = base_inventory()
        edit(data)
        return make_repo(tmp_path, data)
    return setup


def facts_case(edit: Callable[[Facts], None]):
    def setup(tmp_path):
        facts = policy_facts()
        edit(facts)
        return make_repo(tmp_path, facts=facts)
    return setup


def policy_case(old: str, new: str):
    def setup(tmp_path):
        repo = make_repo(tmp_path)
        text = repo.policy.read_text()
        assert old in text
        repo.policy.write_text(text.replace(old, new, 1))
        return repo
    return setup


def member(key: str, value):
    return inventory_case(lambda d: d["members"][0].__setitem__(key, value))


def pdb(**fields):
    return facts_case(lambda f: f.peeringdb.__setitem__(M1, PdbNetwork(M1, "Member 1", **fields)))


# case → (setup, file the message must name, the text that is on that line, field)
CASES = {
    "inventory max-prefix 2^32": (member("max_prefix", {"ipv4": 2**32}), "ixp.yml", "ipv4: 4294967296",
                                  "members[0].max_prefix.ipv4"),
    "inventory max-prefix v6 beyond 32 bits": (member("max_prefix", {"ipv6": 2**32 + 5}), "ixp.yml",
                                               "ipv6: 4294967301", "members[0].max_prefix.ipv6"),
    "member hold time": (member("policy", {"session": {"hold_time": 70000}}), "ixp.yml", "hold_time: 70000",
                         "members[0].policy.session.hold_time"),
    "member white-listed negative ASN": (member("policy", {"lists": {"white_list_asns": [-1]}}), "ixp.yml",
                                        "- -1", "members[0].policy.lists.white_list_asns[0]"),
    "negative member ASN": (member("asn", -5), "ixp.yml", "asn: -5", "members[0].asn"),
    "policy default max-prefix 2^32": (policy_case("default_ipv4: 100 ", "default_ipv4: 4294967296 "),
                                       "default.yml", "default_ipv4: 4294967296", "max_prefix.default_ipv4"),
    "policy hold time": (policy_case("hold_time: 90 ", "hold_time: 70000 "), "default.yml", "hold_time: 70000",
                         "session.hold_time"),
    "policy local-pref beyond 32 bits": (policy_case("local_pref: 0\n", "local_pref: 4294967296\n"), "default.yml",
                                         "local_pref: 4294967296", "graceful_shutdown.local_pref"),
    "policy negative transit-free ASN": (policy_case("asns: [174, ", "asns: [-174, "), "default.yml", "asns: [-174",
                                         "as_path.transit_free.asns[0]"),
    "PeeringDB max-prefix 2^32": (pdb(info_prefixes4=2**32), "peeringdb.json", '"64501"', "info_prefixes4"),
    "PeeringDB max-prefix plus headroom beyond 32 bits": (pdb(info_prefixes4=4_000_000_000), "ixp.yml",
                                                          "asn: 64501", "members[0].max_prefix.ipv4"),
    "IRR negative origin": (facts_case(lambda f: f.irr["RIPE::AS-MEMBER1"].asns.append(-7)), "irr.json",
                            '"RIPE::AS-MEMBER1"', "asns"),
    "IRR origin beyond 32 bits": (facts_case(lambda f: f.irr["RIPE::AS-MEMBER1"].asns.append(2**40)), "irr.json",
                                  '"RIPE::AS-MEMBER1"', "asns"),
    "IRR range up to /200": (facts_case(lambda f: f.irr["RIPE::AS-MEMBER1"].prefixes4.append(
        ("198.18.0.0/22", 22, 200))), "irr.json", '"RIPE::AS-MEMBER1"', "prefixes4"),
    "VRP maxLength 200": (facts_case(lambda f: f.vrps.append(("198.18.0.0/22", 200, M1))), "rpki.json",
                          '"198.18.0.0/22-200 AS64501"', "vrps"),
    "VRP negative ASN": (facts_case(lambda f: f.vrps.append(("198.18.0.0/22", 24, -1))), "rpki.json",
                         '"198.18.0.0/22-24 AS-1"', "vrps"),
}


def expected_line(repo: IxpRepo, file: str, needle: str) -> int:
    path = next(p for p in (repo.inventory, repo.policy, *repo.snapshot.glob("*.json")) if p.name == file)
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_exit_2_with_file_line_and_field_never_an_ixpctl_bug(tmp_path, case):
    setup, file, needle, field = CASES[case]
    repo = setup(tmp_path)
    result = repo.build()
    text = one_line(result)
    assert "ixpctl bug" not in text and "BIRD rejected" not in text, text
    assert result.exit_code == 2, text
    assert f"{file}:{expected_line(repo, file, needle)}" in text, text
    assert field in text, text
    assert not repo.out.exists() or not any(repo.out.iterdir()), "bad input changed the build directory"
