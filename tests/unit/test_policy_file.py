"""The policy file: defaults are the safe ones, and typos or bad values are errors with a line."""

from __future__ import annotations

import pytest

from ixpctl.errors import InputError
from ixpctl.policy.loader import effective_policy, load_policy


def test_default_policy_is_safe(default_policy_path):
    lp = load_policy(default_policy_path)
    p = lp.policy
    assert p.rpki.enabled and p.rpki.reject_invalid
    assert p.irr.enforce_origin and p.irr.enforce_prefix
    assert (p.prefixes.length.ipv4.min, p.prefixes.length.ipv4.max) == (8, 24)
    assert (p.prefixes.length.ipv6.min, p.prefixes.length.ipv6.max) == (12, 48)
    assert p.as_path.max_length == 32 and p.as_path.reject_invalid_asns
    assert p.next_hop.policy == "strict"
    assert not p.blackhole.enabled
    assert any(str(n) == "10.0.0.0/8" for n in lp.bogons4)
    assert any(str(n) == "fc00::/7" for n in lp.bogons6)


def test_default_policy_file_documents_every_knob(default_policy_path):
    """Every key of the model, at every depth, is in the published file, and its section has
    comments: a knob added to the model but not to the file fails here."""
    from pydantic import BaseModel
    from ruamel.yaml import YAML

    from ixpctl.policy.communities import CommunitySpec
    from ixpctl.policy.model import Policy
    text = default_policy_path.read_text()
    doc = YAML().load(text)

    def walk(model: type[BaseModel], node, path: str) -> None:
        for name, info in model.model_fields.items():
            assert isinstance(node, dict) and name in node, f"{path}{name} is not in policies/default.yml"
            sub = info.annotation
            # (a community's std/large/ext forms are explained once, above `values:`)
            if isinstance(sub, type) and issubclass(sub, BaseModel) and sub is not CommunitySpec:
                walk(sub, node[name], f"{path}{name}.")
    walk(Policy, doc, "")
    for section in Policy.model_fields:
        block = text.split(f"\n{section}:", 1)[-1].split("\n\n", 1)[0]
        assert section == "version" or "#" in block, f"section {section} has no comments"


def write_policy(tmp_path, text, bogons="ipv4: [10.0.0.0/8]\nipv6: [fc00::/7]\n"):
    (tmp_path / "bogons.yml").write_text(bogons)
    path = tmp_path / "policy.yml"
    path.write_text(text)
    return path


def test_typo_in_policy_is_an_error_with_suggestion(tmp_path):
    path = write_policy(tmp_path, "version: 1\nrpki:\n  reject_invalide: false\n")
    with pytest.raises(InputError) as exc:
        load_policy(path)
    (p,) = exc.value.problems
    assert p.line == 3 and p.field == "rpki.reject_invalide" and "reject_invalid" in p.fix


def test_min_above_max(tmp_path):
    path = write_policy(tmp_path, "prefixes:\n  length:\n    ipv4: {min: 25, max: 24}\n")
    with pytest.raises(InputError) as exc:
        load_policy(path)
    assert "min (25) is larger than max (24)" in exc.value.format()


def test_bad_bogon_entries(tmp_path):
    path = write_policy(tmp_path, "version: 1\n", bogons="ipv4: [10.0.0.1/8, 'fc00::/7']\nipv6: []\n")
    with pytest.raises(InputError) as exc:
        load_policy(path)
    text = exc.value.format()
    assert "bogons.yml:1" in text and "host bits set" in text and "not an ipv4 prefix" in text


def test_missing_bogons_file(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("prefixes:\n  bogons_file: nothere.yml\n")
    with pytest.raises(InputError) as exc:
        load_policy(path)
    assert "nothere.yml" in exc.value.format()


def test_member_override_merges_deeply(default_policy_path):
    base = load_policy(default_policy_path).policy
    eff = effective_policy(base, {"prefixes": {"length": {"ipv4": {"min": 8, "max": 23}}}})
    assert eff.prefixes.length.ipv4.max == 23
    assert eff.prefixes.length.ipv6.max == 48  # untouched
    assert base.prefixes.length.ipv4.max == 24  # the base is not modified
