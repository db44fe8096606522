"""The pure parts of the importers: cleaning member text, AS-SET decisions, the three-way merge,
in-place policy edits, and the inventory checks the importers asked for (route-server-only
deployments, one summary line instead of a warning flood, control characters in names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ixpctl.errors import InputError
from ixpctl.importers.merge import Merger, fresh
from ixpctl.importers.policy_edit import set_values
from ixpctl.importers.routeservers import parse_route_server_option
from ixpctl.importers.text import clean_as_sets, clean_text, decode_text, line_index
from ixpctl.importers.write import dump
from ixpctl.inventory import load_inventory
from ixpctl.inventory.validate import validate_inventory
from tests.support.builders import base_inventory, make_member, write_inventory

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "clean"), [
    ("Tab\tSeparated", "Tab Separated"), ("Line\nBreak", "Line Break"), ("  a   b ", "a b"),
    ('The "Quoted" & <Co>', 'The "Quoted" & <Co>'), ("Université", "Université"), ("x\u2028y", "x y"),
    (None, "AS1"), ("", "AS1"),
])
def test_clean_text(raw, clean):
    assert clean_text(raw, fallback="AS1").value == clean


def test_decode_text_reads_stray_latin1_bytes():
    text, recoded = decode_text("Société ".encode() + b"Soci\xe9t\xe9")
    assert recoded and text == "Société Société"
    assert decode_text(b"\xef\xbb\xbfplain") == ("plain", False)


def test_as_set_decisions():
    sets = clean_as_sets("AS-FOO RIPE::AS-BAR AS-BAZ@RADB AS112 RS-ROUTES AS64496 !!", 64496)
    assert sets.names == ["AS-FOO", "RIPE::AS-BAR", "RADB::AS-BAZ", "AS112", "RS-ROUTES"]
    assert sets.own_asn and sets.dropped == ["!!"] and sets.bare == ["AS-FOO", "AS112", "RS-ROUTES"]
    assert sets.route_sets == ["RS-ROUTES"]


def test_line_index():
    assert line_index('{\n "asnum": 1,\n\n "asnum": 2}', "asnum") == [2, 4]


def test_route_server_option():
    spec = parse_route_server_option("rs1=192.0.2.1,2001:db8::1")
    assert (spec.name, str(spec.ipv4), str(spec.ipv6)) == ("rs1", "192.0.2.1", "2001:db8::1")
    for bad in ("rs1", "1rs=192.0.2.1", "rs1=192.0.2.1,192.0.2.2", "rs1=nope"):
        with pytest.raises(InputError):
            parse_route_server_option(bad)


def test_three_way_merge_keeps_hand_edits_and_reports_conflicts():
    base = [{"asn": 1, "name": "One", "connections": [{"ipv4": "192.0.2.10"}]},
            {"asn": 2, "name": "Two", "connections": [{"ipv4": "192.0.2.11"}]},
            {"asn": 3, "name": "Three", "connections": [{"ipv4": "192.0.2.12"}]}]
    mine = fresh(base)
    mine[0]["contact"] = "noc@one.example"  # added by hand: never touched
    mine[1]["name"] = "Two (hand)"  # changed by hand
    mine[0]["connections"][0]["switch"] = "sw1"
    theirs = [{"asn": 1, "name": "One Ltd", "connections": [{"ipv4": "192.0.2.10", "speed": 1000}]},
              {"asn": 2, "name": "Two Upstream", "connections": [{"ipv4": "192.0.2.11"}]},
              {"asn": 4, "name": "Four", "connections": [{"ipv4": "192.0.2.13"}]}]
    merger = Merger()
    merger.items(mine, base, theirs, "members", ("asn",))
    assert [m["asn"] for m in mine] == [1, 2, 4]
    assert mine[0]["name"] == "One Ltd" and mine[0]["contact"] == "noc@one.example"
    assert mine[0]["connections"][0] == {"ipv4": "192.0.2.10", "switch": "sw1", "speed": 1000}
    assert mine[1]["name"] == "Two (hand)"
    assert [c.describe() for c in merger.conflicts] == [
        'members[asn=2].name: yours "Two (hand)", the import says "Two Upstream"']
    assert merger.removed == ["members[asn=3]"]


def test_policy_edit_keeps_comments_and_alignment():
    path = REPO / "policies" / "default.yml"
    text = path.read_text()
    new = set_values(text, path, {"as_path.max_length": 40, "prefixes.length.ipv4": {"min": 8, "max": 23},
                                  "blackhole.rewrite_next_hop_ipv4": "192.0.2.66"}, dump)
    changed = [(a, b) for a, b in zip(text.splitlines(), new.splitlines(), strict=True) if a != b]
    assert len(changed) == 3
    assert "  max_length: 40            # (member) longest AS_PATH accepted, prepends included" in new
    assert "    ipv4: {min: 8, max: 23}" in new


def _report(tmp_path, data):
    return validate_inventory(load_inventory(write_inventory(tmp_path / "inv", data)), base_dir=tmp_path)


def test_route_server_only_inventory_has_no_port_or_mac_warnings(tmp_path):
    data = base_inventory(members=8)
    for m in data["members"]:
        for c in m["connections"]:
            c.pop("switch", None), c.pop("ports", None), c.pop("macs", None), c.pop("lag", None)
    flood = _report(tmp_path / "a", data)
    summaries = [p for p in flood.warnings if "connections have no" in p.message]
    assert len(summaries) == 2 and all("ports_and_macs: elsewhere" in p.fix for p in summaries)
    assert not [p for p in flood.warnings if "has no switch port" in p.message]
    data["ixp"]["ports_and_macs"] = "elsewhere"
    quiet = _report(tmp_path / "b", data)
    assert not [p for p in quiet.warnings if "switch port" in p.message or "MAC" in p.message]


def test_control_characters_in_names_warn(tmp_path):
    data = base_inventory(members=1)
    data["members"] = [make_member(1, name="Tab\tName")]
    report = _report(tmp_path, data)
    warning = next(p for p in report.warnings if "control characters" in p.message)
    assert warning.field == "members[0].name" and warning.line


def test_rs_asn_as_member_says_how_to_fix(tmp_path):
    data = base_inventory(members=1)
    data["members"][0]["asn"] = 64500
    error = next(p for p in _report(tmp_path, data).errors if "route servers' own ASN" in p.message)
    assert "route_servers:" in error.fix and "import ixf" in error.fix


def test_vlan_is_optional_until_switches_are_managed(tmp_path):
    data = base_inventory(members=1)
    del data["ixp"]["lans"][0]["vlan"]
    errors = _report(tmp_path / "a", data).errors
    assert [p.message for p in errors] == ["LAN 'lan1' has no VLAN tag, and the switch configs need it"]
    data["switches"] = []
    for c in data["members"][0]["connections"]:
        c.pop("switch", None), c.pop("ports", None)
    assert not _report(tmp_path / "b", data).errors


def test_an_operator_edit_stands_while_the_source_keeps_its_value():
    base = [{"asn": 1, "name": "One", "connections": [{"ipv4": "192.0.2.10"}]}]
    mine = fresh(base)
    mine[0]["name"] = "One (renamed by hand)"
    merger = Merger()
    merger.items(mine, base, [dict(base[0])], "members", ("asn",))
    assert mine[0]["name"] == "One (renamed by hand)" and merger.conflicts == []
    gone = fresh([])  # removed by hand
    merger.items(gone, base, [dict(base[0])], "members", ("asn",))
    assert gone == [] and merger.conflicts == []
