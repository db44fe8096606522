"""AS-SET names are bounded (``irr_names.MAX_AS_SET_NAME``) where they enter: the inventory, the
per-family sets, PeeringDB's ``irr_as_set`` and every IRR query, because bgpq4 hangs or aborts on
names of ~250 characters and more (the real bgpq4 is run in tests/integration/test_irr_long_names.py)."""

from __future__ import annotations

import pytest

from ixpctl.errors import InputError, SourceError
from ixpctl.inventory import load_inventory
from ixpctl.inventory.irr_names import MAX_AS_SET_NAME, AsSetNameError, normalise_as_set, split_irr_as_set
from ixpctl.sources.irr import canonical_query
from tests.support.builders import base_inventory, write_inventory

LONG = "AS-" + "X" * 297  # 300 characters, as in the bgpq4 crash report
AT_BOUND = "AS-" + "X" * (MAX_AS_SET_NAME - 3)


def test_names_up_to_the_bound_are_kept():
    assert normalise_as_set(AT_BOUND) == AT_BOUND
    assert normalise_as_set(f"RIPE::{AT_BOUND.lower()}") == f"RIPE::{AT_BOUND}"  # the source does not count


@pytest.mark.parametrize("text", [LONG, f"RIPE::{LONG}", f"{LONG}@RIPE", AT_BOUND + "X",
                                  "AS64496:" + ":".join(["AS-" + "Y" * 40] * 4)])
def test_longer_names_are_refused_with_the_fix(text):
    with pytest.raises(AsSetNameError) as exc:
        normalise_as_set(text)
    assert f"at most {MAX_AS_SET_NAME}" in str(exc.value)
    assert "as it is registered in the IRR" in exc.value.fix


def test_inventory_names_file_line_and_field(tmp_path):
    data = base_inventory()
    data["members"][0]["as_set"] = LONG
    data["members"][1]["as_set_ipv6"] = f"RIPE::{LONG}"
    with pytest.raises(InputError) as exc:
        load_inventory(write_inventory(tmp_path, data))
    problems = {p.field.split(".")[-1].split("[")[0]: p for p in exc.value.problems}
    assert set(problems) == {"as_set", "as_set_ipv6"}
    for p in problems.values():
        assert p.file and p.line and "300 characters long" in p.message and p.fix
        assert LONG not in p.message  # quoted shortened: the message stays readable


def test_irr_query_is_refused_before_bgpq4():
    with pytest.raises(SourceError) as exc:
        canonical_query(LONG)
    assert f"at most {MAX_AS_SET_NAME}" in exc.value.message and exc.value.fix


def test_peeringdb_field_with_a_long_token_keeps_the_good_names():
    names, bad = split_irr_as_set(f"RIPE::AS-GOOD {LONG}")
    assert names == ["RIPE::AS-GOOD"] and bad == [LONG]
