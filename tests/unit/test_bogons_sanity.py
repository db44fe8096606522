"""A bogon entry that covers most of the address space rejects nearly every route, silently: such
entries are refused with file:line unless confirmed in the bogons file (issue #15, item 9)."""

from __future__ import annotations

import pytest

from ixpctl.errors import InputError
from ixpctl.policy.loader import load_policy
from tests.support.ixp_repo import make_repo, one_line

DEFAULT_BOGONS = "ipv4:\n  - 10.0.0.0/8\n  - 224.0.0.0/4\nipv6:\n  - fc00::/7\n"


def policy_with_bogons(tmp_path, bogons: str):
    (tmp_path / "bogons.yml").write_text(bogons)
    path = tmp_path / "policy.yml"
    path.write_text("version: 1\n")
    return path


@pytest.mark.parametrize(("entry", "family", "line"), [
    ("0.0.0.0/0", "ipv4", 4), ("0.0.0.0/1", "ipv4", 4), ("128.0.0.0/3", "ipv4", 4),
    ("::/0", "ipv6", 6), ("2000::/3", "ipv6", 6), ("2000::/6", "ipv6", 6)])
def test_a_bogon_covering_much_of_the_address_space_is_refused(tmp_path, entry, family, line):
    text = DEFAULT_BOGONS.replace("  - 224.0.0.0/4\n", f"  - 224.0.0.0/4\n  - {entry}\n") if family == "ipv4" \
        else DEFAULT_BOGONS + f"  - {entry}\n"
    with pytest.raises(InputError) as exc:
        load_policy(policy_with_bogons(tmp_path, text))
    (problem,) = exc.value.problems
    assert problem.file.endswith("bogons.yml") and problem.line == line, problem
    assert entry in problem.message and "confirm_short" in (problem.fix or "") + problem.message


def test_the_shipped_bogons_load(default_policy_path):
    policy = load_policy(default_policy_path)
    assert len(policy.bogons4) > 10 and len(policy.bogons6) > 10


def test_a_short_bogon_can_be_confirmed_but_never_the_default_route(tmp_path):
    text = DEFAULT_BOGONS + "  - 2000::/4\nconfirm_short: [2000::/4]\n"
    policy = load_policy(policy_with_bogons(tmp_path, text))
    assert [str(n) for n in policy.bogons6] == ["fc00::/7", "2000::/4"]
    text = DEFAULT_BOGONS.replace("ipv6:", "  - 0.0.0.0/0\nipv6:") + "confirm_short: [0.0.0.0/0]\n"
    with pytest.raises(InputError) as exc:
        load_policy(policy_with_bogons(tmp_path, text))
    assert "default route" in exc.value.format() and "bogons.yml:4" in exc.value.format()


def test_confirming_an_entry_that_is_not_there_is_an_error(tmp_path):
    with pytest.raises(InputError) as exc:
        load_policy(policy_with_bogons(tmp_path, DEFAULT_BOGONS + "confirm_short: [64.0.0.0/2]\n"))
    assert "64.0.0.0/2" in exc.value.format() and "bogons.yml:6" in exc.value.format()


def test_validate_reports_the_bogon_with_file_and_line(tmp_path):
    repo = make_repo(tmp_path)
    repo.bogons.write_text(repo.bogons.read_text().replace("ipv4:\n", "ipv4:\n  - 0.0.0.0/0\n", 1))
    line = repo.bogons.read_text().splitlines().index("  - 0.0.0.0/0") + 1
    result = repo.cli("validate")
    assert result.exit_code == 2, result.output
    assert f"bogons.yml:{line}" in one_line(result) and "0.0.0.0/0" in one_line(result)
