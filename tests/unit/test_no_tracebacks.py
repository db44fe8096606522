"""Bad input is an error naming the file, line and field, never a traceback; a real bug is exit 70
with the traceback in a log file (issue #15, item 11). The build-side cases (full disk, -o FILE,
markup in the build table) are in tests/integration/test_build_hardening.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.builders import base_inventory
from tests.support.ixp_repo import IxpRepo, make_repo, one_line


def assert_clean_exit(result, code: int) -> None:
    """Exit ``code`` through sys.exit: no exception escaped the CLI."""
    assert isinstance(result.exception, SystemExit) or result.exception is None, result.exception
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_an_impossible_date_is_an_input_error_with_its_line(tmp_path):
    repo = make_repo(tmp_path)
    text = repo.inventory.read_text().replace("  name: Member 2\n", "  name: Member 2\n  joined: 2018-02-30\n")
    repo.inventory.write_text(text)
    line = text.splitlines().index("  joined: 2018-02-30") + 1
    result = repo.cli("validate")
    assert_clean_exit(result, 2)
    assert f"ixp.yml:{line}" in one_line(result) and "2018-02-30" in one_line(result)


@pytest.mark.parametrize("text", ["Member [/] 1", "[bold red]Evil[/bold red]", "[link=http://x]y[/link] [", "a\\[b]"])
def test_markup_in_member_and_ixp_names_is_printed_as_text(tmp_path, text):
    data = base_inventory()
    data["members"][0]["name"] = text
    data["ixp"]["name"] = text
    data["ixp"]["city"] = text
    repo = make_repo(tmp_path, data)
    result = repo.cli("validate")
    assert_clean_exit(result, 0)
    assert f"IXP {text} — ({text}, ?)" in one_line(result)  # printed as it is, not as markup
    assert f"│ {text} " in result.output  # the members table too


def hashed_edit(repo: IxpRepo, source: str, edit) -> None:
    repo.snapshot_edit(source, lambda t: json.dumps(edit(json.loads(t))))


def _set(path: list, value):
    def edit(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return doc
    return edit


_DELETE = object()
SNAPSHOT_CASES = {
    "format is a string": ("manifest", _set(["format"], "2")),
    "sources is a list": ("manifest", _set(["sources"], ["peeringdb"])),
    "a source entry is a list": ("manifest", _set(["sources", "rpki"], ["rpki.json"])),
    "warnings is a number": ("manifest", _set(["warnings"], 5)),
    "provenance lacks a key": ("manifest", _set(["sources", "irr", "provenance", "origin"], _DELETE)),
    "irr is a list": ("irr", _set(["irr"], [])),
    "an expansion is a list": ("irr", _set(["irr", "RIPE::AS-MEMBER1"], [1, 2])),
    "an expansion lacks its query": ("irr", _set(["irr", "RIPE::AS-MEMBER1", "query"], _DELETE)),
    "asns is a string": ("irr", _set(["irr", "RIPE::AS-MEMBER1", "asns"], "64501")),
    "a negative origin ASN": ("irr", _set(["irr", "RIPE::AS-MEMBER1", "asns"], [64501, -7])),
    "an origin ASN beyond 32 bits": ("irr", _set(["irr", "RIPE::AS-MEMBER1", "asns"], [2**40])),
    "a prefix range up to /200": ("irr", _set(["irr", "RIPE::AS-MEMBER1", "prefixes4"], ["198.18.0.0/22^22-200"])),
    "an IPv6 prefix among the IPv4 ones": ("irr", _set(["irr", "RIPE::AS-MEMBER1", "prefixes4"], ["2001:db8::/32"])),
    "a VRP with maxLength 200": ("rpki", lambda d: {**d, "vrps": [*d["vrps"], "198.18.0.0/22-200 AS64501"]}),
    "a VRP with a negative ASN": ("rpki", lambda d: {**d, "vrps": [*d["vrps"], "198.18.0.0/22-24 AS-5"]}),
    "a VRP with an impossible prefix": ("rpki", lambda d: {**d, "vrps": [*d["vrps"], "198.18.0.300/22-24 AS1"]}),
    "vrps is an object": ("rpki", _set(["vrps"], {"a": 1})),
    "a network with a negative ASN": ("peeringdb", _set(["peeringdb", "-5"], {"asn": -5, "name": "x"})),
    "netixlan is an object": ("peeringdb", _set(["netixlan"], {"a": 1})),
    "a network is a list": ("peeringdb", _set(["peeringdb", "64501"], [64501])),
    "info_prefixes4 is a string": ("peeringdb", _set(["peeringdb", "64501"], {"asn": 64501, "name": "x",
                                                                               "info_prefixes4": "many"})),
}


@pytest.mark.parametrize("case", sorted(SNAPSHOT_CASES))
def test_a_malformed_snapshot_is_an_input_error_naming_the_file(tmp_path, case):
    from ixpctl.sources.facts import PdbNetwork
    from tests.support.policy_cases import policy_facts

    facts = policy_facts()
    facts.peeringdb[64501] = PdbNetwork(64501, "Member 1", info_prefixes4=10)
    repo = make_repo(tmp_path, facts=facts)
    source, edit = SNAPSHOT_CASES[case]
    if source == "manifest":
        repo.manifest_edit(edit)
    else:
        hashed_edit(repo, source, edit)
    result = repo.cli("check", "64501", "--snapshot", str(repo.snapshot))
    assert_clean_exit(result, 2)
    name = "manifest.json" if source == "manifest" else f"{source}.json"
    assert name in one_line(result), one_line(result)
    assert "sources refresh" in one_line(result)


def test_a_snapshot_error_names_the_line_of_the_entry(tmp_path):
    repo = make_repo(tmp_path)
    repo.snapshot_edit("rpki", lambda t: t.replace('"198.18.20.0/24-24 AS64501"', '"198.18.20.0/24-200 AS64501"'))
    line = (repo.snapshot / "rpki.json").read_text().splitlines().index('"198.18.20.0/24-200 AS64501",') + 1
    result = repo.cli("check", "64501", "--snapshot", str(repo.snapshot))
    assert_clean_exit(result, 2)
    assert f"rpki.json:{line}" in one_line(result) and "200" in one_line(result)


def test_an_unexpected_exception_is_exit_70_with_the_traceback_in_a_log(tmp_path, monkeypatch):
    import ixpctl.analysis.validate

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug in a check")

    monkeypatch.setattr(ixpctl.analysis.validate, "validate_inventory", boom)
    repo = make_repo(tmp_path)
    crash_dir = tmp_path / "crash"
    result = repo.cli("validate", env={"IXPCTL_CRASH_DIR": str(crash_dir)})
    assert_clean_exit(result, 70)
    text = one_line(result)
    assert "internal error" in text and "RuntimeError: simulated bug in a check" in text
    (log,) = list(crash_dir.glob("ixpctl-crash-*.log"))
    assert str(log) in text
    content = log.read_text()
    assert "Traceback" in content and "simulated bug in a check" in content and "validate" in content


def test_the_crash_log_falls_back_when_its_directory_cannot_be_written(tmp_path, monkeypatch):
    import re

    import ixpctl.analysis.validate

    monkeypatch.setattr(ixpctl.analysis.validate, "validate_inventory",
                        lambda *a, **k: (_ for _ in ()).throw(KeyError("x")))
    repo = make_repo(tmp_path)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = repo.cli("validate", env={"IXPCTL_CRASH_DIR": str(blocker / "sub")})
    assert_clean_exit(result, 70)
    match = re.search(r"traceback written to (\S+\.log)", one_line(result))
    assert match, one_line(result)
    log = Path(match.group(1))
    try:
        assert not log.is_relative_to(blocker) and "KeyError" in log.read_text()
    finally:
        log.unlink(missing_ok=True)
