"""`ixpctl import ixf` end to end: a realistic 600-member IX-F 1.0 export (valid against the Euro-IX
schema) → DIR/inventory + DIR/policies → `ixpctl build` → configs `bird -p` accepts; re-imports
keep hand edits; a result that would not validate writes nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.sources.facts import Facts, IrrExpansion, Provenance
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.ixf_sample import RS_ASN, write_sample
from tests.support.schemas import schema_path

pytestmark = [pytest.mark.integration]
needs_bird = pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")


def run(*args: str, cwd: Path | None = None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("ixf") / "sample-ix.json"
    return path, write_sample(path)


@pytest.fixture(scope="module")
def imported(sample, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("repo")
    result = run("import", "ixf", str(sample[0]), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_the_sample_is_a_valid_ixf_1_0_export(sample):
    schema = json.loads(schema_path("ixp-member-list-1.0.schema.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sample[1])
    assert len(sample[1]["member_list"]) > 600


def test_members_route_servers_and_the_mess(imported, sample):
    out, summary = imported
    assert summary["members"] == 601 and summary["route_servers"] == 2  # 600 + the monitoring company
    ixp = (out / "inventory" / "ixp.yml").read_text()
    assert f"rs_asn: {RS_ASN}" in ixp and "ports_and_macs: elsewhere" in ixp and "vlan: 700" in ixp
    assert "ipv4: 185.0.8.1" in ixp and "ipv6: 2001:7f8:ff::2" in ixp
    members = (out / "inventory" / "members.yml").read_text()
    assert "name: Tab Separated Networks" in members
    assert "The \"Quoted\" Company" in members and "Fibre & Co. <ops>" in members
    assert "Ünïcødé Nétwörks 網路" in members  # UTF-8 kept, not flattened
    notes = {n["message"]: n for n in summary["notes"]}
    private = next(n for m, n in notes.items() if "AS64600 is a private ASN" in m)
    # the note points at the member's line in the export
    assert private["file"] == str(sample[0])
    assert '"asnum": 64600' in sample[0].read_text().splitlines()[private["line"] - 1]
    assert any("10.1.2.3 is not a host address" in m for m in notes)
    assert any("185.0.8.11 is already used by" in m for m in notes)
    assert any("'BAR!!' is no AS-SET" in m for m in notes)
    assert any("listed more than once" in m for m in notes)
    assert any("the export has 2 VLANs" in m for m in notes)
    # a member that does not peer with the route servers, and an IPv6-only one
    assert "route_server: false" in members
    doc = json.loads((out / ".ixpctl-import" / "ixf.json").read_text())
    by_asn = {m["asn"]: m for m in doc["members"]}
    assert by_asn[2000 + 41 * 37]["connections"][0].keys() >= {"ipv6"} and \
        "ipv4" not in by_asn[2000 + 41 * 37]["connections"][0]
    assert len(by_asn[2000 + 150 * 37]["connections"]) == 3  # two routers, listed again with a third: merged
    assert by_asn[2000 + 112 * 37]["as_set"] == ["AS112"]  # an aut-num as macro: kept
    # per-family macros (every 53rd member): as_set for IPv4, as_set_ipv6 for IPv6
    assert by_asn[2000 + 53 * 37]["as_set"] == ["AS-SAMPLE53"]
    assert by_asn[2000 + 53 * 37]["as_set_ipv6"] == ["AS-SAMPLE53-V6"]
    assert "as_set" not in by_asn[2000 + 32 * 37]  # its own ASN as macro: the default
    # the private-ASN monitoring company: kept, as a disabled monitor to confirm
    assert by_asn[64600]["type"] == "monitor" and by_asn[64600]["status"] == "disabled"


def _facts_for(out: Path) -> Facts:
    """IRR data for every imported AS-SET (public test space, one /24 per member)."""
    doc = json.loads((out / ".ixpctl-import" / "ixf.json").read_text())
    facts = Facts()
    for n, m in enumerate(doc["members"]):
        for query in (m.get("as_set", []) or [f"AS{m['asn']}"]) + m.get("as_set_ipv6", []):
            facts.irr[query] = IrrExpansion(query, [m["asn"]], [(f"5.{n // 250}.{n % 250}.0/24", 24, 24)],
                                            [(f"2a0f:{n:x}::/32", 32, 48)])
    for source in ("peeringdb", "irr", "rpki"):
        facts.provenance[source] = Provenance(source, "test", "2026-12-01T00:00:00Z", "0" * 64)
    return facts


@needs_bird
def test_the_import_builds_and_bird_accepts_it(imported):
    out, _ = imported
    write_snapshot(_facts_for(out), out / "snapshots" / "current")
    result = run("-i", "inventory", "-p", "policies/default.yml", "build", "--json", cwd=out)
    assert result.exit_code == 0, result.output
    built = json.loads(result.stdout)
    assert [c["route_server"] for c in built["configs"]] == ["rs1", "rs2"]
    assert all(c["checked_by"] for c in built["configs"])  # bird -p ran and accepted them
    assert built["configs"][0]["sessions"] > 1000
    rs1 = (out / "build" / "rs1.conf").read_text()
    assert 'description "AS2000' in rs1
    assert [line for line in rs1.splitlines() if "description" in line and "Ünïcødé Nétwörks 網路" in line]
    # route-server-only deployment: no warning per connection about ports or MACs
    assert not [w for w in built["warnings"] if "switch port" in w or "MAC address registered" in w]


def test_reimport_is_idempotent_and_keeps_hand_edits(sample, tmp_path):
    path, _doc = sample
    out = tmp_path / "repo"
    assert run("import", "ixf", str(path), "-o", str(out)).exit_code == 0
    members = out / "inventory" / "members.yml"
    first = members.read_text()
    again = run("import", "ixf", str(path), "-o", str(out), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["diff"] == ""
    assert members.read_text() == first

    # the operator: a comment, a contact and an override on AS2037, a new name for AS2074
    text = first.replace("  - asn: 2037\n", "  - asn: 2037  # moved to the new rack in May\n"
                                            "    policy: {rpki: {reject_invalid: true}}\n", 1)
    text = re.sub(r"(  - asn: 2074\n    name: )[^\n]*", r"\1Renamed By Hand", text)
    members.write_text(text)
    # the source: AS2074 renamed too (a conflict), AS2111 renamed (an update), a member gone
    changed = json.loads(path.read_text())
    entries = {e["asnum"]: e for e in changed["member_list"]}
    entries[2074]["name"] = "Renamed Upstream"
    entries[2111]["name"] = "Tab Networks Ltd"
    changed["member_list"] = [e for e in changed["member_list"] if e["asnum"] != 2148]
    src = tmp_path / "changed.json"
    src.write_text(json.dumps(changed))
    result = run("import", "ixf", str(src), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    after = members.read_text()
    assert "# moved to the new rack in May" in after and "reject_invalid: true" in after
    assert "name: Tab Networks Ltd" in after
    assert "asn: 2148\n" not in after and any("asn=2148" in r for r in report["removed"])
    conflict = [c for c in report["conflicts"] if "asn=2074" in c["field"]]
    assert conflict == [{"field": "members[asn=2074].name", "yours": "Renamed By Hand",
                         "import": "Renamed Upstream"}]
    assert "name: Renamed By Hand" in after
    # --overwrite takes the source's value
    result = run("import", "ixf", str(src), "-o", str(out), "--overwrite", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["conflicts"] == []
    assert "name: Renamed Upstream" in members.read_text()
    assert "reject_invalid: true" in members.read_text()  # keys the import never writes stay


def test_an_import_that_does_not_validate_writes_nothing(sample, tmp_path):
    out = tmp_path / "repo"
    # a route server outside the peering LAN: the result would not validate
    result = run("import", "ixf", str(sample[0]), "-o", str(out), "--route-server", "rs1=10.0.0.1")
    assert result.exit_code == 1
    assert "outside LAN" in result.output and "nothing was written" in result.output
    assert not out.exists() or not any(out.rglob("*.yml"))
    as_json = run("import", "ixf", str(sample[0]), "-o", str(out), "--route-server", "rs1=10.0.0.1", "--json")
    report = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and report["ok"] is False
    assert any(p["field"] == "route_servers[0].ipv4" and p["line"] for p in report["problems"])


def test_non_utf8_bytes_and_a_bad_file(tmp_path):
    doc = write_sample(tmp_path / "small.json", members=5)
    raw = json.dumps(doc).replace("Tab\\tSeparated\\tNetworks", "Soci\\u00e9t\\u00e9 Malienne")
    data = raw.encode().replace(b"Soci\\u00e9t\\u00e9", b"Soci\xe9t\xe9")  # Latin-1 bytes in UTF-8
    (tmp_path / "latin.json").write_bytes(data)
    result = run("import", "ixf", str(tmp_path / "latin.json"), "-o", str(tmp_path / "repo"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert any("not valid UTF-8" in n["message"] for n in report["notes"])
    assert "Société Malienne" in (tmp_path / "repo" / "inventory" / "members.yml").read_text(encoding="utf-8")

    (tmp_path / "broken.json").write_text('{"version": "1.0",\n "ixp_list": [\n')
    result = run("import", "ixf", str(tmp_path / "broken.json"), "-o", str(tmp_path / "repo2"))
    assert result.exit_code == 2 and "broken.json:3" in result.output


def test_an_export_without_vlan_ids(tmp_path):
    """Some exporters leave out the VLAN id: the LAN is written without one and still builds."""
    doc = write_sample(tmp_path / "small.json", members=8)
    for vlan in doc["ixp_list"][0]["vlan"]:
        vlan.pop("id")
    doc["ixp_list"][0]["vlan"] = doc["ixp_list"][0]["vlan"][:1]
    for entry in doc["member_list"]:
        for conn in entry["connection_list"]:
            for v in conn.get("vlan_list", []):
                v.pop("vlan_id", None)
            conn["vlan_list"] = [v for v in conn.get("vlan_list", []) if "ipv6" in v or v["ipv4"]["address"].startswith("185.")]
    (tmp_path / "novlan.json").write_text(json.dumps(doc))
    out = tmp_path / "repo"
    result = run("import", "ixf", str(tmp_path / "novlan.json"), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert "vlan:" not in (out / "inventory" / "ixp.yml").read_text()
    assert any("written without vlan" in n["message"] for n in json.loads(result.stdout)["notes"])
    assert json.loads(result.stdout)["members"] == 9  # 8 and the monitoring company


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path):
    write_sample(tmp_path / "small.json", members=5)
    out = tmp_path / "repo"
    result = run("import", "ixf", str(tmp_path / "small.json"), "-o", str(out), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+++ b/inventory/members.yml" in result.output and "would write" in result.output
    assert not out.exists()


def test_older_schema_versions(tmp_path):
    """0.6/0.7 exports: ``service_type`` instead of ``services``, a single ``mac_address``."""
    doc = write_sample(tmp_path / "small.json", members=6)
    doc["version"] = "0.6"
    for entry in doc["member_list"]:
        for conn in entry["connection_list"]:
            for vlan in conn["vlan_list"]:
                for fam in ("ipv4", "ipv6"):
                    addr = vlan.get(fam)
                    if not addr:
                        continue
                    if addr.pop("services", None):
                        addr["service_type"] = "ixrouteserver"
                    macs = addr.pop("mac_addresses", None)
                    if macs:
                        addr["mac_address"] = macs[0]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    out = tmp_path / "repo"
    result = run("import", "ixf", str(tmp_path / "old.json"), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["route_servers"] == 2 and report["members"] == 7
    assert "02:1a:00:01:00:01" in (out / "inventory" / "members.yml").read_text()
