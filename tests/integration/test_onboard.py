"""`ixpctl onboard` end to end on a copy of the MLIX example: PeeringDB through the real client's
cache synced from the local fixture server, IRR from the bundled snapshot (or a real IRRd), configs
built and checked with the real `bird -p`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.inventory import load_inventory
from ixpctl.sources import snapshot as snap
from ixpctl.sources.snapshot_write import write_snapshot
from tests.support.pdb_server import PdbServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MLIX = REPO / "inventory" / "mlix.yml"


@pytest.fixture
def mlix(tmp_path, monkeypatch):
    (tmp_path / "inventory").mkdir()
    shutil.copyfile(MLIX, tmp_path / "inventory" / "mlix.yml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def onboard(root: Path, *args: str, cache: Path, snapshot: Path | None = None, input: str | None = None):
    argv = ["-i", str(root / "inventory"), "-p", str(REPO / "policies" / "default.yml"), "onboard", *args,
            "--peeringdb-cache", str(cache), "--snapshot", str(snapshot or REPO / "snapshots" / "mlix"),
            "--welcome-dir", str(root / "welcome")]
    return CliRunner().invoke(main, argv, input=input, catch_exceptions=False)


MD5_SECRET = "Tombouctou-md5-7q"  # what the operator exported for the new member's sessions


def test_onboard_as64507_end_to_end_and_again(mlix, mlix_pdb_cache, monkeypatch):
    monkeypatch.setenv("MLIX_MD5_AS64507", MD5_SECRET)  # so the configs really carry a password
    before = MLIX.read_text()
    args = ("64507", "--yes", "--json", "--switch", "sw1", "--mac", "02:00:00:64:07:01",
            "--md5-env", "MLIX_MD5_AS64507")
    result = onboard(mlix, *args, cache=mlix_pdb_cache)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["state"] == "new" and data["peeringdb"]["origin"] == "peeringdb cache"
    assert data["irr_origin"] == "facts snapshot"
    conn = data["connections"][0]
    assert (conn["ipv4"], conn["ipv6"], conn["ipv4_source"]) == ("192.0.2.23", "2001:db8:0:10::23", "peeringdb")
    assert (conn["switch"], conn["ports"], conn["macs"]) == ("sw1", ["Ethernet10"], ["02:00:00:64:07:01"])
    verdicts = {c["name"]: c["verdict"] for c in data["checks"]}
    assert verdicts["AS-SET"] == "pass" and verdicts["ROA coverage"] == "warn" and "fail" not in verdicts.values()

    # the YAML: every original byte kept (comments included), one member block appended
    after = (mlix / "inventory" / "mlix.yml").read_text()
    assert after.startswith(before)
    block = after[len(before):]
    assert block.lstrip("\n").startswith("  # Tombouctou Telecom: onboarded") and block.count("- asn:") == 1
    assert "    md5: {env: MLIX_MD5_AS64507}" in block and "MLIX_MD5_AS64507=" not in block
    inv = load_inventory(mlix / "inventory").inventory
    assert inv.members[-1].asn == 64507 and len(inv.members) == 13

    # configs were built (bird -p) and the diff shows the two new sessions on each route server
    assert set(data["config_diffs"]) >= {"rs1.conf", "rs2.conf"}
    diff = data["config_diffs"]["rs1.conf"]  # BIRD
    assert "+protocol bgp AS64507_1_v4 from rs_client {" in diff and "+  neighbor 2001:db8:0:10::23 as 64507;" in diff
    assert '+  password "********";' in diff  # rendered, and masked in what is shown
    diff = data["config_diffs"]["rs2.conf"]  # OpenBGPD (inventory/mlix.yml: rs2 daemon: openbgpd)
    assert '+group "AS64507" {' in diff and "+  neighbor 2001:db8:0:10::23 {" in diff
    assert '+    tcp md5sig password "********"' in diff
    assert MD5_SECRET not in result.output

    # the welcome pack, in both languages and both formats
    names = sorted(p.name for p in (mlix / "welcome").iterdir())
    assert names == ["AS64507.en.html", "AS64507.en.md", "AS64507.fr.html", "AS64507.fr.md"]
    en = (mlix / "welcome" / "AS64507.en.md").read_text()
    fr = (mlix / "welcome" / "AS64507.fr.md").read_text()
    for text in (en, fr):
        assert "`192.0.2.23/24`" in text and "`2001:db8:0:10::23/64`" in text and "AS64500" in text
        assert "`192.0.2.1`" in text and "`2001:db8:0:10::2`" in text and "`64500:0:peer-as`" in text
        assert "**115**" in text and "`198.19.0.0/24`" in text
    assert "**3 accepted, 0 rejected** of 3" in en and "TCP MD5: **yes**" in en and "Hold time 90 s" in en
    assert "Bienvenue à MLIX" in fr and "**3 acceptées, 0 rejetées** sur 3" in fr and "MD5 TCP : **oui**" in fr
    assert not [p.name for p in (mlix / "welcome").iterdir() if MD5_SECRET in p.read_text()]
    html = (mlix / "welcome" / "AS64507.fr.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html and "<table>" in html

    # again, with the same options: already onboarded, exit 0, no duplicate, inventory untouched
    again = onboard(mlix, *args, cache=mlix_pdb_cache)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["state"] == "already onboarded"
    assert (mlix / "inventory" / "mlix.yml").read_text() == after


@pytest.mark.parametrize("as_json", [True, False])
def test_dry_run_never_prints_the_md5_secret(mlix, mlix_pdb_cache, monkeypatch, as_json):
    monkeypatch.setenv("MLIX_MD5_AS64507", MD5_SECRET)
    result = onboard(mlix, "64507", "--dry-run", "--switch", "sw1", "--md5-env", "MLIX_MD5_AS64507",
                     *(["--json"] if as_json else []), cache=mlix_pdb_cache)
    assert result.exit_code == 0, result.output
    assert MD5_SECRET not in result.output
    diffs = json.loads(result.stdout)["config_diffs"]["rs1.conf"] if as_json else result.output
    assert '+  password "********";' in diffs
    assert (mlix / "inventory" / "mlix.yml").read_bytes() == MLIX.read_bytes()


def test_not_in_peeringdb_is_refused(mlix, mlix_pdb_cache):
    result = onboard(mlix, "64508", "--yes", cache=mlix_pdb_cache)
    assert result.exit_code == 1
    assert "AS64508 is not in PeeringDB" in result.output and "nothing was written" in result.output
    assert (mlix / "inventory" / "mlix.yml").read_bytes() == MLIX.read_bytes()
    assert not (mlix / "welcome").exists()


def test_forced_with_a_reason_is_recorded(mlix, mlix_pdb_cache):
    result = onboard(mlix, "64508", "--yes", "--force", "--reason", "member of the board, PeeringDB record pending",
                     "--name", "Gao Networks", "--as-set", "AFRINIC::AS-TOMBOUCTOU", "--contact", "noc@gao.example",
                     cache=mlix_pdb_cache)
    assert result.exit_code == 0, result.output
    text = (mlix / "inventory" / "mlix.yml").read_text()
    assert "  # FORCED: member of the board, PeeringDB record pending\n  - asn: 64508\n" in text
    assert "    ipv4: 192.0.2.24" not in text and "      - ipv4: 192.0.2.24\n        ipv6: 2001:db8:0:10::24\n" in text


def test_interactive_no_writes_nothing_yes_writes(mlix, mlix_pdb_cache):
    declined = onboard(mlix, "64507", cache=mlix_pdb_cache, input="n\n")
    assert declined.exit_code == 0 and "nothing written" in declined.output
    assert (mlix / "inventory" / "mlix.yml").read_bytes() == MLIX.read_bytes()
    accepted = onboard(mlix, "64507", cache=mlix_pdb_cache, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "wrote" in accepted.output and "- asn: 64507" in (mlix / "inventory" / "mlix.yml").read_text()


def test_missing_cache_is_synced_from_the_configured_peeringdb(mlix, pdb_server: PdbServer, fresh_db_dir):
    path = mlix / "inventory" / "mlix.yml"
    text = path.read_text().replace("url: http://127.0.0.1:8080/api", f"url: {pdb_server.api_url}")
    path.write_text(text.replace('cache_url: ""', f"cache_url: {pdb_server.base_url}"))
    result = onboard(mlix, "64507", "--dry-run", "--json", cache=fresh_db_dir())
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["peeringdb"]["origin"] == "peeringdb cache" and any("synced" in n for n in data["notes"])
    assert data["peeringdb"]["network"]["irr_as_set"] == "AFRINIC::AS-TOMBOUCTOU"
    assert path.read_text() == text.replace('cache_url: ""', f"cache_url: {pdb_server.base_url}")
    assert not (mlix / "welcome").exists()


def test_live_irr_when_the_snapshot_lacks_the_as_set(mlix, mlix_pdb_cache, irrd_host, tmp_path):
    facts = snap.read_snapshot(REPO / "snapshots" / "mlix")
    del facts.irr["AFRINIC::AS-TOMBOUCTOU"]
    snapshot = write_snapshot(facts, tmp_path / "snap")
    path = mlix / "inventory" / "mlix.yml"
    path.write_text(path.read_text().replace('hosts: ["127.0.0.1:8043"]', f'hosts: ["{irrd_host}"]'))
    offline = onboard(mlix, "64507", "--dry-run", "--offline", cache=mlix_pdb_cache, snapshot=snapshot)
    assert offline.exit_code == 1 and "--offline forbids a live bgpq4 query" in " ".join(offline.output.split())
    live = onboard(mlix, "64507", "--dry-run", "--json", cache=mlix_pdb_cache, snapshot=snapshot)
    assert live.exit_code == 0, live.output
    data = json.loads(live.stdout)
    assert data["irr_origin"].startswith("bgpq4") and data["self_check"]["counts"]["accepted"] == 3
    assert any("sources refresh --irr" in n for n in data["notes"])
