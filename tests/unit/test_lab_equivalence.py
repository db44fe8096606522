"""rs1 vs rs2 as members see them (lab/equivalence.py), and judge messages naming the real daemon."""

from __future__ import annotations

from types import SimpleNamespace

from ixpctl.lab.equivalence import compare_received, daemon_label
from ixpctl.lab.judge import Judge, Mismatch
from ixpctl.lab.model import ReceivedRoute

LAB = SimpleNamespace(state=SimpleNamespace(info={
    "rs_bird": {"version": "2.0.12"},
    "route_servers": [{"name": "rs1"}, {"name": "rs2", "daemon": "openbgpd", "version": "7.7"}]}),
    rs_names=["rs1", "rs2"])


def _r(prefix="198.18.0.0/24", path=((("seq"), (64496,)),), nh="192.0.2.10", **kw):
    return ReceivedRoute(prefix, path, nh, **kw)


def test_identical_routes_make_no_difference():
    n, diffs = compare_received({"rs1": {"198.18.0.0/24": _r(communities=[(1, 2), (3, 4)])},
                                 "rs2": {"198.18.0.0/24": _r(communities=[(3, 4), (1, 2)])}}, "AS64501/1 IPv4")
    assert (n, diffs) == (1, [])


def test_every_attribute_and_presence_is_compared():
    n, diffs = compare_received({
        "rs1": {"198.18.0.0/24": _r(med=10, large_communities=[(64500, 0, 1)]), "198.18.1.0/24": _r("198.18.1.0/24")},
        "rs2": {"198.18.0.0/24": _r(nh="192.0.2.11", med=None)}}, "AS64501/1 IPv4")
    assert n == 2
    assert {(d.prefix, d.field) for d in diffs} == {("198.18.0.0/24", "next_hop"), ("198.18.0.0/24", "med"),
                                                   ("198.18.0.0/24", "large_communities"),
                                                   ("198.18.1.0/24", "presence")}
    presence = next(d for d in diffs if d.field == "presence")
    assert presence.values == {"rs1": "received", "rs2": "not received"} and "AS64501/1 IPv4" in str(presence)


def test_daemon_labels_and_judge_messages_name_the_real_daemon():
    assert daemon_label(LAB, "rs1") == "BIRD 2.0.12" and daemon_label(LAB, "rs2") == "OpenBGPD 7.7"
    judge = Judge.__new__(Judge)  # only the naming helpers: no lab processes needed
    judge.lab, judge.rs_names, judge.daemons = LAB, LAB.rs_names, {"rs1": "bird", "rs2": "openbgpd"}
    found = judge._named([Mismatch("rs2 from AS64496 198.18.0.0/24", "result", "accepted", "rejected:x"),
                          Mismatch("R1/1 (AS64501) via rs1 198.18.0.0/24", "med", 1, 2),
                          Mismatch("R1/1 (AS64501) 198.18.0.0/24", "rs1 vs rs2", "a", "b")])
    assert [m.shown_by for m in found] == ["OpenBGPD 7.7", "BIRD 2.0.12", "OpenBGPD 7.7"]
    assert found[0].text().endswith("OpenBGPD 7.7 rejected:x")
