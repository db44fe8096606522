"""YAML alias bombs ("billion laughs"): 1 KB of aliases that expand to hundreds of millions of nodes
are refused with file:line, on both YAML paths, instead of running minutes into a MemoryError
(issue #15, item 10). The runtime is not asserted: the test would simply not finish before."""

from __future__ import annotations

import pytest

from ixpctl.base.yaml_fast import UseSlowPath, fast_load_with_lines
from ixpctl.base.yamlio import MAX_EXPANDED_NODES, parse_yaml
from ixpctl.errors import InputError
from tests.support.ixp_repo import make_repo, one_line


def bomb(indent: str, levels: int = 9) -> str:
    """``levels`` anchors, each a list of nine aliases of the previous one: 9**levels leaves."""
    lines = [f'{indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_bomb_is_well_under_a_kilobyte():
    assert len(bomb("")) < 1024


def test_the_fast_path_hands_aliases_to_the_capped_path():
    with pytest.raises(UseSlowPath):
        fast_load_with_lines("members:\n" + bomb("  "))


def test_ruamel_path_refuses_a_bomb_with_its_line(tmp_path):
    text = "ixp: {name: X}\nmembers:\n  - asn: 1\n    extra:\n" + bomb("      ")
    with pytest.raises(InputError) as exc:
        parse_yaml(text, tmp_path / "ixp.yml", what="inventory file")
    message = exc.value.format()
    assert f"{tmp_path / 'ixp.yml'}:" in message and "alias" in message and str(MAX_EXPANDED_NODES) in message
    assert exc.value.located is not None and 4 <= (exc.value.located.line or 0) <= 13


def test_legitimate_aliases_still_load(tmp_path):
    text = "ports: &ports [Ethernet1, Ethernet2]\na: {ports: *ports}\nb: {ports: *ports}\n"
    node = parse_yaml(text, tmp_path / "x.yml").node
    assert list(node["b"]["ports"]) == ["Ethernet1", "Ethernet2"]


@pytest.mark.parametrize("where", ["members", "policy"])
def test_the_cli_refuses_a_bomb_in_the_inventory_or_the_policy(tmp_path, where):
    repo = make_repo(tmp_path)
    if where == "members":
        text = repo.inventory.read_text().replace("members:\n", "members:\n- asn: 64510\n  name: bomb\n  x:\n"
                                                  + bomb("    "), 1)
        target = repo.inventory
    else:
        text = repo.policy.read_text() + "\nx_bomb:\n" + bomb("  ")
        target = repo.policy
    target.write_text(text)
    result = repo.cli("validate")
    assert result.exit_code == 2, result.output
    assert f"{target}:" in one_line(result) and "alias" in one_line(result)
