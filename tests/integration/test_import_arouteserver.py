"""`ixpctl import arouteserver` end to end on a made-up 400-client clients.yml + general.yml:
members by ASN, MD5 passwords as file references, per-client overrides, general settings into the
policy (comments kept), a report of what has no equivalent, guesses said aloud, `bird -p` accepts
the build, and re-imports keep hand edits."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.sources.facts import Facts, Provenance
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.ars_sample import RS_ASN, write_sample

pytestmark = [pytest.mark.integration]
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path | None = None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    return write_sample(tmp_path_factory.mktemp("ars"))


@pytest.fixture(scope="module")
def imported(files, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("repo")
    result = run("import", "arouteserver", str(files[0]), "--general", str(files[1]), "--name", "Sample-IX",
                 "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_members_passwords_and_overrides(imported, files):
    out, report = imported
    assert report["members"] == 401 and report["route_servers"] == 2  # 400 + a disabled monitor
    members = (out / "inventory" / "members.yml").read_text()
    everything = "".join(p.read_text() for p in (out / "inventory").glob("*.yml")) + \
        (out / "policies" / "default.yml").read_text()
    assert "s3cret" not in everything  # passwords never in the inventory
    secret = out / "secrets" / "md5" / "AS3116"
    assert secret.read_text() == "s3cret-4\n" and secret.stat().st_mode & 0o777 == 0o600
    assert (out / "secrets").stat().st_mode & 0o777 == 0o700
    assert "file: secrets/md5/AS3116" in members
    state = json.loads((out / ".ixpctl-import" / "arouteserver.json").read_text())
    by_asn = {m["asn"]: m for m in state["members"]}
    asn = lambda i: 3000 + i * 29 if i < 200 else 200000 + i * 13
    assert len(by_asn[asn(20)]["connections"]) == 2  # two routers, one member
    assert by_asn[asn(17)]["policy"]["next_hop"] == {"policy": "same_as"}
    assert by_asn[asn(13)]["policy"]["session"] == {"ttl_security": True}
    assert by_asn[asn(5)]["max_prefix"] == {"ipv4": 500, "ipv6": 100}
    assert by_asn[asn(9)]["as_set"] == "from_peeringdb"  # irrdb.peering_db: True, no AS-SET given
    assert by_asn[asn(11)]["as_set"] == ["AS-ASNS11"]  # from the top-level asns: section
    assert by_asn[asn(3)]["as_set"] == ["RIPE::AS-MEMBER3"]
    assert RS_ASN not in by_asn
    assert by_asn[64700]["type"] == "monitor" and by_asn[64700]["status"] == "disabled"
    assert "ipv4" not in by_asn[asn(37)]["connections"][0]  # IPv6-only
    notes = [n["message"] for n in report["notes"]]
    assert any("route servers guessed" in m for m in notes)
    assert any("peering LAN IPv4 guessed" in m for m in notes)
    assert any("another MD5 password" in m for m in notes)
    assert any("AS64700 is a private ASN" in m for m in notes)


def test_general_settings_go_into_the_policy_with_its_comments(imported):
    out, report = imported
    policy = (out / "policies" / "default.yml").read_text()
    original = (REPO / "policies" / "default.yml").read_text()
    changed = {a.split(":")[0].strip() for a, b in zip(original.splitlines(), policy.splitlines(), strict=True)
               if a != b}
    assert len(original.splitlines()) == len(policy.splitlines())  # edited in place, comments kept
    assert "max_length: 40            # (member) longest AS_PATH accepted, prepends included" in policy
    assert "passive: true             # (member) wait for the member to connect" in policy
    assert re.search(r"^  action: restart .*# \(member\) restart", policy, re.MULTILINE)  # shutdown + restart_after
    assert "restart_after: 30" in policy and "count: received" in policy
    assert changed == {"max_length", "asns", "restart_after", "count", "passive"}, changed  # action: restart already
    unmapped = {u["setting"]: u for u in report["unmapped"]}
    assert unmapped["cfg.prepend_rs_as"]["closest"].startswith("none: ixpctl route servers are transparent")
    assert unmapped["cfg.filtering.global_black_list_pref"]["closest"].startswith("policies/bogons.yml")
    per_client = [u for s, u in unmapped.items() if s.endswith(".cfg.prepend_rs_as") and s.startswith("clients[")]
    assert per_client and per_client[0]["line"] and per_client[0]["file"].endswith("clients.yml")


@pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")
def test_the_import_builds_with_passwords_and_bird_accepts_it(imported):
    out, _ = imported
    facts = Facts()
    for source in ("peeringdb", "irr", "rpki"):
        facts.provenance[source] = Provenance(source, "test", "2026-12-01T00:00:00Z", "0" * 64)
    write_snapshot(facts, out / "snapshots" / "current")
    result = run("-i", "inventory", "-p", "policies/default.yml", "build", "--json", cwd=out)
    assert result.exit_code == 0, result.output
    built = json.loads(result.stdout)
    assert all(c["checked_by"] for c in built["configs"])
    rs1 = (out / "build" / "rs1.conf").read_text()
    assert 'password "s3cret-4";' in rs1 and "passive on;" in rs1
    assert (out / "build" / "rs1.conf").stat().st_mode & 0o077 == 0


def test_options_instead_of_guesses_and_reimport(files, tmp_path):
    out = tmp_path / "repo"
    args = ["import", "arouteserver", str(files[0]), "--general", str(files[1]), "-o", str(out),
            "--lan", "185.0.12.0/22", "--lan", "2001:7f8:fe::/64", "--vlan", "12",
            "--route-server", "rs1=185.0.12.1,2001:7f8:fe::1", "--route-server", "rs2=185.0.12.2,2001:7f8:fe::2"]
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    notes = [n["message"] for n in json.loads(result.stdout)["notes"]]
    assert not any("guessed" in m for m in notes)
    assert "ipv4: 185.0.12.0/22" in (out / "inventory" / "ixp.yml").read_text()
    again = run(*args, "--json")
    assert json.loads(again.stdout)["diff"] == ""
    # the operator adds a contact; arouteserver's file changes a password and a limit
    members = out / "inventory" / "members.yml"
    members.write_text(members.read_text().replace("    name: Member 1 Networks\n",
                                                   "    name: Member 1 Networks\n    contact: noc@m1.example\n"))
    clients = files[0].read_text().replace('password: "s3cret-4"', 'password: "n3w-secret"') \
        .replace("limit_ipv4: 500", "limit_ipv4: 750")
    changed = tmp_path / "clients.yml"
    changed.write_text(clients)
    result = run(*[changed.as_posix() if a == str(files[0]) else a for a in args], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["conflicts"] == []
    text = members.read_text()
    assert "contact: noc@m1.example" in text and "ipv4: 750" in text
    assert (out / "secrets" / "md5" / "AS3116").read_text() == "n3w-secret\n"


def test_latin1_bytes_and_a_missing_file(tmp_path):
    clients = tmp_path / "clients.yml"
    clients.write_bytes(b'clients:\n  - asn: 3029\n    ip: ["185.0.12.11"]\n    description: "Soci\xe9t\xe9 Malienne"\n'
                        b'  - asn: 59991\n    ip: ["185.0.12.1"]\n')
    general = tmp_path / "general.yml"
    general.write_text("cfg:\n  rs_as: 59991\n  router_id: 185.0.12.1\n")
    out = tmp_path / "repo"
    result = run("import", "arouteserver", str(clients), "--general", str(general), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert any("not valid UTF-8" in n["message"] for n in json.loads(result.stdout)["notes"])
    assert "name: Société Malienne" in (out / "inventory" / "members.yml").read_text(encoding="utf-8")
    missing = run("import", "arouteserver", str(tmp_path / "nope.yml"), "-o", str(out))
    assert missing.exit_code == 2
