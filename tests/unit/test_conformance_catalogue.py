"""The conformance catalogue without root: it loads, covers every required topic, fits the lab's
topology, and mistakes in it are errors naming file and line. The judge's evidence rules and its
comparison with the evaluator are checked on synthetic observations (no daemons)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from ixpctl.errors import InputError
from ixpctl.lab.catalogue import load_catalogue, plan_rounds
from ixpctl.lab.conformance import DEFAULT_CASES, DEFAULT_LAB, check_catalogue, lab_topology
from ixpctl.lab.judge import Judge
from ixpctl.lab.lab import LabConfig, compile_lab
from ixpctl.lab.model import ReceivedRoute
from ixpctl.lab.observe import Observation
from ixpctl.verify.model import RouteEntry
from tests.conftest import REPO

# The topics the issue asks the suite to cover (each case lists what it covers in `covers:`).
REQUIRED = {
    "next_hop_own", "next_hop_other_member", "next_hop_same_as", "bogon", "peering_lan", "default_route",
    "prefix_length_v4", "prefix_length_v6", "first_as", "as_path_length", "invalid_asn_private",
    "invalid_asn_reserved", "invalid_asn_documentation", "invalid_asn_as_trans", "invalid_asn_as0", "as_set",
    "transit_free_in_path", "transit_free_member_own", "transit_free_member_in_path", "never_via_rs",
    "irr_origin", "irr_prefix", "irr_more_specific", "empty_as_set_fallback", "rpki_valid",
    "rpki_invalid_origin", "rpki_invalid_maxlength", "rpki_not_found", "rpki_roa_as_route_object",
    "max_prefix", "graceful_shutdown", "rtbh_delivered", "rtbh_receive_false", "rtbh_unauthorised",
    "rtbh_not_opted_in", "ctl_no_announce_any_std", "ctl_no_announce_any_large", "ctl_no_announce_peer_std",
    "ctl_no_announce_peer_large", "ctl_only_peer_std", "ctl_only_peer_large", "ctl_prepend_any_std",
    "ctl_prepend_any_large", "ctl_prepend_peer_std", "ctl_prepend_peer_large", "ctl_no_export_any_std",
    "ctl_no_export_peer_std", "ctl_no_export_any_large", "ctl_no_export_peer_large",
    "ctl_no_advertise_any_std", "ctl_no_advertise_peer_std", "ctl_no_advertise_any_large",
    "ctl_no_advertise_peer_large", "ctl_32bit_large_only", "scrub_control", "scrub_forged_rs",
    "member_communities_pass", "med_transparent", "next_hop_transparent", "no_rs_asn_in_path", "path_hiding",
    "rs_identical", "filtered_visible", "aspa_valid", "aspa_invalid", "irr_origin_per_family",
}
OPTIONAL = {"ipv6_global_unicast"}

CATALOGUE = load_catalogue(REPO / DEFAULT_CASES)


def test_catalogue_size_and_coverage():
    cases = CATALOGUE.cases
    assert len(cases) >= 60
    covered = {t for c in cases for t in c.covers}
    assert REQUIRED <= covered, f"not covered: {sorted(REQUIRED - covered)}"
    assert covered <= REQUIRED | OPTIONAL, f"unknown topics (typo?): {sorted(covered - REQUIRED - OPTIONAL)}"
    for topic in ("ctl_prepend_any_std", "ctl_prepend_any_large", "ctl_prepend_peer_std", "ctl_prepend_peer_large"):
        assert sum(topic in c.covers for c in cases) >= 3, f"{topic}: prepend 1, 2 and 3 times"
    assert all(c.ref and c.description for c in cases)
    by_name = {c.name: c for c in cases}
    assert by_name["max-prefix-restart"].destructive
    assert by_name["path-hiding-std"].routes[0].route.communities == {(0, 64498)}


def test_catalogue_fits_the_lab_and_runs_in_few_rounds():
    config = LabConfig.load(REPO / DEFAULT_LAB, base=REPO)
    check_catalogue(CATALOGUE.cases, *lab_topology(config))
    rounds = plan_rounds(CATALOGUE.cases)
    assert len(rounds) == 2 and rounds[-1][0].name == "max-prefix-restart"  # one convergence wait + the destructive one


def test_conformance_lab_runs_the_documented_default_policy():
    assert LabConfig.load(REPO / DEFAULT_LAB, base=REPO).policy == REPO / "policies" / "default.yml"


def test_snapshot_matches_its_manifest():
    from ixpctl.sources.snapshot import read_snapshot

    facts = read_snapshot(REPO / "lab" / "conformance" / "snapshot")
    assert facts.irr["RIPE::AS-EMPTY"].empty and not facts.irr["AS64501"].empty
    assert facts.peeringdb[64505].never_via_route_servers and 64505 in facts.never_via_rs
    assert ("198.19.104.0/22", 24, 64504) in facts.vrps


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "c.yml").write_text("symbols: {A1: 64496}\ncases:\n" + text)
    return tmp_path


GOOD = "  - {name: a, ref: r, covers: [bogon], description: d, announce: [{by: A1, prefix: 10.0.0.0/8, "


@pytest.mark.parametrize("text, message, line", [
    (GOOD + "result: rejected, reason: bogus}]}\n", "not a check of the chain", 3),
    (GOOD + "result: rejected}]}\n", "`reason`", 3),
    (GOOD + "as_path: [A9]}]}\n", "neither an ASN nor a symbol", 3),
    (GOOD + "communities: ['1:2:3']}]}\n", "has 3 parts, expected 2", 3),
    ("  - {name: a, ref: r, covers: [x], description: d}\n", "needs `announce`", 3),
    ("  - {name: a, ref: r, covers: [x], description: d, announce: [{by: A1}]}\n", "needs `prefix`", 3),
    ("  - name: a\n    ref: r\n    covers: [x]\n    descripton: d\n", "unknown key", 6),
    (GOOD + "}]}\n" + GOOD.replace("10.0.0.0/8", "11.0.0.0/8") + "}]}\n", "already used", 4),
    (GOOD + "}, {by: A1, prefix: 10.0.0.0/8, next_hop: 192.0.2.9}]}\n", "2 accepted announcements", 3),
])
def test_mistakes_name_file_and_line(tmp_path, text, message, line):
    with pytest.raises(InputError, match=message) as exc:
        load_catalogue(_write(tmp_path, text))
    assert f"c.yml:{line}" in exc.value.message


def test_announcement_a_speaker_cannot_make_is_an_error():
    """A BIRD member cannot send a path that does not start with its own ASN: named with the case's line."""
    config = LabConfig.load(REPO / DEFAULT_LAB, base=REPO)
    case = next(c for c in CATALOGUE.cases if c.name == "first-as-not-the-peer")
    bad = replace(case, routes=[replace(r, asn=64498) for r in case.routes])  # R16 runs BIRD
    with pytest.raises(InputError, match="bird member AS64498 can only"):
        check_catalogue([bad], *lab_topology(config))


