"""Unit tests of the IRR source (ixpctl.sources.irr, irr_parse): parsing, limits, empty results, failover.

No IRRd here: the failover tests run the real bgpq4 against hosts on 127.0.0.1 that refuse, hang,
or are a tiny fake IRRd speaking just enough of the '!' protocol. The real-IRRd tests are in
tests/integration/test_irr_integration.py.
"""

from __future__ import annotations

import json
import shutil
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ixpctl.errors import SourceError
from ixpctl.inventory.models import Member
from ixpctl.inventory.sources_config import IrrSource
from ixpctl.sources import irr, irr_parse
from ixpctl.sources.facts import IrrExpansion, PdbNetwork

needs_bgpq4 = pytest.mark.skipif(shutil.which("bgpq4") is None, reason="bgpq4 is not installed (apt: bgpq4)")


# --- fakes ----------------------------------------------------------------------------------------


class FakeIrrd:
    """Just enough IRRd for bgpq4 1.9: ``!a4/!a6`` (prefixes of a set), ``!i<set>,1`` (its ASNs),
    ``!s`` / ``!n`` (accepted). Unknown sets answer like IRRd does for them: no data."""

    def __init__(self, sets: dict[str, dict[str, list[str]]]):
        self.sets = {k.upper(): v for k, v in sets.items()}
        self.queries: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _answer(self, query: str) -> bytes:
        data: list[str] | None = None
        if query.startswith(("!a4", "!a6")):
            data = self.sets.get(query[3:].upper(), {}).get("v4" if query[2] == "4" else "v6")
        elif query == "!a":
            return b"F Missing required set name for A query\n"
        elif query.startswith("!i"):
            data = self.sets.get(query[2:].split(",")[0].upper(), {}).get("asns")
        elif query.startswith(("!s", "!n")):
            return b"C\n"
        if not data:
            return b"C\n"
        body = (" ".join(data) + "\n").encode()
        return b"A%d\n" % len(body) + body + b"C\n"

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            stream = conn.makefile("rwb")
            try:
                for raw in stream:
                    query = raw.decode().strip()
                    self.queries.append(query)
                    if query == "!q":
                        return
                    if query == "!!":
                        continue
                    stream.write(self._answer(query))
                    stream.flush()
            except OSError:
                return

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@pytest.fixture
def fake_irrd() -> Iterator[FakeIrrd]:
    server = FakeIrrd({
        "AS-GOOD": {"asns": ["AS100600", "AS100601"], "v4": ["198.51.100.0/24", "203.0.113.0/24"],
                    "v6": ["2001:db8:100::/48"]},
        "AS-DOC": {"asns": ["AS64500"], "v4": ["192.0.2.128/25"]},
    })
    yield server
    server.close()


@pytest.fixture
def refusing_host() -> str:
    """A 127.0.0.1 port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


@pytest.fixture
def hanging_host() -> Iterator[str]:
    """Accepts TCP connections (kernel backlog) but never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def settings(*hosts: str, **kw) -> IrrSource:
    return IrrSource(hosts=list(hosts), sources=kw.pop("sources", ["TEST"]), timeout=kw.pop("timeout", 5), **kw)


