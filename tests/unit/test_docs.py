"""`ixpctl docs`: the published policy follows the policy data (no drift), in both languages, safely."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from ixpctl.cli import main
from ixpctl.inventory import load_inventory
from ixpctl.policy.chain import CHAIN
from ixpctl.policy.loader import load_policy
from ixpctl.publish.docs import LANGS, build_policy_doc, render_html, render_markdown
from tests.support.builders import base_inventory, write_inventory


def _policy_with(tmp_path: Path, default_policy_path: Path, **changes: dict) -> Path:
    """A copy of policies/default.yml with some sections changed (the bogons file copied alongside)."""
    yaml = YAML()
    data = yaml.load(default_policy_path.read_text())
    for section, values in changes.items():
        for key, value in values.items():
            data[section][key] = value
    (tmp_path / "bogons.yml").write_text((default_policy_path.parent / "bogons.yml").read_text())
    path = tmp_path / "policy.yml"
    with path.open("w") as fh:
        yaml.dump(data, fh)
    return path


def _doc(tmp_path: Path, policy_path: Path, inventory: dict | None = None):
    inv = write_inventory(tmp_path, inventory or base_inventory())
    return build_policy_doc(load_inventory(inv).inventory, load_policy(policy_path))


@pytest.fixture
def default_doc(tmp_path, default_policy_path):
    return _doc(tmp_path, default_policy_path)


@pytest.mark.parametrize("lang", LANGS)
def test_every_check_appears_with_its_code(default_doc, lang):
    text = render_markdown(default_doc, lang)
    for check in CHAIN:
        title = check.title if lang == "en" else check.title_fr
        assert f"{title} (code {check.code})" in text.replace("\\", "")
        assert f"64500:65520:{check.code}`" in text


def test_checks_in_chain_order(default_doc):
    text = render_markdown(default_doc, "en")
    positions = [text.index(f"(code {c.code})") for c in CHAIN]
    assert positions == sorted(positions)


def test_french_has_no_untranslated_check_titles(default_doc):
    text = render_markdown(default_doc, "fr")
    for check in CHAIN:
        assert check.title_fr in text.replace("\\", "")
        if check.title != check.title_fr:
            assert not re.search(rf"(?<!\w){re.escape(check.title)}(?!\w)", text), \
                f"English title {check.title!r} in the French document"
        assert check.explain_fr.split(" (")[0] in text
    for english in ("Route servers", "What to do", "Announcement control", "How to check"):
        assert english not in text
    assert "Préfixes bogons" in text and "à" in text and "é" in text


def test_max_length_change_changes_text(tmp_path, default_policy_path):
    path = _policy_with(tmp_path, default_policy_path,
                        prefixes={"length": {"ipv4": {"min": 8, "max": 23}, "ipv6": {"min": 12, "max": 48}}})
    doc = _doc(tmp_path, path)
    assert "IPv4 /8 to /23" in render_markdown(doc, "en")
    assert "IPv4 de /8 à /23" in render_markdown(doc, "fr")


def test_rpki_tag_only_changes_text(tmp_path, default_policy_path):
    path = _policy_with(tmp_path, default_policy_path, rpki={"reject_invalid": False})
    doc = _doc(tmp_path, path)
    rpki = next(c for c in doc.checks if c.name == "rpki_invalid")
    assert rpki.mode == "tag"
    en = render_markdown(doc, "en")
    assert "Invalid routes are accepted and tagged `64500:65521:14`" in en
    assert "| 15 | 14 | RPKI invalid | **tag only** (route accepted) |" in en
    assert "marquées `64500:65521:14`" in render_markdown(doc, "fr")


def test_rpki_disabled_drops_rpki_info_tags(tmp_path, default_policy_path):
    path = _policy_with(tmp_path, default_policy_path, rpki={"enabled": False})
    en = render_markdown(_doc(tmp_path, path), "en")
    assert "64500:1000:1" not in en and "64500:1001:1" in en
    assert "| 15 | 14 | RPKI invalid | disabled |" in en


def test_standard_communities_follow_policy(tmp_path, default_policy_path):
    default = render_markdown(_doc(tmp_path, default_policy_path), "en")
    assert "`0:peer-as`" in default and "`0:64500`" in default
    path = _policy_with(tmp_path, default_policy_path, communities={"standard": False})
    off = render_markdown(_doc(tmp_path, path), "en")
    assert "`0:peer-as`" not in off and "`0:64500`" not in off and "`64500:peer-as`" not in off
    assert "`64500:0:peer-as`" in off
    assert "not used at this IXP" in off


def test_standard_communities_naming_a_32bit_rs_asn_are_hidden(tmp_path, default_policy_path):
    """With a 32-bit RS ASN, the standard forms that name it (0:RS, RS:peer, 65501:RS) cannot
    exist; those that name only the peer (0:peer, 65511:peer) still work, as in the config."""
    inv = base_inventory()
    inv["ixp"]["rs_asn"] = 4200000000
    doc = _doc(tmp_path, default_policy_path, inv)
    en, fr = (" ".join(render_markdown(doc, lang).split()) for lang in ("en", "fr"))
    assert "`0:peer-as`" in en and "`65511:peer-as`" in en and "`4200000000:0:peer-as`" in en
    assert "`0:4200000000`" not in en and "`65501:4200000000`" not in en
    assert "does not fit in 16 bits" in en and "ne tient pas sur 16 bits" in fr


def test_prepend_off_and_session_knobs(tmp_path, default_policy_path):
    path = _policy_with(tmp_path, default_policy_path, communities={"prepend": False},
                        session={"hold_time": 240, "bfd": True})
    en = render_markdown(_doc(tmp_path, path), "en")
    assert ":101:" not in en
    assert "Hold time 240 s" in en and "BFD: yes" in en


def test_max_prefix_formula_uses_headroom(tmp_path, default_policy_path):
    path = _policy_with(tmp_path, default_policy_path,
                        max_prefix={"headroom": {"absolute": 50, "relative": 20}, "action": "block"})
    en = render_markdown(_doc(tmp_path, path), "en")
    assert "max(value + 50, value × (1 + 20 / 100))" in en
    assert "the extra routes are dropped" in en


HOSTILE = '<script>alert("x")</script> & [a](javascript:alert(1)) | *b*'


def test_hostile_ixp_name_is_escaped(tmp_path, default_policy_path):
    inv = base_inventory()
    inv["ixp"]["name"] = HOSTILE
    inv["ixp"]["long_name"] = "<img src=x onerror=alert(1)>"
    inv["ixp"]["website"] = "javascript:alert(1)"
    doc = _doc(tmp_path, default_policy_path, inv)
    for lang in LANGS:
        html = render_html(doc, lang)
        assert "<script>" not in html and "<img" not in html
        assert "javascript:" not in html.split("<main>")[1].replace("javascript:alert(1))", "")  # text, no link
        assert 'href="javascript' not in html
        assert "&lt;script&gt;" in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html.split("<title>")[1]
        md = render_markdown(doc, lang)
        assert "<script>" not in md and "\\<script\\>" in md


def test_html_is_self_contained_page(default_doc):
    html = render_html(default_doc, "fr")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html and "<style>" in html
    assert "<table>" in html and "<code>64500:65520:14</code>" in html
    assert 'href="policy.en.html"' in html
    assert "<link" not in html and "<script" not in html


def test_cli_writes_four_files(tmp_path, default_policy_path):
    inv = write_inventory(tmp_path, base_inventory())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", str(default_policy_path), "docs", "-o", str(out),
                                       "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = {Path(w["path"]).name for w in json.loads(result.stdout)["written"]}
    assert written == {"policy.en.md", "policy.fr.md", "policy.en.html", "policy.fr.html"}
    assert sorted(p.name for p in out.iterdir()) == sorted(written)  # no temporary files left behind
    assert "TESTIX" in (out / "policy.fr.md").read_text()


def test_cli_one_language_one_format(tmp_path, default_policy_path):
    inv = write_inventory(tmp_path, base_inventory())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", str(default_policy_path), "docs", "--lang", "fr",
                                       "--format", "md", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["policy.fr.md"]
    assert "policy.fr.md" in result.output