# --- the judge on synthetic observations -------------------------------------------------------

@pytest.fixture(scope="module")
def fake_lab():
    """What the judge reads from a running lab, from the same compile step as ``Lab.up``."""
    config = replace(LabConfig.load(REPO / DEFAULT_LAB, base=REPO), rpki="static")
    _loaded, intents, facts = compile_lab(config)
    nodes, _rs = lab_topology(config)
    by_rs = {i.name: i for i in intents}
    return SimpleNamespace(rs_names=["rs1", "rs2"], intent=by_rs.__getitem__, read_vrps=lambda: facts.vrps,
                           state=SimpleNamespace(info={"members": nodes, "rs_asn": 64500})), nodes


def _observation(nodes, case, received, up=True, filtered=False, reason_code=None) -> Observation:
    obs = Observation()
    cr = case.routes[0]
    for rs in ("rs1", "rs2"):
        entry = RouteEntry(cr.route.prefix, f"AS{cr.asn}_1_v{cr.route.afi}", "master4", True, filtered,
                           as_path=cr.route.as_path, next_hop="192.0.2.10",
                           large_communities=[(64500, 65520, reason_code)] if reason_code else [])
        obs.rs_routes[rs] = {(cr.route.prefix, entry.protocol): [entry]}
        obs.rs_sessions[rs] = {}
    for n in nodes:
        if n["speaker"] != "bird":
            continue
        for rs in ("rs1", "rs2"):
            for afi in (4, 6):
                key = (n["asn"], n["connection"], rs, afi)
                obs.receiver_up[key] = up
                obs.received[key] = {cr.route.prefix: received} if received else {}
    return obs


