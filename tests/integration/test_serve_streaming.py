"""The service's reads of a real BIRD at the pace it sends: streamed and parsed route by route,
bounded in what is kept and in bytes, read once however many requests ask at the same time; and the
background walk of the filtered routes (``census``) — when it walks, when it does not, what it indexes.

The BIRD here has three static "members" (no BGP session needed: a static protocol's routes go
through an import filter that rejects /25s with the reject-reason community, kept as filtered like the
generated configs do). It runs as a daemon on a private socket and is stopped by its PID, even on failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from ipaddress import ip_address, ip_network

import pytest

from ixpctl.serve.census import FilteredCensus
from ixpctl.serve.gate import Busy, Gate, Query
from ixpctl.verify.control import BirdControl, BirdError, ReplyTooLarge
from ixpctl.verify.parse import parse_routes

pytestmark = pytest.mark.integration

RS = 64500
PER = 400  # routes per member: 1200 in all, 3 of each member's filtered


def _member_routes(i: int) -> tuple[list[str], list[str]]:
    accepted = [f"10.{2 * i + k // 250}.{k % 250}.0/24" for k in range(PER - 3)]
    filtered = [f"10.{100 + i}.{k}.0/25" for k in range(3)]
    return accepted, filtered


@pytest.fixture(scope="module")
def bird(tmp_path_factory):
    if shutil.which("bird") is None:
        pytest.skip("bird (bird2) not installed")
    tmp = tmp_path_factory.mktemp("bird-stream")
    parts = [f"""router id 192.0.2.1;
protocol device {{ }}
filter member_in {{
  if net.len > 24 then {{ bgp_large_community.add(({RS}, 65520, 13)); reject; }}
  accept;
}}
"""]
    for i in range(3):
        accepted, filtered = _member_routes(i)
        routes = "".join(f"  route {p} blackhole;\n" for p in accepted + filtered)
        parts.append(f"protocol static M{i} {{ ipv4 {{ import keep filtered on; import filter member_in; }};\n{routes}}}\n")
    (tmp / "bird.conf").write_text("".join(parts))
    sock, pidfile = tmp / "bird.ctl", tmp / "bird.pid"
    subprocess.run(["bird", "-c", str(tmp / "bird.conf"), "-s", str(sock), "-P", str(pidfile)], check=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            out = subprocess.run(["birdc", "-s", str(sock), "show", "route", "count"], capture_output=True, text=True,
                                 check=False)
            if f"{3 * (PER - 3)} of {3 * (PER - 3)} routes" in out.stdout:
                break
            time.sleep(0.2)
        yield str(sock)
    finally:
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass


def _gate(sock: str, *, max_bytes: int = 64 * 1024 * 1024, ttl: float = 5.0) -> Gate:
    return Gate(sock, ttl=ttl, timeout=10, max_bytes=max_bytes, semaphore=threading.BoundedSemaphore(4))


def _key(r) -> tuple:
    return (r.prefix, r.protocol, r.table, r.filtered, tuple(r.large_communities), r.as_path, r.next_hop)


def test_streamed_routes_are_the_routes_of_the_whole_reply(bird):
    """Parsing as the lines arrive gives exactly what parsing birdc's whole text gives."""
    text = BirdControl(bird).query("show route table all filtered all").text
    rows, _ = _gate(bird).routes(Query("routes_all_filtered"), filtered=True, keep=10_000)
    assert [_key(r) for r in rows] == [_key(r) for r in parse_routes(text, filtered=True)]
    assert rows.total == len(rows) == 9 and rows.code == 0
    assert {r.protocol for r in rows} == {"M0", "M1", "M2"}
    assert all((RS, 65520, 13) in r.large_communities for r in rows)


def test_keep_bounds_the_routes_held_and_the_rest_are_counted(bird):
    rows, _ = _gate(bird).routes(Query("routes_table", "master4"), filtered=False, keep=50)
    assert len(rows) == 50 and rows.total == 3 * (PER - 3)
    assert [r.prefix for r in rows] == [r.prefix for r in parse_routes(
        BirdControl(bird).query("show route table master4 all").text)][:50]


def test_a_reply_past_the_byte_bound_is_refused_and_the_next_query_works(bird):
    gate = _gate(bird, max_bytes=20_000)
    with pytest.raises(ReplyTooLarge):
        gate.routes(Query("routes_table", "master4"), filtered=False, keep=10_000)
    rows, _ = _gate(bird, max_bytes=20_000).routes(Query("route_prefix", net=ip_network("10.1.5.0/24")),
                                                   filtered=False, keep=10)
    assert [r.prefix for r in rows] == ["10.1.5.0/24"]


