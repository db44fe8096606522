"""The verify layer's BIRD 2 parsers and control-socket framing (samples captured from the lab)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from ixpctl.verify import BirdControl, BirdError, ParseError, parse_as_path, parse_protocols, parse_routes

DATA = Path(__file__).parent / "data" / "bird"


def test_protocols_all_sessions_channels_and_limit_shutdown():
    found = {p.name: p for p in parse_protocols((DATA / "protocols_all.txt").read_text())}
    s = found["AS64497_1_v4"]
    assert s.proto == "BGP" and s.established and s.neighbor == "192.0.2.11" and s.neighbor_asn == 64497
    assert s.local_asn == 64500 and s.description == "AS64497 Sahel Fibre" and s.since == "2026-11-22 20:06:04"
    ch = s.channels[0]
    assert (ch.name, ch.imported, ch.filtered, ch.exported, ch.preferred) == ("ipv4", 2, 0, 11, 2)
    assert (ch.import_limit, ch.limit_action) == (220, "restart")
    assert ch.import_updates == {"received": 2, "rejected": 0, "filtered": 0, "ignored": 0, "accepted": 2}
    rpki = found["rpki_1"]
    assert rpki.proto == "RPKI" and rpki.info == "Established" and [c.name for c in rpki.channels] == ["roa4", "roa6"]
    down = found["AS65537_1_v4"]
    assert not down.established and down.info == "Idle" and down.state == "start"
    assert down.problem == "Automatic shutdown: Route limit exceeded"


def test_garbage_raises_instead_of_an_empty_list():
    with pytest.raises(ParseError):
        parse_protocols("this is not BIRD output\n")
    with pytest.raises(ParseError):
        parse_routes("\tBGP.as_path: 1 2 3\n")


def test_routes_all_tables_second_paths_as_set_and_reasons():
    routes = parse_routes((DATA / "routes_all.txt").read_text(), filtered=False)
    assert [(r.prefix, r.table, r.protocol, r.primary) for r in routes] == [
        ("198.18.12.0/24", "master4", "AS64496_1_v4", True),
        ("198.18.0.0/22", "master4", "AS64496_1_v4", True),
        ("198.18.0.0/22", "master4", "AS64497_1_v4", False),  # second path: pybird loses its prefix
        ("2001:db8:1000::/36", "master6", "AS64496_1_v6", True),
    ]
    as_set = routes[0]
    assert as_set.as_path == (("seq", (64496, 65540)), ("set", (65541,)))
    rej = as_set.reject_reason(64500)
    assert (rej.code, rej.check, rej.reason) == (19, "as_set", "AS_SET in AS_PATH")
    ok = routes[1]
    assert ok.reject_reason(64500) is None and ok.communities == [(64511, 100), (65535, 0)]
    assert ok.large_communities == [(64500, 1000, 1), (64500, 1001, 1)] and ok.local_pref == 100
    assert routes[2].as_path == (("seq", (64497, 64496)),) and routes[2].next_hop == "192.0.2.11"
    assert routes[3].next_hop == "2001:db8:0:10::10"
    assert ok.to_json(64500)["as_path"] == [64496]
    assert as_set.to_json(64500)["rejections"][0]["check"] == "as_set"


def test_as_path_shapes():
    assert parse_as_path("") == ()
    assert parse_as_path("1 {2 3} 4") == (("seq", (1,)), ("set", (2, 3)), ("seq", (4,)))


def _fake_bird(path: Path, reply: bytes) -> threading.Thread:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        conn.sendall(b"0001 BIRD 2.0.12 ready.\n")
        conn.recv(1024)
        conn.sendall(reply)
        conn.close()
        server.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def test_control_framing_and_error_codes(tmp_path):
    sock = tmp_path / "b.ctl"
    _fake_bird(sock, b"1007-Table master4:\n 10.0.0.0/8  unicast [x 00:00:01] * (100)\n0000 \n")
    reply = BirdControl(str(sock)).query("show route")
    assert reply.lines[0] == (1007, "Table master4:") and reply.lines[1][0] == 1007
    assert "10.0.0.0/8" in reply.text
    sock2 = tmp_path / "c.ctl"
    _fake_bird(sock2, b"9001 syntax error, unexpected CF_SYM_UNDEFINED\n")
    with pytest.raises(BirdError, match="syntax error"):
        BirdControl(str(sock2)).query("show route table T_x")
    with pytest.raises(BirdError):
        BirdControl(str(tmp_path / "missing.ctl")).query("show status")


def test_reject_reasons_follow_the_policys_bases():
    """communities.reject_reason_base is configurable: a route tagged (RS, 65000, 14) decodes as
    RPKI invalid with bases (65000, 65001), and not at all with the defaults."""
    from ixpctl.verify.model import RouteEntry

    entry = RouteEntry(prefix="198.18.0.0/24", protocol="AS64501_1_v4", table="master4", primary=False, filtered=True,
                       large_communities=[(64500, 65000, 14)])
    assert entry.reject_reason(64500) is None
    rej = entry.reject_reason(64500, (65000, 65001))
    assert rej is not None and rej.check == "rpki_invalid"


def test_protocols_all_of_bird3_columns_by_name():
    """BIRD 3.1.8 (captured from tests/lab/test_verify_bird_versions.py's route server) adds "RX limit"
    and "limit" columns before "accepted" in the route change statistics, and capability lists."""
    (s,) = parse_protocols((DATA / "protocols_all_bird3.txt").read_text())
    assert (s.name, s.established, s.neighbor, s.neighbor_asn, s.local_asn) == ("member1", True, "127.0.0.2", 64501,
                                                                                  64500)
    (ch,) = s.channels
    assert (ch.imported, ch.filtered, ch.exported, ch.import_limit, ch.limit_action) == (1, 1, 0, 50, "restart")
    assert ch.import_updates == {"received": 2, "rejected": 0, "filtered": 1, "ignored": 0, "accepted": 1}