def test_judge_accepts_what_the_catalogue_says(fake_lab):
    lab, nodes = fake_lab
    judge = Judge(lab, [n for n in nodes if n["speaker"] == "bird"], {64498: "R16"})
    case = next(c for c in CATALOGUE.cases if c.name == "next-hop-own-v4")
    good = ReceivedRoute("198.18.1.0/24", (("seq", (64496,)),), "192.0.2.10")
    assert judge.catalogue(case, _observation(nodes, case, good)) == []
    assert judge.evaluator(case, _observation(nodes, case, good)) == []


def test_absence_counts_only_on_an_established_session(fake_lab):
    lab, nodes = fake_lab
    judge = Judge(lab, [n for n in nodes if n["speaker"] == "bird"], {})
    case = next(c for c in CATALOGUE.cases if c.name == "ctl-std-do-not-announce-to-any")
    assert judge.catalogue(case, _observation(nodes, case, None)) == []
    down = judge.catalogue(case, _observation(nodes, case, None, up=False))
    assert down and {m.field for m in down} == {"session"}


def test_wrong_reason_and_evaluator_disagreement_are_reported(fake_lab):
    lab, nodes = fake_lab
    judge = Judge(lab, [n for n in nodes if n["speaker"] == "bird"], {})
    case = next(c for c in CATALOGUE.cases if c.name == "bogon-rfc1918")
    obs = _observation(nodes, case, None, filtered=True, reason_code=17)  # BIRD says default_route
    found = judge.catalogue(case, obs) + judge.evaluator(case, obs)
    assert {(m.field, m.source) for m in found} == {("result", "catalogue"), ("import verdict", "evaluator")}
    assert "rejected:default_route" in found[0].text()


def test_export_comparison_uses_best_for(fake_lab, monkeypatch):
    """Coded against the evaluator's export API (PolicyEngine.export, best_for) before it lands."""
    from ixpctl.policy import evaluate as ev

    def best_for(engine, candidates, receiver_asn):
        route, session = candidates[0]
        verdict = engine.evaluate(route, session)
        if not verdict.accepted:
            return None
        path = tuple(a for _, asns in route.as_path for a in asns)
        return route, SimpleNamespace(as_path=path if receiver_asn != 64498 else (64496, 64496),
                                      next_hop=route.next_hop, med=None, communities=frozenset(),
                                      large_communities=frozenset(), ext_communities=frozenset())

    monkeypatch.setattr(ev.PolicyEngine, "export", lambda *a: None, raising=False)
    monkeypatch.setattr(ev, "best_for", best_for, raising=False)
    lab, nodes = fake_lab
    judge = Judge(lab, [n for n in nodes if n["speaker"] == "bird"], {64498: "R16"})
    assert judge.export_note is None
    case = next(c for c in CATALOGUE.cases if c.name == "next-hop-own-v4")
    got = ReceivedRoute("198.18.1.0/24", (("seq", (64496,)),), "192.0.2.10")
    found = judge.evaluator(case, _observation(nodes, case, got))
    assert found and {m.where.split(" via ")[0] for m in found} == {"R16/1 (AS64498)"}
    assert {(m.field, m.source) for m in found} == {("export as_path", "evaluator")}