def test_not_found_and_unknown_names_are_answers(bird):
    gate = _gate(bird)
    rows, _ = gate.routes(Query("route_prefix", net=ip_network("203.0.113.0/24")), filtered=False, keep=10,
                          allow=(8001, 8003, 9001))
    assert list(rows) == [] and rows.code == 8001
    rows, _ = gate.routes(Query("routes_protocol", "NO_SUCH"), filtered=False, keep=10, allow=(8001, 8003, 9001))
    assert list(rows) == [] and rows.code in (8003, 9001)
    with pytest.raises(BirdError):  # not allowed: raises
        gate.routes(Query("routes_protocol", "NO_SUCH_EITHER"), filtered=False, keep=10)


def test_concurrent_requests_for_one_command_read_bird_once(bird):
    gate = _gate(bird)
    results: list = []
    barrier = threading.Barrier(20)

    def ask() -> None:
        barrier.wait()
        results.append(gate.routes(Query("routes_protocol", "M1"), filtered=False, keep=10_000)[0])

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gate.commands_run == 1 and len(results) == 20
    assert all(r is results[0] for r in results)  # one parsed list shared, not 20 parses
    assert len(results[0]) == PER - 3


def test_the_census_walks_once_for_every_reader_and_indexes_what_it_read(bird):
    census = FilteredCensus(_gate(bird), keep=1000, interval=60, timeout=30)
    try:
        snap = census.current()
        for _ in range(10):
            assert census.current() is snap
        assert census.walks == 1
        assert sorted(r.prefix for r in snap.by_protocol["M2"]) == sorted(_member_routes(2)[1])
        assert [r.prefix for r in snap.covering(ip_address("10.100.1.7"))] == ["10.100.1.0/25"]
        assert snap.covering(ip_address("10.0.5.1")) == []  # accepted routes are not in it
        assert [r.protocol for r in snap.exact(ip_network("10.101.2.0/25"))] == ["M1"]
        assert not snap.truncated and snap.total == 9
    finally:
        census.stop()


def test_the_census_walks_again_while_asked_and_stops_when_nobody_asks(bird):
    census = FilteredCensus(_gate(bird, ttl=0), keep=1000, interval=0.2, idle_after=0.6, timeout=30)
    try:
        assert census.latest() is None  # a metrics scrape never waits for the first walk
        census.current()
        time.sleep(0.5)
        assert census.walks >= 2, "asked recently: the walks go on, every interval"
        time.sleep(1.0)  # nobody asks for longer than idle_after
        idle = census.walks
        time.sleep(1.0)
        assert census.walks == idle, "nobody asked: no more walks"
        census.current()  # asked again: a snapshot within its staleness bound (an old one waits for a walk)
        time.sleep(0.5)
        assert census.walks > idle
    finally:
        census.stop()


def test_the_census_of_an_unreachable_bird_fails_fast_and_retries_later(tmp_path):
    census = FilteredCensus(_gate(str(tmp_path / "no-bird.ctl")), keep=10, interval=5, timeout=10)
    try:
        started = time.monotonic()
        with pytest.raises(BirdError):
            census.current()
        with pytest.raises(BirdError):  # remembered for a moment: a burst of requests makes one attempt
            census.current()
        assert time.monotonic() - started < 5 and census.walks == 1
    finally:
        census.stop()


def test_a_full_budget_is_busy_not_broken(bird):
    """When every walk slot stays taken for the read timeout, the request is told to retry (503) and
    nothing is remembered: the next request, with a slot free, reads BIRD."""
    walks = threading.BoundedSemaphore(1)
    gate = Gate(bird, ttl=5, timeout=0.5, max_bytes=1 << 26, semaphore=threading.BoundedSemaphore(4),
                walk_semaphore=walks)
    walks.acquire()
    try:
        with pytest.raises(Busy, match="table walks"):
            gate.routes(Query("routes_protocol", "M0"), filtered=False, keep=10)
        # a lookup has its own budget: not blocked by the walks
        rows, _ = gate.routes(Query("route_prefix", net=ip_network("10.0.5.0/24")), filtered=False, keep=10)
        assert [r.prefix for r in rows] == ["10.0.5.0/24"]
    finally:
        walks.release()
    rows, _ = gate.routes(Query("routes_protocol", "M0"), filtered=False, keep=10_000)
    assert len(rows) == PER - 3
