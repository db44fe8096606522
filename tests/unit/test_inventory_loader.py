"""Loading the inventory: merging files and one clear, located error for every kind of bad input."""

from __future__ import annotations

import pytest

from ixpctl.errors import InputError
from ixpctl.inventory import load_inventory
from tests.support.builders import base_inventory, make_member, write_inventory, write_yaml


def only_problem(err: InputError):
    assert len(err.problems) == 1, err.format()
    return err.problems[0]


def test_bundled_mlix_example_loads(repo_root):
    loaded = load_inventory(repo_root / "inventory")
    inv = loaded.inventory
    assert inv.ixp.name == "MLIX" and inv.ixp.city == "Bamako"
    assert len(inv.members) == 12
    assert {m.status for m in inv.members} == {"active", "planned", "disabled"}
    # the PeeringDB-style spelling is normalised
    assert inv.member(64497).as_sets == ["AFRINIC::AS-SAHELFIBRE"]
    assert inv.member(64498).as_set_from_peeringdb
    assert inv.member(64502).as_sets == []
    assert len(inv.member(64497).connections) == 2


def test_files_in_a_directory_merge(tmp_path):
    data = base_inventory(members=0)
    write_inventory(tmp_path, {k: v for k, v in data.items() if k != "members"}, "ixp.yml")
    write_yaml(tmp_path / "members" / "a.yml", {"members": [make_member(1)]})
    write_yaml(tmp_path / "members" / "b.yml", {"members": [make_member(2), make_member(3)]})
    loaded = load_inventory(tmp_path)
    assert [m.asn for m in loaded.inventory.members] == [64501, 64502, 64503]
    # errors in merged lists point at the right file and line
    file, line = loaded.locate(("members", 2, "asn"))
    assert file.endswith("members/b.yml") and line is not None


def test_broken_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "ixp.yml"
    path.write_text("ixp:\n  name: X\n  rs_asn: [1, 2\n")
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    p = only_problem(exc.value)
    assert p.file == str(path) and p.line is not None and "invalid YAML" in p.message and p.fix


def test_duplicate_keys_are_an_error(tmp_path):
    path = tmp_path / "ixp.yml"
    path.write_text("ixp:\n  name: X\n  name: Y\n  rs_asn: 64500\n")
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    p = only_problem(exc.value)
    assert p.line == 3 and "duplicate" in p.message.lower()
    assert "same key" in p.fix


def test_wrong_type_names_field_and_line(tmp_path):
    data = base_inventory()
    data["members"][1]["connections"][0]["ipv4"] = "192.0.2.300"
    path = write_inventory(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    p = only_problem(exc.value)
    assert p.field == "members[1].connections[0].ipv4"
    lines = path.read_text().splitlines()
    assert "192.0.2.300" in lines[p.line - 1]


def test_unknown_key_suggests_the_right_one(tmp_path):
    data = base_inventory()
    data["members"][0]["contatc"] = data["members"][0].pop("contact")
    path = write_inventory(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    p = only_problem(exc.value)
    assert "unknown key 'contatc'" in p.message and "did you mean 'contact'" in p.fix
    assert p.field == "members[0].contatc"


def test_unknown_top_level_key(tmp_path):
    data = base_inventory()
    data["member"] = []
    with pytest.raises(InputError) as exc:
        load_inventory(write_inventory(tmp_path, data))
    p = only_problem(exc.value)
    assert "unknown top-level key 'member'" in p.message and "members" in p.fix


@pytest.mark.parametrize("text, expected", [("", "empty"), ("# only a comment\n", "empty"),
                                            ("- a\n- b\n", "must be a mapping")])
def test_empty_or_non_mapping_file(tmp_path, text, expected):
    path = tmp_path / "ixp.yml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    assert expected in only_problem(exc.value).message


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as exc:
        load_inventory(tmp_path / "nope.yml")
    assert "not found" in exc.value.format()


def test_empty_directory(tmp_path):
    with pytest.raises(InputError) as exc:
        load_inventory(tmp_path)
    assert "no inventory files" in exc.value.format()


def test_directory_with_one_broken_file_loads_nothing(tmp_path):
    data = base_inventory(members=0)
    write_inventory(tmp_path, {k: v for k, v in data.items() if k != "members"}, "ixp.yml")
    write_yaml(tmp_path / "members" / "good.yml", {"members": [make_member(1)]})
    (tmp_path / "members" / "bad.yml").write_text("members:\n  - asn: 64502\n    name: [unclosed\n")
    with pytest.raises(InputError) as exc:
        load_inventory(tmp_path)
    p = only_problem(exc.value)
    assert p.file.endswith("bad.yml")


def test_ixp_defined_twice(tmp_path):
    data = base_inventory()
    write_inventory(tmp_path, data, "a.yml")
    write_yaml(tmp_path / "b.yml", {"ixp": data["ixp"]})
    with pytest.raises(InputError) as exc:
        load_inventory(tmp_path)
    p = only_problem(exc.value)
    assert p.file.endswith("b.yml") and "already defined in" in p.message and "a.yml" in p.message


def test_no_ixp_section(tmp_path):
    write_yaml(tmp_path / "m.yml", {"members": [make_member(1)]})
    with pytest.raises(InputError) as exc:
        load_inventory(tmp_path)
    assert "defines the 'ixp' section" in only_problem(exc.value).message


def test_several_problems_are_reported_together(tmp_path):
    data = base_inventory()
    data["members"][0]["asn"] = "ASfoo"
    data["members"][2]["status"] = "gone"
    with pytest.raises(InputError) as exc:
        load_inventory(write_inventory(tmp_path, data))
    fields = {p.field for p in exc.value.problems}
    assert {"members[0].asn", "members[2].status"} <= fields


def test_malformed_as_set_name(tmp_path):
    data = base_inventory()
    data["members"][0]["as_set"] = "AS FOO;drop"
    with pytest.raises(InputError) as exc:
        load_inventory(write_inventory(tmp_path, data))
    p = only_problem(exc.value)
    assert p.field.startswith("members[0].as_set") and "not a valid AS-SET" in p.message
    assert "RIPE::AS-EXAMPLE" in p.fix


def test_secret_must_be_a_reference(tmp_path):
    data = base_inventory()
    data["members"][0]["md5"] = "hunter2"
    with pytest.raises(InputError) as exc:
        load_inventory(write_inventory(tmp_path, data))
    assert only_problem(exc.value).field == "members[0].md5"


def test_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "ixp.yml"
    path.write_text("ixp: &a\n  name: X\n  rs_asn: 64500\n  lans: [*a]\n")
    with pytest.raises(InputError):
        load_inventory(path)


def test_mac_addresses_are_normalised(tmp_path):
    data = base_inventory()
    data["members"][0]["connections"][0]["macs"] = ["0200.0000.00AA"]
    inv = load_inventory(write_inventory(tmp_path, data)).inventory
    assert inv.members[0].connections[0].macs == ["02:00:00:00:00:aa"]
