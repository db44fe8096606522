"""RIR delegated-extended statistics as a snapshot source: parsing, `sources refresh --rir` from a
real HTTP server on 127.0.0.1, provenance and hashes, kept across the other sources' refreshes;
bad files and bad critical_services entries are refused with file, line and field."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import pytest

from ixpctl.errors import SnapshotInvalid, SourceError
from ixpctl.sources import rir
from ixpctl.sources.facts import Facts, Provenance
from ixpctl.sources.snapshot import read_snapshot
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.builders import base_inventory, write_inventory
from tests.support.ixp_repo import make_repo, one_line
from tests.unit.test_report_impact import RIR


def test_parse_keeps_the_country_allocated_and_assigned_rows():
    stats = rir.parse(RIR, "ml")
    assert (stats.country, stats.registry, stats.serial) == ("ML", "afrinic", "20260101")
    assert len(stats.records) == 10 and {r.status for r in stats.records} == {"allocated", "assigned"}
    assert stats.asns() == {64501, 64502, 64600, 64601, 64610}
    b = next(r for r in stats.records if r.holder == "B" and r.type == "ipv4")
    assert [str(c) for c in b.blocks()] == ["10.2.0.0/23", "10.2.2.0/24"]  # 768 addresses
    assert stats.counts() == {"asn": 5, "ipv4": 6144, "ipv6_blocks": 2}


@pytest.mark.parametrize("line, field", [
    ("afrinic|ML|ipv4|10.5.0.0|many|20100101|allocated|X", "value"),
    ("afrinic|ML|ipv4|10.5.0.999|256|20100101|allocated|X", "start"),
    ("afrinic|ML|ipv6|2001:db8::|129|20100101|allocated|X", "start"),
    ("afrinic|ML|prefix|10.5.0.0|256|20100101|allocated|X", "type"),
    ("afrinic|ML|asn", None),
])
def test_a_bad_row_names_its_line_and_field(line, field):
    text = RIR + line + "\n"
    with pytest.raises(SnapshotInvalid) as info:
        rir.parse(text, "ML", path="stats.txt")
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == ("stats.txt", len(text.splitlines()))
    assert problem.field == field


class _Handler(http.server.BaseHTTPRequestHandler):
    body = RIR.encode()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rir_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/delegated-afrinic-extended-latest"
    finally:
        server.shutdown()
        server.server_close()


def _repo(tmp_path, url: str = "http://127.0.0.1:9/none"):
    repo = make_repo(tmp_path)
    data = base_inventory()
    data["ixp"]["country"] = "ML"
    data["sources"] = {"snapshot_dir": str(repo.snapshot), "rir": {"url": url}}
    write_inventory(repo.inventory.parent, data)
    return repo


def test_refresh_rir_over_http_with_provenance_and_hash(tmp_path, rir_server):
    repo = _repo(tmp_path, rir_server)
    before = {p.name: p.read_bytes() for p in repo.snapshot.iterdir() if p.name != "manifest.json"}
    result = repo.cli("sources", "refresh", "--rir", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)["rir"]
    assert out["origin"] == rir_server and out["country"] == "ML" and out["asn"] == 5
    manifest = json.loads((repo.snapshot / "manifest.json").read_text())
    entry = manifest["sources"]["rir"]
    assert entry["sha256"] == hashlib.sha256((repo.snapshot / "rir.json").read_bytes()).hexdigest()
    assert entry["provenance"]["origin"] == rir_server
    for name, raw in before.items():  # the facts files are untouched, byte for byte
        assert (repo.snapshot / name).read_bytes() == raw
    stats, prov = rir.load(repo.snapshot, "ML")
    assert stats.counts()["ipv4"] == 6144 and prov.sha256 == out["sha256"]
    status = json.loads(repo.cli("sources", "status", "--json").output)
    row = next(r for r in status["sources"] if r["source"] == "rir")
    assert row["health"] == "ok" and row["origin"] == rir_server and row["entries"]["asn"] == 5

    # refreshing the facts sources (write_snapshot) keeps the RIR part as it was
    facts = read_snapshot(repo.snapshot)
    facts.provenance["rpki"] = Provenance("rpki", "again", "2026-12-01T00:00:00Z", "1" * 64)
    kept = (repo.snapshot / "rir.json").read_bytes()
    write_snapshot(facts, repo.snapshot)
    assert (repo.snapshot / "rir.json").read_bytes() == kept and rir.load(repo.snapshot, "ML") is not None

    # a file edited after the fact is caught by its hash
    (repo.snapshot / "rir.json").write_text(kept.decode().replace("10.3.0.0", "10.6.0.0"))
    with pytest.raises(SourceError, match="hash"):
        rir.load(repo.snapshot, "ML")


def test_refresh_rir_from_a_bad_file_changes_nothing(tmp_path):
    repo = _repo(tmp_path)
    bad = tmp_path / "stats.txt"
    bad.write_text(RIR + "afrinic|ML|ipv4|10.5.0.0|-3|20100101|allocated|X\n")
    before = {p.name: p.read_bytes() for p in repo.snapshot.iterdir()}
    result = repo.cli("sources", "refresh", "--rir-from", str(bad))
    assert result.exit_code == 2, result.output
    assert f"{bad}:{len(bad.read_text().splitlines())}" in one_line(result)
    assert {p.name: p.read_bytes() for p in repo.snapshot.iterdir()} == before
    result = repo.cli("sources", "refresh", "--rir")  # nothing listens on 127.0.0.1:9
    assert result.exit_code == 3 and "cannot download RIR statistics" in one_line(result)


def test_a_critical_service_without_target_is_refused_with_its_line(tmp_path):
    repo = make_repo(tmp_path)
    lines = len(repo.inventory.read_text().splitlines())
    with repo.inventory.open("a") as fh:
        fh.write("critical_services:\n  - name: ns\n    kind: cctld\n  - name: bank\n    kind: bnak\n    asns: [64510]\n")
    result = repo.cli("validate")
    text = one_line(result)
    assert result.exit_code == 2, result.output
    assert f"ixp.yml:{lines + 2}" in text and "needs 'prefixes' or 'asns'" in text
    assert f"ixp.yml:{lines + 5}" in text and "critical_services[1].kind" in text


def test_report_from_a_saved_state_writes_both_reports(tmp_path):
    from tests.unit.test_report_impact import _state

    repo = _repo(tmp_path)
    stats_file = tmp_path / "stats.txt"
    stats_file.write_text(RIR)
    assert repo.cli("sources", "refresh", "--rir-from", str(stats_file)).exit_code == 0
    state = tmp_path / "state.json"
    _state().write(state)
    out = tmp_path / "report"
    result = repo.cli("report", "impact", "--state", str(state), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["impact"]
    assert data["shares"]["space4"] == pytest.approx(3584 / 6144)
    assert [n["holder"] for n in data["not_at_ixp"]] == ["C", "D"]
    result = repo.cli("report", "manrs", "--state", str(state), "-o", str(out), "--lang", "fr", "--format", "md")
    assert result.exit_code == 0, result.output
    assert "Action 2" in (out / "manrs.fr.md").read_text() and not (out / "manrs.en.md").exists()
    assert {p.name for p in out.iterdir()} >= {"impact.json", "impact.en.html", "impact.fr.html", "impact.en.md",
                                                "impact.fr.md", "manrs.fr.md", "charts"}
    assert Facts  # imported for the type used by make_repo's snapshot


@pytest.mark.parametrize("text, why", [
    ('{"x": 1}', "missing key 'collected_at'"),
    ('{"collected_at": "t", "routes": [{"rs": "rs1", "member_asn": 1, "prefix": "10.0.0.0/33", "accepted": true}]}',
     "10.0.0.0/33"),
    ('{"collected_at": "t", "routes": [{"rs": "rs1", "member_asn": "1; rm", "prefix": "10.0.0.0/8", "accepted": true}]}',
     "member_asn must be a number"),
    ("[1, 2]", "not a route-server state file"),
])
def test_a_bad_state_file_is_refused(tmp_path, text, why):
    repo = _repo(tmp_path)
    state = tmp_path / "state.json"
    state.write_text(text)
    result = repo.cli("report", "impact", "--state", str(state), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert why in one_line(result) and not (tmp_path / "out").exists()
