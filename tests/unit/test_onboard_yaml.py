"""Comment-preserving insertion of a new member into operator-owned inventory YAML."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ixpctl.errors import InputError
from ixpctl.inventory import load_inventory
from ixpctl.onboard.model import ConnectionPlan
from ixpctl.onboard.yamledit import choose_file, insert_member, member_mapping

REPO = Path(__file__).resolve().parents[2]


def tombouctou(**kw):
    conn = ConnectionPlan("mlix-peering", "192.0.2.23", "2001:db8:0:10::23", "peeringdb", "peeringdb",
                          "sw1", ["Ethernet10"], 1000, ["02:00:00:64:07:01"])
    args = {"as_sets": ["AFRINIC::AS-TOMBOUCTOU"], "contact": "noc@tombouctou-telecom.example",
            "connections": [conn], "joined": date(2026, 11, 22)}
    args.update(kw)
    return member_mapping(64507, "Tombouctou Telecom", **args)


def test_mlix_keeps_every_byte_and_appends_one_block(tmp_path):
    path = tmp_path / "mlix.yml"
    shutil.copyfile(REPO / "inventory" / "mlix.yml", path)
    ins = insert_member(path, tombouctou(md5_env="MLIX_MD5_AS64507"), comments=["onboarded", "FORCED: test"])
    assert ins.after.startswith(ins.before)  # nothing before the block changed, not one byte
    added = ins.after[len(ins.before):]
    assert added.splitlines()[:4] == ["", "  # onboarded", "  # FORCED: test", "  - asn: 64507"]
    assert '        macs: ["02:00:00:64:07:01"]' in added and "    md5: {env: MLIX_MD5_AS64507}" in added
    assert path.read_text() == ins.before  # insert_member itself writes nothing
    path.write_text(ins.after)
    inv = load_inventory(path).inventory
    member = inv.member(64507)
    assert member.as_sets == ["AFRINIC::AS-TOMBOUCTOU"] and member.connections[0].ports == ["Ethernet10"]
    assert member.joined == date(2026, 11, 22) and inv.members[-1].asn == 64507


def test_members_list_in_the_middle_of_a_file(tmp_path):
    path = tmp_path / "ixp.yml"
    path.write_text("members:\n  # first\n  - asn: 64501\n    name: One\n    connections:\n"
                    "      - ipv4: 192.0.2.11\n\n# the switches follow\nswitches: []\n")
    ins = insert_member(path, tombouctou(), comments=["new"])
    assert ins.after.endswith("# the switches follow\nswitches: []\n")
    assert ins.after.index("- asn: 64507") < ins.after.index("# the switches follow")
    assert ins.after.startswith("members:\n  # first\n  - asn: 64501\n")


@pytest.mark.parametrize("text", ["ixp: {name: X}\nmembers:\n", "ixp: {name: X}\nmembers: []\n", "ixp: {name: X}\n"])
def test_empty_or_missing_members_list(tmp_path, text):
    path = tmp_path / "ixp.yml"
    path.write_text(text)
    ins = insert_member(path, tombouctou(), comments=[])
    assert ins.after.startswith("ixp: {name: X}\n") and "members:\n  - asn: 64507\n" in ins.after


def test_flow_style_members_list_is_refused(tmp_path):
    path = tmp_path / "ixp.yml"
    path.write_text("members: [{asn: 64501, name: One}]\n")
    with pytest.raises(InputError, match="flow style"):
        insert_member(path, tombouctou(), comments=[])


def test_choose_file_in_a_directory(tmp_path):
    (tmp_path / "members").mkdir()
    (tmp_path / "ixp.yml").write_text("ixp: {name: X}\n")
    (tmp_path / "members" / "a.yml").write_text("members: []\n")
    (tmp_path / "members" / "b.yml").write_text("members: []\n")
    assert choose_file(tmp_path) == tmp_path / "members" / "b.yml"
    assert choose_file(tmp_path, tmp_path / "members" / "new.yml") == tmp_path / "members" / "new.yml"
    with pytest.raises(InputError, match="not part of the inventory"):
        choose_file(tmp_path, Path("/etc/passwd.yml"))
    (tmp_path / "members" / "a.yml").unlink()
    (tmp_path / "members" / "b.yml").unlink()
    assert choose_file(tmp_path) == tmp_path / "ixp.yml"
