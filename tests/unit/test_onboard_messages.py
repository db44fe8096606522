"""Pre-flight verdicts in English and French: one message catalog, and a French welcome pack whose
to-do list ("Avant la mise en service") is in French while the English pack stays as it was.

Every branch of ``ixpctl.onboard.preflight`` is built from small inputs (no daemon, no network); the
English sentences are pinned to what the checks said before the catalog existed.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from ixpctl.analysis.selfcheck import CheckReport, PrefixResult
from ixpctl.cli import main
from ixpctl.inventory import load_inventory
from ixpctl.onboard import messages, preflight
from ixpctl.onboard.messages import CATALOG, CHECKS, Message, check_id, fields, render
from ixpctl.onboard.model import CheckResult
from ixpctl.policy.loader import load_policy
from ixpctl.publish.docs import md_escape
from ixpctl.publish.welcome import build_welcome, render_html, render_markdown
from ixpctl.sources import snapshot as snap
from ixpctl.sources.facts import Contact, Facts, IrrExpansion, PdbNetIxLan, PdbNetwork
from ixpctl.sources.snapshot_write import write_snapshot

REPO = Path(__file__).resolve().parents[2]
ASET = "AFRINIC::AS-TOMBOUCTOU"

# Codes whose wording is the same in both languages: names, numbers and raw tool output only.
NEUTRAL = {"irr.origin.live", "irr.error", "as_set.subject.sets", "max_prefix.summary"}


# --- the catalog ------------------------------------------------------------------------------------

def test_every_code_has_english_and_french_with_the_same_fields():
    for code, text in CATALOG.items():
        assert text.en.strip() and text.fr.strip(), code
        assert fields(text.en) == fields(text.fr), f"{code}: {fields(text.en)} != {fields(text.fr)}"
        sample = dict.fromkeys(fields(text.en), 7)
        assert render(code, sample, "en") and render(code, sample, "fr")  # both format with them
        if code not in NEUTRAL:
            assert text.en != text.fr, f"{code} is not translated"


def test_every_code_belongs_to_a_check_or_to_a_shared_piece():
    for code in CATALOG:
        assert check_id(code) in CHECKS or check_id(code) in {"common", "irr"}, code
    for check, title in CHECKS.items():
        assert title.en and title.fr, check
        assert any(check_id(code) == check for code in CATALOG), f"{check} has no message"


def test_nested_messages_and_lists_render_in_the_same_language():
    msg = Message("as_set.unexpandable", {"queries": "AS-X", "problems": [
        Message("irr.offline_missing", {"queries": "AS-X"}), "timeout"]})
    assert msg.render("en").startswith("AS-X could not be expanded: AS-X not in the facts snapshot")
    assert msg.render("en").endswith("; timeout")
    assert msg.render("fr").startswith("expansion impossible pour AS-X : AS-X absent de l'instantané des données")
    assert msg.render("fr").endswith(" ; timeout")
    assert str(msg) == msg.render("en")
    with pytest.raises(ValueError, match="unknown language"):
        msg.render("de")


def test_a_check_result_needs_a_check_message():
    with pytest.raises(ValueError, match="not a check message"):
        CheckResult.of("warn", Message("irr.error", {"text": "x"}))
    legacy = CheckResult("custom", "warn", "made by hand")  # still works, English everywhere
    assert legacy.line("fr") == "custom : made by hand" and legacy.line("en") == "custom: made by hand"


# --- every pre-flight branch ------------------------------------------------------------------------

def _exp(query: str = ASET, asns=(64507,), p4=(("198.18.112.0/23", 23, 23),), p6=(("2001:db8:c000::/48", 48, 48),),
         **kw) -> dict[str, IrrExpansion]:
    return {query: IrrExpansion(query, list(asns), list(p4), list(p6), **kw)}


def _prefix(prefix: str, accepted: bool, check: str | None = None, reason: str | None = None) -> PrefixResult:
    return PrefixResult(prefix, 64507, [64507], accepted, check, None, reason, None, None, None, None, False)


def _report(*results: PrefixResult) -> CheckReport:
    return CheckReport(64507, "Tombouctou Telecom", "rs1", list(results), [])


def all_results() -> list[CheckResult]:
    """One result per branch of every check (the ones that reach the welcome pack and the passes)."""
    net = PdbNetwork(64507, "Tombouctou Telecom", info_prefixes4=15, info_prefixes6=5,
                     contacts=[Contact("NOC", email="noc@t.example")])
    bare = PdbNetwork(64507, "Tombouctou Telecom")
    limits = (115, 105, "peeringdb+headroom")
    _, _, offline = preflight.irr_data([ASET], Facts(), SimpleNamespace(), offline=True, options={})
    ok = _report(_prefix("198.18.112.0/23", True), _prefix("2001:db8:c000::/48", True))
    return [
        # AS-SET
        preflight.check_as_set(64507, [ASET], True, {}, "facts snapshot", offline),
        preflight.check_as_set(64507, ["AS-A", "AS-B"], True, {}, "bgpq4 (h1:43)", ["AS-A: timeout", "AS-B: timeout"]),
        preflight.check_as_set(64507, [ASET], True, _exp(asns=(), p4=(), p6=()), "facts snapshot", []),
        preflight.check_as_set(64507, ["AS64507"], False, _exp("AS64507", asns=(), p4=(), p6=()), "bgpq4 h1:43", []),
        preflight.check_as_set(64507, [ASET, "AS-B"], True, _exp(), "facts snapshot + bgpq4 h1:43",
                               ["AS-B: timeout"]),
        preflight.check_as_set(64507, [ASET], True, _exp(truncated=True, warnings=["limit"]), "bgpq4 h1:43", []),
        preflight.check_as_set(64507, [ASET], True, _exp(asns=(64999,)), "facts snapshot", []),
        preflight.check_as_set(64507, [ASET], True, _exp(asns=range(64507, 65608)), "facts snapshot", []),
        preflight.check_as_set(64507, [ASET], True, _exp(), "facts snapshot", []),
        preflight.check_as_set(64507, ["AS64507"], False, _exp("AS64507"), "facts snapshot", []),
        # route objects
        preflight.check_route_objects({}, {4, 6}),
        preflight.check_route_objects(_exp(p6=()), {4, 6}),
        preflight.check_route_objects(_exp(), {4, 6}),
        # ROA coverage
        preflight.check_roa_coverage({}),
        preflight.check_roa_coverage({"198.18.112.0/23": "valid", "198.19.0.0/24": "not-found",
                                      "2001:db8:c000::/48": "valid"}),
        preflight.check_roa_coverage({"198.18.112.0/23": "valid"}),
        # RPKI invalid
        preflight.check_rpki_invalid(None),
        preflight.check_rpki_invalid(_report(_prefix("198.19.0.0/24", False, "rpki_invalid", "RPKI invalid"))),
        preflight.check_rpki_invalid(ok),
        # self-check
        preflight.check_self(None),
        preflight.check_self(_report(_prefix("198.19.0.0/24", False, "irr", "not in the AS-SET"))),
        preflight.check_self(_report(_prefix("198.18.112.0/23", True),
                                     _prefix("198.19.0.0/24", False, "irr", "not in the AS-SET"))),
        preflight.check_self(ok),
        # max-prefix
        preflight.check_max_prefix(bare, _exp(), (100, 50, "default")),
        preflight.check_max_prefix(bare, _exp(), None),
        preflight.check_max_prefix(PdbNetwork(64507, "T", info_prefixes4=1, info_prefixes6=50000), _exp(), limits),
        preflight.check_max_prefix(net, _exp(), limits),
        # is_rs_peer
        preflight.check_rs_peer([], False),
        preflight.check_rs_peer([], True),
        preflight.check_rs_peer([PdbNetIxLan(64507, 1, is_rs_peer=False)], True),
        preflight.check_rs_peer([PdbNetIxLan(64507, 1, is_rs_peer=True)], True),
        # contacts
        preflight.check_contacts(net, "noc@t.example"),
        preflight.check_contacts(bare, "noc_x*y@t.example"),
        preflight.check_contacts(bare, None),
        # never via route servers
        preflight.check_never_via_rs(PdbNetwork(64507, "T", never_via_route_servers=True)),
        preflight.check_never_via_rs(net),
    ]


# What each branch said before the catalog (name, verdict, explanation): the English must not move.
ENGLISH = [
    ("AS-SET", "fail",
     ("AFRINIC::AS-TOMBOUCTOU could not be expanded: AFRINIC::AS-TOMBOUCTOU not in the facts "
      "snapshot and --offline forbids a live bgpq4 query (run without --offline, or `ixpctl "
      "sources refresh --irr` first: it expands the AS-SETs of networks registered at the IXP "
      "in PeeringDB)")),
    ("AS-SET", "fail", "AS-A, AS-B could not be expanded: AS-A: timeout; AS-B: timeout"),
    ("AS-SET", "fail",
     ("AFRINIC::AS-TOMBOUCTOU (facts snapshot) expands to nothing: every route of AS64507 would "
      "be rejected; the member must create or fix its AS-SET and route objects in its IRR")),
    ("AS-SET", "fail",
     ("no AS-SET in PeeringDB, so the aut-num AS64507 is used (only its own routes are "
      "accepted) expands to nothing: every route of AS64507 would be rejected; the member must "
      "create or fix its AS-SET and route objects in its IRR")),
    ("AS-SET", "fail",
     ("AFRINIC::AS-TOMBOUCTOU, AS-B (facts snapshot + bgpq4 h1:43): 1 origin ASN(s), 1 IPv4 + 1 "
      "IPv6 prefixes; nesting and loops are resolved by bgpq4 (it reports neither depth nor "
      "loops); some queries failed")),
    ("AS-SET", "warn",
     ("AFRINIC::AS-TOMBOUCTOU (bgpq4 h1:43): 1 origin ASN(s), 1 IPv4 + 1 IPv6 prefixes; nesting "
      "and loops are resolved by bgpq4 (it reports neither depth nor loops); a size limit cut "
      "the expansion (sources.irr.max_*)")),
    ("AS-SET", "warn",
     ("AFRINIC::AS-TOMBOUCTOU (facts snapshot): 1 origin ASN(s), 1 IPv4 + 1 IPv6 prefixes; "
      "nesting and loops are resolved by bgpq4 (it reports neither depth nor loops); AS64507 "
      "itself is not in it (its own routes would be rejected): ask the member to add it")),
    ("AS-SET", "warn",
     ("AFRINIC::AS-TOMBOUCTOU (facts snapshot): 1101 origin ASN(s), 1 IPv4 + 1 IPv6 prefixes; "
      "nesting and loops are resolved by bgpq4 (it reports neither depth nor loops); more than "
      "1000 ASNs: check it is the customer cone, not a transit provider's full set")),
    ("AS-SET", "pass",
     ("AFRINIC::AS-TOMBOUCTOU (facts snapshot): 1 origin ASN(s), 1 IPv4 + 1 IPv6 prefixes; "
      "nesting and loops are resolved by bgpq4 (it reports neither depth nor loops)")),
    ("AS-SET", "warn",
     ("no AS-SET in PeeringDB, so the aut-num AS64507 is used (only its own routes are "
      "accepted): 1 origin ASN(s), 1 IPv4 + 1 IPv6 prefixes; nesting and loops are resolved by "
      "bgpq4 (it reports neither depth nor loops)")),
    ("route objects", "fail", "no route/route6 objects: nothing would be accepted"),
    ("route objects", "warn",
     ("1 route + 0 route6 objects; none for IPv6 although it peers over it: create route "
      "objects")),
    ("route objects", "pass", "1 route + 1 route6 objects"),
    ("ROA coverage", "warn", "no IRR prefixes to check"),
    ("ROA coverage", "warn",
     ("2 of 3 IRR prefixes covered by a matching ROA (67 %); create ROAs for the others at the "
      "RIR")),
    ("ROA coverage", "pass", "1 of 1 IRR prefixes covered by a matching ROA (100 %)"),
    ("RPKI invalid", "warn", "self-check not run (no route-server session)"),
    ("RPKI invalid", "warn",
     ("1 IRR route(s) are RPKI invalid and will be rejected: fix the ROA or withdraw the route "
      "object")),
    ("RPKI invalid", "pass", "none of the 2 IRR routes is RPKI invalid"),
    ("self-check", "warn", "not run: the member has no route-server session"),
    ("self-check", "fail", "0 of 1 IRR routes accepted by rs1's policy: nothing would be accepted"),
    ("self-check", "warn", "1 of 2 IRR routes accepted by rs1's policy"),
    ("self-check", "pass", "2 of 2 IRR routes accepted by rs1's policy"),
    ("max-prefix", "warn",
     ("not set in PeeringDB (info_prefixes4/6): the policy default applies; route-server limit "
      "100/50 (default); ask the member to set it")),
    ("max-prefix", "warn",
     ("not set in PeeringDB (info_prefixes4/6): the policy default applies; ask the member to "
      "set it")),
    ("max-prefix", "warn",
     ("PeeringDB 1 IPv4 / 50000 IPv6, IRR 1/1; route-server limit 115/105 (peeringdb+headroom)")),
    ("max-prefix", "pass",
     ("PeeringDB 15 IPv4 / 5 IPv6, IRR 1/1; route-server limit 115/105 (peeringdb+headroom)")),
    ("is_rs_peer", "warn", "ixp.peeringdb_ix_id is not set: registration not checked"),
    ("is_rs_peer", "warn",
     ("not registered at this IXP in PeeringDB: ask the member to add the exchange (netixlan) "
      "with is_rs_peer once connected")),
    ("is_rs_peer", "warn",
     ("PeeringDB says is_rs_peer: false: confirm the member wants route-server sessions (and "
      "ask it to update PeeringDB)")),
    ("is_rs_peer", "pass", "PeeringDB registration at this IXP says it peers with the route servers"),
    ("contacts", "pass", "1 public contact(s) in PeeringDB; inventory contact: noc@t.example"),
    ("contacts", "warn",
     ("no public contact in PeeringDB; inventory contact noc_x*y@t.example (from --contact): "
      "ask the member to publish a NOC contact")),
    ("contacts", "warn",
     ("no contact: neither PeeringDB (public) nor --contact; the IXP cannot reach the NOC in an "
      "incident: pass --contact noc@...")),
    ("never via RS", "warn",
     ("PeeringDB says this network never peers via route servers: the connection is recorded "
      "with route_server: false (no sessions); its routes would be rejected everywhere else on "
      "the route servers anyway")),
    ("never via RS", "pass", "not flagged 'never via route servers' in PeeringDB"),
]


def test_the_english_of_every_branch_is_unchanged():
    got = [(r.name, r.verdict, r.explanation) for r in all_results()]
    assert got == ENGLISH


def test_every_result_carries_a_catalog_code_and_every_check_code_is_reachable():
    results = all_results()
    for r in results:
        assert r.code in CATALOG and check_id(r.code) in CHECKS, r
        assert r.name == messages.check_title(check_id(r.code), "en")
        assert r.explanation == render(r.code, r.params, "en") == r.text("en")
        assert r.text("fr") != r.text("en") or r.code in NEUTRAL, r.code
        json.dumps(r.to_json())  # --json still works, with the code and its parameters
        assert {"name", "verdict", "explanation", "details", "code", "params"} <= set(r.to_json())

    def codes(code: str, params: dict) -> set[str]:
        out = {code}
        for value in params.values():
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, Message):
                    out |= codes(v.code, v.params)
        return out

    used = {"common.line"}.union(*(codes(r.code, r.params) for r in results))
    assert used == set(CATALOG), f"never used: {set(CATALOG) - used}"


def test_preflight_makes_every_result_from_the_catalog():
    """Statically: no CheckResult built by hand, and every Message code written in preflight.py exists."""
    tree = ast.parse(inspect.getsource(preflight))
    codes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "CheckResult", f"line {node.lineno}: use CheckResult.of(verdict, Message(...))"
            if node.func.id == "Message":
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), f"line {node.lineno}"
                codes.append(first.value)
    assert codes and set(codes) <= set(CATALOG), set(codes) - set(CATALOG)


def test_french_keeps_the_dynamic_values():
    results = all_results()
    fr = {r.code: r.line("fr") for r in reversed(results)}  # the first result of each code
    assert fr["as_set.member_missing"] == (
        "AS-SET : AFRINIC::AS-TOMBOUCTOU (instantané des données) : 1 ASN d'origine, 1 préfixe(s) IPv4 + 1 IPv6 ; "
        "les imbrications et les boucles sont résolues par bgpq4 (qui ne signale ni la profondeur ni les boucles) ; "
        "l'AS64507 lui-même n'y figure pas (ses propres routes seraient rejetées) : le membre doit l'y ajouter")
    assert fr["as_set.large"].endswith("plus de 1000 ASN : vérifier qu'il s'agit bien du cône client et non de "
                                       "l'ensemble complet d'un fournisseur de transit")
    assert "1101 ASN d'origine" in fr["as_set.large"]
    assert fr["roa_coverage.partial"] == ("couverture ROA : 2 sur 3 préfixes IRR couverts par un ROA correspondant "
                                          "(67 %) ; créer auprès du RIR les ROA des autres préfixes")
    assert fr["route_objects.family_missing"].startswith("objets route : 1 objet(s) route + 0 objet(s) route6 ; "
                                                         "aucun pour IPv6")
    assert fr["self_check.nothing"] == ("auto-vérification : 0 sur 1 routes IRR acceptées par la politique de rs1 : "
                                        "aucune route ne serait acceptée")
    assert fr["max_prefix.summary"] == ("max-prefix : PeeringDB 1 IPv4 / 50000 IPv6, IRR 1/1 ; limite sur les serveurs "
                                        "de routes : 115/105 (peeringdb+headroom)")
    assert "(contact dans l'inventaire : noc_x*y@t.example, via --contact)" in fr["contacts.not_public"]
    assert "AFRINIC::AS-TOMBOUCTOU absent de l'instantané des données" in fr["as_set.unexpandable"]
    fallback = next(r for r in results if r.code == "as_set.summary" and r.verdict == "warn")
    assert fallback.line("fr").startswith("AS-SET : pas d'AS-SET dans PeeringDB : l'aut-num "
                                                           "AS64507 est utilisé à la place")


# --- the welcome pack -------------------------------------------------------------------------------

def _pack(todo):
    inv = load_inventory(REPO / "inventory").inventory
    return build_welcome(inv, load_policy(REPO / "policies" / "default.yml"), 64496, None, None, todo=todo)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    return text[start:text.index("\n---\n", start)]


def test_welcome_pack_todo_english_unchanged_and_french_in_french():
    todo = [r for r in all_results() if r.verdict != "pass"]
    pack = _pack(todo)
    # the English pack is what the plain "name: explanation" strings gave before
    assert render_markdown(pack, "en") == render_markdown(_pack([f"{c.name}: {c.explanation}" for c in todo]), "en")
    en = _section(render_markdown(pack, "en"), "## Before you go live")
    assert en.splitlines()[2:] == [f"- {md_escape(f'{c.name}: {c.explanation}')}" for c in todo]

    fr_md = render_markdown(pack, "fr")
    fr = _section(fr_md, "## Avant la mise en service")
    assert "en anglais" not in fr_md
    assert fr.splitlines()[2:] == [f"- {md_escape(c.line('fr'))}" for c in todo]
    for c in todo:
        if c.code not in NEUTRAL and not c.code.startswith("as_set.unexpandable"):
            assert md_escape(c.explanation) not in fr, c.code
    for english in ("would be rejected", "ask the member", "IRR prefixes covered", "route objects;",
                    "create ROAs", "not set in PeeringDB", "no public contact", "could not be expanded"):
        assert english not in fr, english
    # member-supplied text stays escaped in Markdown and is plain text in HTML
    assert "noc\\_x\\*y@t.example" in fr and "noc_x*y" not in fr
    html = render_html(pack, "fr")
    assert "noc_x*y@t.example" in html and "<em>" not in html


# --- end to end: `ixpctl onboard` with warnings -----------------------------------------------------

EN_TODO = """\
## Before you go live

