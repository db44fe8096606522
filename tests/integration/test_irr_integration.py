"""The IRR source against a real IRRd 4.5 with the real bgpq4 (tests/support/irrd.py).

Data: tests/fixtures/irr/fixture.rpsl (sources TEST, ALT) and examples/mlix/irr.rpsl (RIPE,
AFRINIC). Expected values are written out by hand from those files, not taken from a run.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from ixpctl.errors import SourceError
from ixpctl.inventory.loader import load_inventory
from ixpctl.inventory.sources_config import IrrSource
from ixpctl.sources import irr

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

TOP_ASNS = [100600, 100601, 100602, 100603, 100604]  # AS100607 (unauthorised member-of) must not be here
TOP_V4_24 = [("100.64.0.0/24", 24, 24), ("100.64.2.0/24", 24, 24), ("100.64.3.0/24", 24, 24),
             ("100.64.10.0/24", 24, 24), ("198.51.100.0/24", 24, 24), ("203.0.113.0/24", 24, 24)]
TOP_V4_25 = [("100.64.0.0/24", 24, 24), ("100.64.2.0/24", 24, 24), ("100.64.3.0/24", 24, 24),
             ("100.64.10.0/24", 24, 24), ("198.51.100.0/24", 24, 24), ("198.51.100.0/25", 25, 25),
             ("198.51.100.128/25", 25, 25), ("203.0.113.0/24", 24, 24)]
TOP_V6 = [("2001:db8:100::/48", 48, 48), ("2001:db8:200::/48", 48, 48), ("2001:db8:201::/48", 48, 48)]


def make_settings(host: str, **kw) -> IrrSource:
    return IrrSource(hosts=[host], sources=kw.pop("sources", ["TEST"]), timeout=kw.pop("timeout", 20), **kw)


@pytest.fixture
def s(irrd_host: str) -> IrrSource:
    return make_settings(irrd_host)


def test_plain_nested_loop_and_mbrs_by_ref(s):
    exp = irr.expand("AS-TOP", s, max_length4=25)
    assert exp.asns == TOP_ASNS
    assert exp.prefixes4 == TOP_V4_25
    assert exp.warnings == [] and not exp.truncated


def test_hierarchical_set_name(s):
    exp = irr.expand("AS100601:AS-CUSTOMERS", s)
    assert exp.asns == [100604]
    assert exp.prefixes4 == [("100.64.2.0/24", 24, 24), ("100.64.3.0/24", 24, 24)]


def test_route6(s):
    exp = irr.expand("AS-TOP", s)
    assert exp.prefixes6 == TOP_V6
    assert irr.expand("AS-TOP", s, max_length6=47).prefixes6 == []


def test_max_length_drops_more_specifics(s):
    assert irr.expand("AS-TOP", s).prefixes4 == TOP_V4_24  # default max_length4=24: the /25s are gone


def test_aggregate(s):
    exp = irr.expand("AS-TOP", s, max_length4=25, aggregate=True)
    assert exp.prefixes4 == [("100.64.0.0/24", 24, 24), ("100.64.2.0/23", 24, 24), ("100.64.10.0/24", 24, 24),
                             ("198.51.100.0/24", 24, 25), ("203.0.113.0/24", 24, 24)]
    assert exp.prefixes6 == [("2001:db8:100::/48", 48, 48), ("2001:db8:200::/47", 48, 48)]


@pytest.mark.parametrize("query", ["AS-NOSUCH", "AS-EMPTY", "AS-SELFLOOP", "AS-GHOST", "TEST::AS-NOSUCH"])
def test_missing_or_empty_set_resolves_to_nothing_loudly(s, query):
    exp = irr.expand(query, s)
    assert exp.empty
    assert any(f"AS-SET {query} resolved to nothing" in w for w in exp.warnings)


def test_set_without_routes(s):
    exp = irr.expand("AS-ROUTELESS", s)
    assert exp.asns == [100609] and not exp.prefixes4 and not exp.prefixes6
    assert any("no route/route6 objects" in w for w in exp.warnings)


def test_special_asns_only_with_allow(s):
    dropped = irr.expand("AS-DOCONLY", s)
    assert dropped.asns == []
    assert any("AS64500, AS65551" in w for w in dropped.warnings)
    assert irr.expand("AS-DOCONLY", s, allow_special_asns=True).asns == [64500, 65551]


def test_source_qualified_queries(s, irrd_host):
    # Unqualified: the first -S source that has the name wins.
    assert irr.expand("AS-TOP", make_settings(irrd_host, sources=["ALT", "TEST"])).asns == [100700]
    # SOURCE:: picks the top set from that source, whatever the -S order...
    assert irr.expand("ALT::AS-TOP", make_settings(irrd_host, sources=["TEST", "ALT"])).asns == [100700]
    assert irr.expand("TEST::AS-TOP", make_settings(irrd_host, sources=["TEST", "ALT"])).asns == TOP_ASNS
    # ...but names nested inside it follow the -S order: TEST's AS-LEAF refers back to "AS-TOP",
    # which with ALT first is ALT's AS-TOP (AS100700).
    nested = irr.expand("TEST::AS-TOP", make_settings(irrd_host, sources=["ALT", "TEST"]))
    assert nested.asns == [*TOP_ASNS, 100700]
    # ...and its routes are found even when that source is not configured (it is added to -S).
    alt = irr.expand("ALT::AS-TOP", s)
    assert alt.asns == [100700] and alt.prefixes4 == [("100.70.0.0/24", 24, 24)]


def test_unknown_source_is_an_error_not_a_silent_fallback(s):
    # Left to itself, bgpq4 1.9 prints "Error expanding !sNOPE" but exits 0 and expands AS-TOP from its
    # default sources. ixpctl adds NOPE to -S, so IRRd refuses the source list and bgpq4 fails.
    with pytest.raises(SourceError) as err:
        irr.expand("NOPE::AS-TOP", s)
    assert "NOPE::AS-TOP failed on every host" in err.value.message and "NOPE" in err.value.message.split(":", 3)[-1]


def test_limits(irrd_host):
    exp = irr.expand("AS-TOP", make_settings(irrd_host, max_asns=2, max_prefixes4=3, max_prefixes6=3))
    assert exp.truncated
    assert exp.asns == TOP_ASNS[:2] and exp.prefixes4 == TOP_V4_24[:3] and exp.prefixes6 == TOP_V6
    assert len([w for w in exp.warnings if w.startswith("LIMIT: AS-SET AS-TOP")]) == 2


def test_failover_from_dead_host_to_irrd(irrd_host):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"
    outcome = irr.expand_detailed("AS-TOP", IrrSource(hosts=[dead, irrd_host], sources=["TEST"], timeout=10))
    assert outcome.host == irrd_host and [h for h, _ in outcome.failed_hosts] == [dead]
    assert outcome.expansion.asns == TOP_ASNS
    assert outcome.expansion.warnings[0].startswith(f"IRR host failover for AS-TOP: answered by {irrd_host}")


def test_expand_all_parallel(irrd_host):
    queries = ["AS-TOP", "AS-MID", "AS-LEAF", "AS100601:AS-CUSTOMERS", "AS-ROUTELESS", "ALT::AS-TOP",
               "AS100602", "AS-TOP"] * 3
    seen: list[str] = []
    started = time.monotonic()
    got = irr.expand_all(queries, make_settings(irrd_host, workers=4), progress=seen.append, max_length4=25)
    elapsed = time.monotonic() - started
    assert list(got) == ["AS-TOP", "AS-MID", "AS-LEAF", "AS100601:AS-CUSTOMERS", "AS-ROUTELESS", "ALT::AS-TOP",
                         "AS100602"]
    assert sorted(seen) == sorted(got)
    assert got["AS-TOP"].asns == TOP_ASNS
    assert got["AS-MID"].asns == [100600, 100601, 100602, 100603, 100604]  # AS-LEAF loops back to AS-TOP
    assert got["AS100602"].prefixes4 == [("198.51.100.0/24", 24, 24), ("198.51.100.0/25", 25, 25),
                                         ("198.51.100.128/25", 25, 25)]
    assert elapsed < 10


def test_expand_all_keeps_the_good_when_one_fails(irrd_host):
    with pytest.raises(irr.IrrPartialFailure) as err:
        irr.expand_all(["AS-TOP", "NOPE::AS-TOP", "AS-LEAF"], make_settings(irrd_host))
    assert set(err.value.results) == {"AS-TOP", "AS-LEAF"}
    assert set(err.value.failures) == {"NOPE::AS-TOP"}
    assert "NOPE::AS-TOP" in err.value.message


# --- the MLIX example ----------------------------------------------------------------------------


def mlix_queries() -> list[str]:
    from ixpctl.sources.facts import PdbNetwork

    inventory = load_inventory(REPO / "inventory" / "mlix.yml").inventory
    pdb = {64498: PdbNetwork(asn=64498, name="Kora Content Delivery", irr_as_set="AS-KORA@RIPE")}
    queries = [q for m in inventory.members for q in irr.member_queries(m, pdb.get(m.asn))]
    return queries + ["AFRINIC::AS-TOMBOUCTOU"]


def test_mlix_members_expand(irrd_host):
    settings = IrrSource(hosts=[irrd_host], sources=["RIPE", "AFRINIC"], timeout=20)
    got = irr.expand_all(mlix_queries(), settings, allow_special_asns=True)
    assert len(got) == 13
    for query, exp in got.items():
        assert exp.asns and exp.prefixes4 and exp.warnings == [], query
    assert got["RIPE::AS-DJOLIBA"].asns == [64496, 65540, 65541, 65542, 65543, 65544, 65545]
    assert ("198.18.14.0/24", 24, 24) in got["RIPE::AS-DJOLIBA"].prefixes4  # via AFRINIC AS-KITA
    assert got["RIPE::AS-KORA"].asns == [64498]
    assert got["AS64502"].prefixes4 == [("198.18.56.0/23", 23, 23), ("203.0.113.0/24", 24, 24)]
    assert got["AFRINIC::AS-WASSOULOU"].prefixes6 == []
    segou = got["AFRINIC::AS-SEGOUNET"].prefixes4
    assert ("198.18.76.0/24", 24, 24) in segou and not any(p[1] > 24 for p in segou)


def test_mlix_snapshot_is_current(irrd_host, tmp_path):
    """snapshots/mlix/ must be what scripts/make-mlix-snapshot.py makes from the bundled data
    (examples/mlix/) today: regenerate it with that script when the data changes."""
    import subprocess
    import sys

    from ixpctl.sources.snapshot import read_snapshot

    out = tmp_path / "snapshot"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make-mlix-snapshot.py"), "--irr-host", irrd_host,
                    "--output", str(out)], check=True, cwd=REPO, timeout=300)
    fresh, bundled = read_snapshot(out), read_snapshot(REPO / "snapshots" / "mlix")
    assert fresh.irr == bundled.irr
    assert fresh.peeringdb == bundled.peeringdb and fresh.netixlan == bundled.netixlan
    assert fresh.never_via_rs == bundled.never_via_rs
    assert fresh.vrps == bundled.vrps


def test_empty_as_set_falls_back_to_the_aut_num_end_to_end(irrd_host, tmp_path):
    """A member whose AS-SET is empty but who has route objects for its own ASN: refresh against a
    real IRRd fetches AS<n>, the build accepts the registered route, and `ixpctl check` agrees
    (it must not tell the member to create route objects that exist). reject_all still rejects."""
    from ixpctl.analysis.selfcheck import self_check
    from ixpctl.policy.evaluate import PolicyEngine, Route
    from ixpctl.policy.intent import compile_route_server
    from ixpctl.policy.loader import effective_policy, load_policy
    from ixpctl.sources.refresh import refresh
    from ixpctl.sources.snapshot import read_snapshot
    from tests.support.builders import base_inventory, make_member, write_inventory

    data = base_inventory(members=0, fictional=False)
    data["members"] = [make_member(1, asn=210610, as_set="TEST::AS-EMPTY")]
    data["sources"] = {"irr": {"hosts": [irrd_host], "sources": ["TEST"], "timeout": 20}}
    loaded = load_inventory(write_inventory(tmp_path / "inventory", data))
    outcome = refresh(loaded.inventory, ["irr"], snapshot_dir=tmp_path / "snap", repo_root=tmp_path)
    assert outcome.ok, outcome.failed
    facts = read_snapshot(tmp_path / "snap")
    assert facts.irr["TEST::AS-EMPTY"].empty
    assert facts.irr["AS210610"].prefixes4 == [("193.0.10.0/24", 24, 24)]

    policy = load_policy(REPO / "policies" / "default.yml")
    rs = loaded.inventory.route_servers[0]
    intent = compile_route_server(loaded, policy, facts, rs)
    route = Route.make("193.0.10.0/24", [210610], "192.0.2.11")
    assert PolicyEngine(intent).evaluate(route, "AS210610_1_v4").accepted
    report = self_check(intent, facts, 210610)
    assert [(r.prefix, r.accepted) for r in report.results] == [("193.0.10.0/24", True)]

    policy.policy = effective_policy(policy.policy, {"irr": {"empty_as_set": "reject_all"}})
    strict = PolicyEngine(compile_route_server(loaded, policy, facts, rs)).evaluate(route, "AS210610_1_v4")
    assert not strict.accepted and strict.check == "irr_origin"  # reject_all: no origin is authorised
