"""Property-based tests of the inventory loader: whatever the input, either a complete, valid
inventory or an InputError — never a traceback, never a partial result."""

from __future__ import annotations

import copy
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ixpctl.base.yamlio import parse_yaml
from ixpctl.errors import InputError
from ixpctl.inventory import load_inventory
from ixpctl.inventory.models import Inventory
from tests.support.builders import base_inventory, write_yaml

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["192.0.2.1", "2001:db8::1", "AS-FOO", "RIPE::AS-X",
                                                           "02:00:00:00:00:01", "active", "eos", "from_peeringdb"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(string.ascii_lowercase + "_", max_size=12),
                                                                       inner, max_size=4)), max_leaves=12)


def load_or_error(path):
    try:
        result = load_inventory(path)
    except InputError as err:
        assert err.format()  # renders
        for p in err.problems:
            assert p.message
        return None
    assert isinstance(result.inventory, Inventory)
    return result


@SETTINGS
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_arbitrary_text_never_crashes(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("inv") / "ixp.yml"
    path.write_text(text, encoding="utf-8")
    load_or_error(path)


@SETTINGS
@given(path_choice=st.integers(0, 10_000), replacement=values)
def test_mutating_a_valid_inventory_never_crashes(tmp_path_factory, path_choice, replacement):
    data = base_inventory()
    # pick one node of the document by index and replace it with an arbitrary value
    nodes = []

    def walk(node, parent, key):
        nodes.append((parent, key))
        if isinstance(node, dict):
            for k, v in list(node.items()):
                walk(v, node, k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, node, i)

    walk(data, None, None)
    parent, key = nodes[path_choice % len(nodes)]
    if parent is None:
        data = replacement
    else:
        parent[key] = copy.deepcopy(replacement)
    path = tmp_path_factory.mktemp("inv") / "ixp.yml"
    write_yaml(path, data)
    result = load_or_error(path)
    expected = data.get("members") if isinstance(data, dict) else None
    if result is not None and isinstance(expected, list):
        # a success is a whole inventory: every member present, nothing dropped silently
        assert len(result.inventory.members) == len(expected)


@SETTINGS
@given(cut=st.integers(0, 4000))
def test_truncated_files_never_crash(tmp_path_factory, cut, ):
    path = tmp_path_factory.mktemp("inv") / "ixp.yml"
    write_yaml(path, base_inventory())
    text = path.read_text()
    path.write_text(text[: cut % (len(text) + 1)])
    load_or_error(path)


# Plain scalars as an operator types them, unquoted: what YAML itself turns into dates, numbers and
# other types (an impossible date such as 2018-02-30 made ruamel raise ValueError: a traceback).
dates = st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 99),
                  st.integers(0, 99))
raw_scalars = st.one_of(
    dates,
    st.builds(lambda d, h, mi: f"{d} {h:02d}:{mi:02d}:00", dates, st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda d: f"{d}T25:00:00Z", dates),
    st.sampled_from(["0x1F", "0o17", "1_000", "1e999", "-.inf", ".nan", "~", "!!binary aGVsbG8=", "!!set {a}",
                     "!!timestamp 2018-02-30", "!!int x", "*undefined", "&a", "[", "{a: 1", "'", "2018-02-30 x",
                     "!!python/object:os.system ls", "0b101", "+12", "12:30:00", "1:20", "!!float 1.5"]))


@SETTINGS
@given(line_choice=st.integers(0, 10_000), token=raw_scalars)
def test_any_plain_scalar_in_the_text_never_crashes(tmp_path_factory, line_choice, token):
    path = tmp_path_factory.mktemp("inv") / "ixp.yml"
    write_yaml(path, base_inventory())
    lines = path.read_text().splitlines()
    candidates = [i for i, line in enumerate(lines) if ": " in line and not line.rstrip().endswith(":")]
    index = candidates[line_choice % len(candidates)]
    key = lines[index].split(": ", 1)[0]
    lines[index] = f"{key}: {token}"
    path.write_text("\n".join(lines) + "\n")
    load_or_error(path)


def test_an_impossible_date_is_an_input_error_with_its_line():
    with pytest.raises(InputError) as exc:
        parse_yaml("ixp: x\njoined: 2018-02-30\n", Path("x.yml"))
    assert "x.yml:2" in exc.value.message and "2018-02-30" in exc.value.message
