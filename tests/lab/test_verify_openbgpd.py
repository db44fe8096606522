"""`ixpctl sessions` / `ixpctl routes` on a real OpenBGPD route server (bgpctl -j), with a real BIRD
member announcing three routes, in a network namespace the test creates (loopback only), removed
with both daemons even on failure. The route server keeps its rejects in a `Rejected` RIB with
the reason tag, as the generated configs do (render/openbgpd_rules.py): one route is accepted, one
rejected with reason 12 (not in IRR), one denied without a tag (what bgpd shows as "filtered")."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.bgpdlab import BgpdLab, bgpd_config, require_root_bgpd_bird
from tests.support.rslab import TIMERS

pytestmark = [pytest.mark.lab]

MEMBER = f"""router id 127.0.0.2;
protocol device {{ }}
protocol static s4 {{ ipv4; route 198.51.100.0/24 blackhole; route 203.0.113.0/24 blackhole;
                      route 192.0.2.0/24 blackhole; }}
protocol bgp to_rs {{
  local 127.0.0.2 port 179 as 64501; neighbor 127.0.0.1 port 179 as 64500; strict bind on; multihop 2;
  {TIMERS}
  ipv4 {{ import all; export all; next hop self; }};
}}
"""
RULES = """rde rib Rejected no evaluate
allow from ebgp
deny quick from ebgp prefix 203.0.113.0/24
deny quick from ebgp prefix 192.0.2.0/24
allow quick rib Rejected from ebgp prefix 203.0.113.0/24 set large-community 64500:65520:12
"""


@pytest.fixture
def verify_lab(tmp_path):
    require_root_bgpd_bird()
    lab = BgpdLab(tmp_path)
    try:
        lab.start(bgpd_config(lab.socket, neighbor_extra="max-prefix 10 restart 5", extra=RULES), MEMBER)
        lab.wait_established()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and '"received": 3' not in lab.bgpctl("-j", "show", "neighbor").stdout:
            time.sleep(0.2)
        yield lab
    finally:
        lab.stop()


def _cli(tmp_path, *args):
    # -i names a file that does not exist: nothing is read from an inventory, --daemon / --rs-asn say it all
    return CliRunner().invoke(main, ["-i", str(tmp_path / "none.yml"), *args], catch_exceptions=False)


def test_sessions_state_since_and_counts(verify_lab, tmp_path):
    result = _cli(tmp_path, "sessions", "--socket", str(verify_lab.socket), "--daemon", "openbgpd", "--json")
    assert result.exit_code == 0, result.output
    (s,) = json.loads(result.stdout)["sessions"]
    assert s["name"] == "member1" and s["established"] and s["neighbor"] == "127.0.0.2" and s["neighbor_asn"] == 64501
    assert s["since"] and s["since"][:2] == "20"  # a time, like BIRD's, not bgpctl's age
    (ch,) = s["channels"]
    assert (ch["name"], ch["imported"], ch["filtered"], ch["import_limit"], ch["limit_action"]) == \
        ("ipv4", 1, 2, 10, "restart 5 min")
    table = _cli(tmp_path, "sessions", "--socket", str(verify_lab.socket), "--daemon", "openbgpd")
    assert "member1" in table.output and "Established" in table.output


def test_routes_accepted_and_filtered_with_reasons(verify_lab, tmp_path):
    base = ["routes", "--member", "64501", "--socket", str(verify_lab.socket), "--daemon", "openbgpd",
            "--rs-asn", "64500", "--json"]
    accepted = json.loads(_cli(tmp_path, *base).stdout)["routes"]
    assert [(r["prefix"], r["as_path"], r["next_hop"], r["filtered"]) for r in accepted] == \
        [("198.51.100.0/24", [64501], "127.0.0.2", False)]
    result = _cli(tmp_path, *base, "--filtered")
    assert result.exit_code == 0, result.output
    filtered = {r["prefix"]: r for r in json.loads(result.stdout)["routes"]}
    assert set(filtered) == {"203.0.113.0/24", "192.0.2.0/24"}
    tagged = filtered["203.0.113.0/24"]
    assert tagged["table"] == "Rejected" and [(x["code"], x["check"]) for x in tagged["rejections"]] == \
        [(12, "irr_prefix")]
    untagged = filtered["192.0.2.0/24"]
    assert untagged["rejections"] == [] and untagged["attributes"]["bgpd"] == "filtered"
    table = _cli(tmp_path, *base[:-1], "--filtered").output
    assert "irr_prefix" in table and "filtered by bgpd, no reason tag" in table


def test_routes_without_rs_asn_is_an_input_error(verify_lab, tmp_path):
    result = _cli(tmp_path, "routes", "--member", "64501", "--socket", str(verify_lab.socket), "--daemon", "openbgpd")
    assert result.exit_code == 2 and "--rs-asn" in result.output


def test_a_bird_socket_is_still_read_as_bird_by_default(rslab, tmp_path):
    result = _cli(tmp_path, "sessions", "--socket", str(rslab.socket), "--json")
    assert result.exit_code == 0, result.output
    assert [(s["name"], s["established"]) for s in json.loads(result.stdout)["sessions"]] == [("member1", True)]
