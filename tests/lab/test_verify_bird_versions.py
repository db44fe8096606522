"""`ixpctl sessions` and `ixpctl routes` read every BIRD target alike: a route server on BIRD 2.0,
2.17 and 3.1 (scripts/bird-versions.sh) with one real BGP peer (the machine's bird) in a network
namespace the test creates (tests/support/rslab.py, removed even on failure). BIRD 3 prints route
attributes under their filter names and lays out some of `show protocols all` differently; the
commands' JSON must be the same on each version (times aside)."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.deploy.bird_binaries import BirdBinaries
from ixpctl.errors import BuildError
from ixpctl.verify import RouteServerClient
from tests.support.rslab import TIMERS, RsLab, require_root_and_bird

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]

RS = f"""router id 127.0.0.1;
protocol device {{ }}
protocol direct {{ ipv4; interface "lo"; }}
filter rs_import {{
  if net = 198.18.11.0/24 then {{ bgp_large_community.add((64500, 65520, 8)); reject; }}
  bgp_large_community.add((64500, 1000, 1));
  accept;
}}
protocol bgp member1 {{
  description "AS64501 Sahel Fibre";
  local 127.0.0.1 port 179 as 64500; neighbor 127.0.0.2 port 179 as 64501; strict bind on; multihop 2;
  {TIMERS}
  ipv4 {{ import keep filtered on; import filter rs_import; import limit 50 action restart; export none; }};
}}
"""

MEMBER = f"""router id 127.0.0.2;
protocol device {{ }}
protocol static announced {{ ipv4; route 198.18.10.0/24 blackhole; route 198.18.11.0/24 blackhole; }}
protocol bgp to_rs {{
  local 127.0.0.2 port 179 as 64501; neighbor 127.0.0.1 port 179 as 64500; strict bind on; multihop 2;
  {TIMERS}
  ipv4 {{ import none; export filter {{ bgp_path.prepend(64501); bgp_community.add((64501, 10)); accept; }}; }};
}}
"""


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _without_times(data):
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if k not in ("since", "route_server")}
    if isinstance(data, list):
        return [_without_times(v) for v in data]
    return data


@pytest.fixture(scope="module")
def seen(tmp_path_factory) -> dict[str, dict]:
    """What the commands print for a route server on each BIRD series found here."""
    require_root_and_bird()
    out: dict[str, dict] = {}
    for series in ("2.0", "2.17", "3.1"):
        try:
            binary = BirdBinaries().for_series(series)
        except BuildError:
            continue
        tmp = tmp_path_factory.mktemp(f"verify-{series}")
        lab = RsLab(tmp, rs_bird=binary.path, rs_birdc=binary.birdc)
        try:
            lab.start(RS, MEMBER)
            lab.wait_established()
            socket = str(lab.socket)
            deadline = time.monotonic() + 15
            while "198.18.11.0/24" not in lab.birdc("show", "route", "filtered") and time.monotonic() < deadline:
                time.sleep(0.2)
            out[series] = {
                "version": binary.version,
                "status": RouteServerClient(socket).status().version,
                "sessions": _cli("sessions", "--socket", socket),
                "routes": _cli("routes", "--member", "64501", "--socket", socket),
                "filtered": _cli("routes", "--member", "64501", "--filtered", "--socket", socket),
            }
        finally:
            lab.stop()
    if "3.1" not in out:
        pytest.skip("no BIRD 3.1 here: run scripts/bird-versions.sh")
    return out


def test_sessions_read_alike_on_every_version(seen):
    for series, got in seen.items():
        (s,) = got["sessions"]["sessions"]
        assert (s["name"], s["neighbor"], s["neighbor_asn"], s["local_asn"]) == ("member1", "127.0.0.2", 64501, 64500)
        assert s["established"] and s["description"] == "AS64501 Sahel Fibre", (series, s)
        (ch,) = s["channels"]
        assert (ch["name"], ch["imported"], ch["filtered"], ch["import_limit"]) == ("ipv4", 1, 1, 50), (series, ch)
        assert ch["limit_action"] == "restart" and ch["import_updates"]["received"] == 2, (series, ch)
    assert len({json.dumps(_without_times(got["sessions"]), sort_keys=True) for got in seen.values()}) == 1


def test_routes_and_reject_reasons_read_alike_on_every_version(seen):
    for series, got in seen.items():
        assert got["status"] == got["version"], series  # pybird reads BIRD 3's show status too
        (accepted,) = got["routes"]["routes"]
        assert accepted["prefix"] == "198.18.10.0/24" and accepted["as_path"] == [64501, 64501], (series, accepted)
        assert [64501, 10] in accepted["communities"] and [64500, 1000, 1] in accepted["large_communities"]
        (rejected,) = got["filtered"]["routes"]
        assert rejected["prefix"] == "198.18.11.0/24" and rejected["as_path"] == [64501, 64501], (series, rejected)
        assert [r["code"] for r in rejected["rejections"]] == [8], (series, rejected)
    for key in ("routes", "filtered"):
        assert len({json.dumps(_without_times(got[key]), sort_keys=True) for got in seen.values()}) == 1, key


def test_bird3_runs_the_worker_threads_the_config_asks_for(tmp_path):
    """`threads 3;` (route_servers[].threads) gives BIRD 3.1 three worker threads (`show threads`),
    and the session still comes up."""
    require_root_and_bird()
    try:
        binary = BirdBinaries().for_series("3.1")
    except BuildError as err:
        pytest.skip(f"no BIRD 3.1 here ({err.message}): run scripts/bird-versions.sh")
    lab = RsLab(tmp_path, rs_bird=binary.path, rs_birdc=binary.birdc)
    try:
        lab.start(RS.replace("router id 127.0.0.1;", "router id 127.0.0.1;\nthreads 3;"), MEMBER)
        lab.wait_established()
        threads = [line for line in lab.birdc("show", "threads").splitlines() if line[:4].isdigit()]
        assert len(threads) == 3, lab.birdc("show", "threads")
    finally:
        lab.stop()
