"""Scenario files: the shipped ones load; mistakes are errors naming the scenario and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ixpctl.errors import InputError
from ixpctl.lab.model import Announcement, parse_path
from ixpctl.lab.scenarios import load_scenarios, scenario_files
from tests.conftest import REPO


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yml"
    p.write_text(text)
    return p


def test_shipped_scenarios_load_and_cover_the_policy():
    scenarios = load_scenarios(scenario_files(REPO / "lab" / "scenarios"))
    reasons = {e.data.get("reason") for s in scenarios for st in s.steps for e in st.expect}
    assert {"bogon", "prefix_length", "irr_origin", "rpki_invalid", "next_hop", "transit_free", "as_set"} <= reasons
    by_name = {s.name: s for s in scenarios}
    assert by_name["max-prefix-restart"].destructive and not by_name["max-prefix-restart"].parallel
    assert by_name["rpki-change-while-running"].steps[1].vrps["add"] == [["198.18.40.0/22", 22, 64999]]
    assert by_name["accepted-v4"].parallel


def test_announcement_fields():
    a = Announcement.from_dict({"prefix": "198.18.4.0/22", "as_path": [64496, [65540, 65541]],
                                "communities": ["65535:0", "64500:0:64501"], "next_hop": "192.0.2.11"}, 64496)
    assert a.as_path == (("seq", (64496,)), ("set", (65540, 65541)))
    assert a.communities == {(65535, 0)} and a.large_communities == {(64500, 0, 64501)}
    assert Announcement.from_json(a.to_json()) == a
    assert Announcement.from_dict({"prefix": "198.18.0.0/22"}, 64496).as_path == parse_path([64496])


@pytest.mark.parametrize("text, message", [
    ("scenarios:\n  - {name: a, announce: [{by: 1, prefix: 10.0.0.0/8}], expect: [{prefix: 10.0.0.0/8, result: rejected, reason: bogus, from: 1}]}\n",
     "not a check"),
    ("scenarios:\n  - {name: a, expect: [{prefix: 10.0.0.0/8, result: accepted}]}\n", "needs `from`"),
    ("scenarios:\n  - {name: a, expct: []}\n", "unknown key"),
    ("scenarios:\n  - {name: a, expect: [{prefix: 10.0.0.0/8, received_by: [1], not_received_by: [2]}]}\n",
     "exactly one"),
    (("scenarios:\n  - {name: a, announce: [{by: 1, prefix: 10.0.0.0/8}]}\n"
      "  - {name: b, announce: [{by: 1, prefix: 10.0.0.0/8}]}\n"), "both announce"),
    ("scenarios:\n  - {name: a}\n  - {name: a}\n", "unique"),
    ("scenarios:\n  - {name: a, vrps: {replace: []}}\n", "vrps"),
])
def test_mistakes_are_errors(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_scenarios([_write(tmp_path, text)])
