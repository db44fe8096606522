"""The birdwatcher-compatible JSON, checked field by field against the shapes birdwatcher documents
(docs/schema.md of alice-lg/birdwatcher and its parser: the envelope, status, protocols as a map by
name, routes as a list with bgp attributes) — on `birdc` output captured from this project's own
lab route server (tests/unit/data/serve/), and the command allow-list that feeds it."""

from __future__ import annotations

import re
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ixpctl.errors import InputError
from ixpctl.serve import birdwatcher as bw
from ixpctl.serve.gate import KINDS, Query, check_name
from ixpctl.verify.parse import parse_protocols, parse_routes

DATA = Path(__file__).parent / "data" / "serve"


def _text(name: str) -> str:
    return (DATA / name).read_text()


def test_envelope_shape():
    body = bw.envelope({"x": 1}, 1_800_000_000.0, 5, False)
    api = body["api"]
    assert isinstance(api["Version"], str) and api["result_from_cache"] is False
    assert set(api["cache_status"]["cached_at"]) == {"date", "timezone_type", "timezone"}
    assert body["ttl"] > body["cached_at"] and body["x"] == 1


def test_status_shape():
    status = bw.status(_text("status.txt"))["status"]
    assert status["version"] == "2.0.12" and status["router_id"] == "192.0.2.1"
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", status["current_server"])
    assert status["last_reboot"] and status["last_reconfig"] and status["message"] == "Daemon is up and running"


def test_protocols_shape():
    sessions = parse_protocols(_text("protocols_all.txt"))
    doc = bw.protocols([s for s in sessions if s.proto == "BGP"])
    assert list(doc["protocols"]) == ["AS64496_1_v4"]  # a map keyed by protocol name, BGP only
    p = doc["protocols"]["AS64496_1_v4"]
    assert p["protocol"] == "AS64496_1_v4" and p["bird_protocol"] == "BGP" and p["state"] == "up"
    assert p["neighbor_address"] == "192.0.2.10" and p["neighbor_as"] == 64496 and isinstance(p["neighbor_as"], int)
    assert p["description"] == "AS64496 Djoliba Transit" and p["bgp_state"] == "Established"
    assert p["routes"] == {"imported": 1, "filtered": 2, "exported": 13, "preferred": 1}
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", p["state_changed"])
    assert p["route_changes"]["import_updates"] == {"received": 3, "rejected": 0, "filtered": 2, "ignored": 0,
                                                    "accepted": 1}
    assert p["channels"]["ipv4"]["import_limit"] == 400
    short = bw.protocols_short(sessions)["protocols"]
    assert set(short) == {"AS64496_1_v4", "rpki_1"}
    assert set(short["rpki_1"]) == {"proto", "table", "state", "since", "info"} and short["rpki_1"]["proto"] == "RPKI"


def test_routes_shape_with_reject_reason_as_large_community():
    routes = bw.routes(parse_routes(_text("routes_filtered.txt"), filtered=True))["routes"]
    assert [r["network"] for r in routes] == ["198.18.40.0/25", "10.99.0.0/16"]
    r = routes[0]
    for key, kind in (("network", str), ("from_protocol", str), ("age", str), ("primary", bool), ("metric", int),
                      ("gateway", str), ("interface", str), ("type", list), ("bgp", dict)):
        assert isinstance(r[key], kind), key
    bgp = r["bgp"]
    assert bgp["as_path"] == ["64496"] and bgp["next_hop"] == "192.0.2.10" and bgp["origin"] == "IGP"
    assert bgp["local_pref"] == "100" and bgp["communities"] == [] and bgp["ext_communities"] == []
    # Alice-LG maps (RS, 65520, code) to a reject reason: the code is here as integers
    assert bgp["large_communities"] == [[64500, 65520, 13]]
    accepted = bw.routes(parse_routes(_text("routes_protocol.txt")))["routes"]
    assert accepted[0]["bgp"]["large_communities"] == [[64500, 1000, 1], [64500, 1001, 1]]


def test_routes_truncation_is_said():
    items = parse_routes(_text("routes_protocol.txt"))
    body = bw.routes(items[:1], total=len(items))
    assert body["truncated"] is True and body["total"] == len(items)


@pytest.mark.parametrize("kind,name,net,command", [
    ("status", None, None, "show status"),
    ("protocols_all", None, None, "show protocols all"),
    ("routes_protocol", "AS64496_1_v4", None, "show route protocol AS64496_1_v4 all"),
    ("routes_filtered", "AS64496_1_v4", None, "show route table all filtered protocol AS64496_1_v4 all"),
    ("routes_noexport", "AS1_v6", None, "show route noexport AS1_v6 all"),
    ("routes_table", "master4", None, "show route table master4 all"),
    ("routes_table_filtered", "master6", None, "show route table master6 filtered all"),
    ("route_prefix", None, ip_network("10.1.2.0/24"), "show route 10.1.2.0/24 table all all"),
])
def test_allowed_commands(kind, name, net, command):
    assert Query(kind, name, net).command() == command


ALLOWED = re.compile(r"^show (status|protocols( all)?|route( table all)?( filtered)?( protocol [A-Za-z_]\w*)? all|"
                     r"route (noexport|protocol) [A-Za-z_]\w* all|route table [A-Za-z_]\w*( filtered)? all|"
                     r"route (for )?[0-9a-f.:/]+ table all( filtered)? all|route table all filtered all)$")


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(KINDS), name=st.one_of(st.none(), st.text(max_size=80)))
def test_hostile_names_never_make_a_command(kind, name):
    try:
        q = Query(kind, name)  # type: ignore[arg-type]
    except InputError:
        return
    command = q.command()
    assert ALLOWED.match(command), command
    assert "\n" not in command and ";" not in command


@pytest.mark.parametrize("bad", ["", "1abc", "a b", "a;b", "a\nb", "x" * 65, "é", "a-b", "master4 all", "*"])
def test_check_name_refuses(bad):
    with pytest.raises(InputError):
        check_name(bad)


def test_only_table_walks_take_the_walk_budget():
    """A lookup (a prefix, an address, the sessions, the status) never queues behind the walks of
    members' routes: the gate gives the two kinds separate concurrency budgets."""
    def query(kind: str) -> Query:
        if kind.startswith("route_prefix"):
            return Query(kind, net=ip_network("10.0.0.0/8"))  # type: ignore[arg-type]
        if kind == "route_for":
            return Query(kind, net=ip_address("10.0.0.1"))  # type: ignore[arg-type]
        named = kind.startswith(("routes_protocol", "routes_filtered", "routes_noexport", "routes_table"))
        return Query(kind, ("master4" if kind.startswith("routes_table") else "P1") if named else None)  # type: ignore[arg-type]

    walks = {k for k in KINDS if query(k).walks}
    assert walks == {"routes_protocol", "routes_filtered", "routes_noexport", "routes_table",
                     "routes_table_filtered", "routes_all_filtered"}