def fake_bgpq4(tmp_path: Path, stdout: str, log: Path | None = None) -> str:
    """An executable standing in for bgpq4 that prints ``stdout`` and exits 0 (and logs its argv)."""
    script = tmp_path / "bgpq4"
    logline = f'echo "$@" >> {log}\n' if log else ""
    script.write_text(f"#!/bin/sh\n{logline}cat <<'EOF'\n{stdout}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


# --- parsing --------------------------------------------------------------------------------------

REAL_V4 = r"""{ "ixpctl": [
    { "prefix": "100.64.0.0\/24", "exact": true },
    { "prefix": "100.64.2.0\/23", "exact": false,
      "greater-equal": 24, "less-equal": 24 },
    { "prefix": "198.51.100.0\/24", "exact": false, "less-equal": 25 },
    { "prefix": "203.0.113.0\/24", "exact": true }
] }"""


def test_parse_prefix_json_exact_and_ranges():
    got = irr_parse.parse_prefix_json(REAL_V4, family=4, query="AS-X", host="h:43")
    assert got == [("100.64.0.0/24", 24, 24), ("100.64.2.0/23", 24, 24),
                   ("198.51.100.0/24", 24, 25), ("203.0.113.0/24", 24, 24)]


def test_parse_prefix_json_ge_only_means_up_to_family_max_and_v6():
    text = json.dumps({"pl": [{"prefix": "2001:db8::/32", "exact": False, "greater-equal": 40},
                              {"prefix": "2001:db8:1::/48", "exact": True}]})
    assert irr_parse.parse_prefix_json(text, family=6, query="Q", host="h") == [
        ("2001:db8::/32", 40, 128), ("2001:db8:1::/48", 48, 48)]


def test_parse_prefix_json_empty_list_and_duplicates():
    assert irr_parse.parse_prefix_json('{ "ixpctl": [\n] }', family=4, query="Q", host="h") == []
    dup = json.dumps({"x": [{"prefix": "192.0.2.0/24", "exact": True}] * 2})
    assert irr_parse.parse_prefix_json(dup, family=4, query="Q", host="h") == [("192.0.2.0/24", 24, 24)]


@pytest.mark.parametrize("text, needle", [
    ("", "not JSON"),
    ("ERROR: something\n", "not JSON"),
    ('{"a": [], "b": []}', "expected"),
    ('["192.0.2.0/24"]', "expected"),
    ('{"x": ["192.0.2.0/24"]}', "not a prefix entry"),
    ('{"x": [{"prefix": "192.0.2.1/24", "exact": true}]}', "bad prefix"),
    ('{"x": [{"prefix": "2001:db8::/32", "exact": true}]}', "not an IPv4 prefix"),
    ('{"x": [{"prefix": "192.0.2.0/24", "exact": false, "greater-equal": 20}]}', "bad length range"),
    ('{"x": [{"prefix": "192.0.2.0/24", "exact": false, "less-equal": 33}]}', "bad length range"),
    ('{"x": [{"prefix": "192.0.2.0/24", "exact": false, "less-equal": "25"}]}', "bad length range"),
])
def test_parse_prefix_json_garbage_names_query_and_host(text, needle):
    with pytest.raises(SourceError) as err:
        irr_parse.parse_prefix_json(text, family=4, query="RIPE::AS-FOO", host="rr.example:43")
    assert needle in err.value.message
    assert "RIPE::AS-FOO" in err.value.message and "rr.example:43" in err.value.message
    assert err.value.fix


def test_parse_asn_json():
    assert irr_parse.parse_asn_json('{"ixpctl": [\n  100602,100600,100601\n]}', query="Q", host="h") == [
        100600, 100601, 100602]
    assert irr_parse.parse_asn_json('{"ixpctl": [\n]}', query="Q", host="h") == []
    for bad in ('{"x": ["AS1"]}', '{"x": [true]}', '{"x": [-1]}', '{"x": [4294967296]}'):
        with pytest.raises(SourceError, match="not an AS number"):
            irr_parse.parse_asn_json(bad, query="Q", host="h")


# --- limits, emptiness, stderr --------------------------------------------------------------------


def test_limits_keep_first_n_and_warn_loudly():
    exp = IrrExpansion("AS-BIG", asns=list(range(100600, 100610)),
                       prefixes4=[(f"100.64.{i}.0/24", 24, 24) for i in range(5)],
                       prefixes6=[("2001:db8::/48", 48, 48)])
    irr_parse.apply_limits(exp, IrrSource(max_asns=3, max_prefixes4=2, max_prefixes6=1))
    assert exp.truncated
    assert exp.asns == [100600, 100601, 100602]
    assert exp.prefixes4 == [("100.64.0.0/24", 24, 24), ("100.64.1.0/24", 24, 24)]
    assert exp.prefixes6 == [("2001:db8::/48", 48, 48)]  # at the limit, not over it
    assert len(exp.warnings) == 2
    assert "AS-BIG" in exp.warnings[0] and "10 ASNs" in exp.warnings[0] and "limit of 3" in exp.warnings[0]
    assert "sources.irr.max_prefixes4" in exp.warnings[1] and "INCOMPLETE" in exp.warnings[1]


def test_limits_untouched_when_within():
    exp = IrrExpansion("AS-OK", asns=[1, 2])
    irr_parse.apply_limits(exp, IrrSource(max_asns=2))
    assert not exp.truncated and exp.warnings == []


def test_emptiness_warnings():
    assert "resolved to nothing" in irr_parse._emptiness_warnings(IrrExpansion("AS-NONE"), "h:43")[0]
    assert "AS-NONE" in irr_parse._emptiness_warnings(IrrExpansion("AS-NONE"), "h:43")[0]
    routeless = irr_parse._emptiness_warnings(IrrExpansion("AS-R", asns=[100609]), "h:43")
    assert "no route/route6 objects" in routeless[0]
    assert irr_parse._emptiness_warnings(IrrExpansion("AS-OK", prefixes4=[("192.0.2.0/24", 24, 24)]), "h") == []


def test_stderr_warnings_name_dropped_special_asns_once():
    warnings = irr_parse._stderr_warnings("AS-DOC", "h:43", [
        "ERROR:Invalid AS number: 64500\nERROR:Invalid AS number: 65551\n", "ERROR:Invalid AS number: 64500\n",
        "ERROR:Something else\n"])
    assert len(warnings) == 2
    assert "2 special-purpose ASN(s)" in warnings[0] and "AS64500, AS65551" in warnings[0]
    assert "Something else" in warnings[1]


# --- command line ---------------------------------------------------------------------------------


def test_bgpq4_host_always_has_port():
    assert irr.bgpq4_host("rr.example") == "rr.example:43"
    assert irr.bgpq4_host("127.0.0.1:8043") == "127.0.0.1:8043"
    for bad in ("rr.example:x", "::1", ":43", "rr.example:70000"):
        with pytest.raises(SourceError):
            irr.bgpq4_host(bad)


def test_bgpq4_command_flags():
    s = IrrSource(sources=["RIPE", "AFRINIC"], bgpq4="/usr/bin/bgpq4")
    assert irr.bgpq4_command("AS-FOO", "h:43", s, "asns") == [
        "/usr/bin/bgpq4", "-h", "h:43", "-S", "RIPE,AFRINIC", "-j", "-l", "ixpctl", "-t", "AS-FOO"]
    v4 = irr.bgpq4_command("AS-FOO", "h:43", s, "v4", max_length=24)
    assert v4[-4:] == ["-4", "-m", "24", "AS-FOO"]
    assert "-A" not in v4 and "-p" not in v4
    v6 = irr.bgpq4_command("AS-FOO", "h:43", s, "v6", max_length=48, aggregate=True, allow_special_asns=True)
    assert v6[v6.index("-6"):] == ["-6", "-m", "48", "-A", "AS-FOO"] and "-p" in v6


def test_source_qualified_query_adds_its_source_last():
    s = IrrSource(sources=["RIPE"])
    assert irr.sources_for("AFRINIC::AS-FOO", s) == ["RIPE", "AFRINIC"]
    assert irr.sources_for("RIPE::AS-FOO", s) == ["RIPE"]
    assert irr.sources_for("AS-FOO", s) == ["RIPE"]
    argv = irr.bgpq4_command("AFRINIC::AS-FOO", "h:43", s, "asns")
    assert argv[-1] == "AFRINIC::AS-FOO" and argv[argv.index("-S") + 1] == "RIPE,AFRINIC"


@pytest.mark.parametrize("query", ["-hevil.example", "AS-FOO -h x", "", "NOT A SET"])
def test_queries_that_are_not_names_never_reach_bgpq4(query):
    with pytest.raises(SourceError):
        irr.expand(query, settings("127.0.0.1:1", bgpq4="/bin/false"))


def test_canonical_query():
    assert irr.canonical_query("as-foo@ripe") == "RIPE::AS-FOO"
    assert irr.canonical_query("AS64496:AS-CUST") == "AS64496:AS-CUST"


# --- against a fake IRRd with the real bgpq4 -------------------------------------------------------


@needs_bgpq4
def test_expand_against_fake_irrd(fake_irrd):
    exp = irr.expand("AS-GOOD", settings(fake_irrd.host))
    assert exp.asns == [100600, 100601]
    assert exp.prefixes4 == [("198.51.100.0/24", 24, 24), ("203.0.113.0/24", 24, 24)]
    assert exp.prefixes6 == [("2001:db8:100::/48", 48, 48)]
    assert exp.warnings == [] and not exp.truncated
    assert "!a4AS-GOOD" in fake_irrd.queries and "!a6AS-GOOD" in fake_irrd.queries


@needs_bgpq4
def test_missing_set_is_empty_with_warning(fake_irrd):
    exp = irr.expand("AS-NOSUCH", settings(fake_irrd.host))
    assert exp.empty
    assert any("AS-SET AS-NOSUCH resolved to nothing" in w for w in exp.warnings)


@needs_bgpq4
def test_special_asns_need_allow(fake_irrd):
    dropped = irr.expand("AS-DOC", settings(fake_irrd.host), max_length4=25)
    assert dropped.asns == [] and dropped.prefixes4 == [("192.0.2.128/25", 25, 25)]
    assert any("AS64500" in w and "special-purpose" in w for w in dropped.warnings)
    kept = irr.expand("AS-DOC", settings(fake_irrd.host), allow_special_asns=True, max_length4=25)
    assert kept.asns == [64500] and kept.warnings == []


@needs_bgpq4
def test_failover_order_refused_then_timeout_then_answer(refusing_host, hanging_host, fake_irrd):
    started = time.monotonic()
    outcome = irr.expand_detailed("AS-GOOD", settings(refusing_host, hanging_host, fake_irrd.host, timeout=1))
    assert time.monotonic() - started < 10
    assert outcome.host == fake_irrd.host
    assert [h for h, _ in outcome.failed_hosts] == [refusing_host, hanging_host]
    assert "bgpq4 exited with 1" in outcome.failed_hosts[0][1]
    assert "no answer within 1 s" in outcome.failed_hosts[1][1]
    assert outcome.expansion.asns == [100600, 100601]
    note = outcome.expansion.warnings[0]
    assert note.startswith("IRR host failover for AS-GOOD: answered by " + fake_irrd.host)
    assert refusing_host in note and hanging_host in note


@needs_bgpq4
def test_all_hosts_failing_is_a_source_error_listing_each(refusing_host, hanging_host):
    with pytest.raises(SourceError) as err:
        irr.expand("AS-GOOD", settings(refusing_host, hanging_host, timeout=1))
    message = err.value.message
    assert "AS-GOOD failed on every host" in message
    assert message.index(refusing_host) < message.index(hanging_host)
    assert err.value.fix


def test_garbage_output_is_a_source_error_without_failover(tmp_path):
    log = tmp_path / "calls.log"
    s = settings("first.example", "second.example", bgpq4=fake_bgpq4(tmp_path, "<html>502 Bad Gateway</html>", log))
    with pytest.raises(SourceError) as err:
        irr.expand("AS-FOO", s)
    assert "AS-FOO" in err.value.message and "first.example:43" in err.value.message
    assert "second.example" not in log.read_text()


def test_missing_bgpq4_binary(tmp_path):
    with pytest.raises(SourceError, match="bgpq4 not found"):
        irr.expand("AS-FOO", settings("h.example", bgpq4=str(tmp_path / "nope")))


# --- expand_all -----------------------------------------------------------------------------------


@needs_bgpq4
def test_expand_all_dedupes_reports_progress_and_keeps_successes(fake_irrd):
    seen: list[str] = []
    queries = ["AS-GOOD", "as-good", "AS-NOSUCH", "-bad-", "AS-GOOD@TEST"]
    with pytest.raises(irr.IrrPartialFailure) as err:
        irr.expand_all(queries, settings(fake_irrd.host, workers=3), progress=seen.append)
    failure = err.value
    assert set(failure.results) == {"AS-GOOD", "AS-NOSUCH", "TEST::AS-GOOD"}
    assert failure.results["AS-GOOD"].asns == [100600, 100601]
    assert failure.results["AS-NOSUCH"].empty
    assert set(failure.failures) == {"-bad-"} and "-bad-" in failure.message
    assert isinstance(failure, SourceError)
    assert sorted(seen) == sorted(["AS-GOOD", "AS-NOSUCH", "TEST::AS-GOOD"])


@needs_bgpq4
def test_expand_all_returns_dict_when_all_work(fake_irrd):
    got = irr.expand_all(["AS-GOOD", "AS-DOC"], settings(fake_irrd.host), allow_special_asns=True,
                         max_length4=25)
    assert list(got) == ["AS-GOOD", "AS-DOC"]
    assert got["AS-DOC"].asns == [64500]


def test_expand_all_of_nothing():
    assert irr.expand_all([], settings("h.example")) == {}


# --- member queries -------------------------------------------------------------------------------


def member(asn: int, as_set=None) -> Member:
    data = {"asn": asn, "name": f"Member {asn}", "connections": [{"ipv4": "192.0.2.50"}]}
    if as_set is not None:
        data["as_set"] = as_set
    return Member.model_validate(data)


def test_member_queries_from_inventory():
    assert irr.member_queries(member(64496, "RIPE::AS-DJOLIBA"), None) == ["RIPE::AS-DJOLIBA"]
    assert irr.member_queries(member(64497, ["AS-A@AFRINIC", "AS-B"]), None) == ["AFRINIC::AS-A", "AS-B"]


def test_member_queries_from_peeringdb():
    notes: list[str] = []
    pdb = PdbNetwork(asn=64498, name="Kora", irr_as_set="AS-KORA@RIPE")
    assert irr.member_queries(member(64498, "from_peeringdb"), pdb, notes=notes) == ["RIPE::AS-KORA"]
    assert notes == []
    pdb = PdbNetwork(asn=64498, name="Kora", irr_as_set="RIPE::AS-KORA AS-KORA-V6 ???")
    assert irr.member_queries(member(64498, "from_peeringdb"), pdb, notes=notes) == ["RIPE::AS-KORA", "AS-KORA-V6"]
    assert len(notes) == 1 and "???" in notes[0]


def test_member_queries_fall_back_to_own_asn_with_a_note():
    notes: list[str] = []
    assert irr.member_queries(member(64502), None, notes=notes) == ["AS64502"]
    assert notes and notes[0].startswith("info:") and "AS64502" in notes[0]
    notes.clear()
    empty_pdb = PdbNetwork(asn=64498, name="Kora", irr_as_set="")
    assert irr.member_queries(member(64498, "from_peeringdb"), empty_pdb, notes=notes) == ["AS64498"]
    assert notes[0].startswith("info:")
    notes.clear()
    assert irr.member_queries(member(64498, "from_peeringdb"), None, notes=notes) == ["AS64498"]
    assert "no network AS64498" in notes[0]


# --- snapshot JSON --------------------------------------------------------------------------------


def test_expansions_json_round_trip():
    data = {"B": IrrExpansion("B", [1], [("192.0.2.0/24", 24, 25)], [], ["w"], True),
            "A": IrrExpansion("A", prefixes6=[("2001:db8::/32", 32, 48)])}
    as_json = irr.expansions_to_json(data)
    assert list(as_json) == ["A", "B"]
    assert irr.expansions_from_json(json.loads(json.dumps(as_json))) == data


def test_host_without_the_queried_source_is_skipped(tmp_path):
    # What bgpq4 1.9 does when the server lacks SOURCE of SOURCE::NAME: complains, exits 0, and
    # expands NAME from its default sources. That answer must not be used.
    script = tmp_path / "bgpq4"
    script.write_text("#!/bin/sh\necho 'ERROR:Error expanding !sNOPE' >&2\necho '{\"ixpctl\": [1]}'\n")
    script.chmod(0o755)
    with pytest.raises(SourceError, match="does not carry source NOPE"):
        irr.expand("NOPE::AS-FOO", settings("h.example", bgpq4=str(script)))