- route objects: 2 route + 0 route6 objects; none for IPv6 although it peers over it: create route objects
- ROA coverage: 1 of 2 IRR prefixes covered by a matching ROA (50 %); create ROAs for the others at the RIR
- max-prefix: not set in PeeringDB (info\\_prefixes4/6): the policy default applies; route-server limit 100/50 \
(default); ask the member to set it
- contacts: no public contact in PeeringDB; inventory contact noc\\_x\\*y@t.example (from --contact): ask the member \
to publish a NOC contact
"""

FR_TODO = """\
## Avant la mise en service

- objets route : 2 objet(s) route + 0 objet(s) route6 ; aucun pour IPv6, alors que le membre y échange des routes : \
créer les objets route correspondants
- couverture ROA : 1 sur 2 préfixes IRR couverts par un ROA correspondant (50 %) ; créer auprès du RIR les ROA des \
autres préfixes
- max-prefix : non renseigné dans PeeringDB (info\\_prefixes4/6) : la valeur par défaut de la politique s'applique ; \
limite sur les serveurs de routes : 100/50 (default) ; le membre doit le renseigner
- contacts : aucun contact public dans PeeringDB (contact dans l'inventaire : noc\\_x\\*y@t.example, via --contact) : \
le membre doit publier un contact NOC
"""


@pytest.mark.skipif(shutil.which("bird") is None, reason="onboarding checks the built configs with bird -p")
def test_onboard_with_warnings_writes_a_french_todo(tmp_path, monkeypatch):
    (tmp_path / "inventory").mkdir()
    shutil.copyfile(REPO / "inventory" / "mlix.yml", tmp_path / "inventory" / "mlix.yml")
    monkeypatch.chdir(tmp_path)
    facts = snap.read_snapshot(REPO / "snapshots" / "mlix")
    facts.irr[ASET].prefixes6 = []  # no route6 objects although it peers over IPv6
    net = facts.peeringdb[64507]
    net.info_prefixes4 = net.info_prefixes6 = None  # no max-prefix in PeeringDB
    net.contacts = []  # no public contact
    snapshot = write_snapshot(facts, tmp_path / "snap")
    argv = ["-i", str(tmp_path / "inventory"), "-p", str(REPO / "policies" / "default.yml"), "onboard", "64507",
            "--yes", "--contact", "noc_x*y@t.example", "--offline", "--peeringdb-cache", str(tmp_path / "no-cache"),
            "--snapshot", str(snapshot), "--welcome-dir", str(tmp_path / "welcome")]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output

    en = (tmp_path / "welcome" / "AS64507.en.md").read_text()
    fr = (tmp_path / "welcome" / "AS64507.fr.md").read_text()
    assert _section(en, "## Before you go live") == EN_TODO
    assert _section(fr, "## Avant la mise en service") == FR_TODO
    assert "en anglais" not in fr and not re.search(r"\b(ask the member|objects;|covered by)\b", fr)
    html = (tmp_path / "welcome" / "AS64507.fr.html").read_text()
    assert "<li>contacts : aucun contact public dans PeeringDB (contact dans l&#x27;inventaire : noc_x*y@t.example" \
           in html or "<li>contacts : aucun contact public dans PeeringDB (contact dans l'inventaire : noc_x*y@t.example" \
           in html
