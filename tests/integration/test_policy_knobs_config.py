"""Policy and inventory knobs that change the BIRD config itself, checked by the real `bird -p`.

What members then receive is proven in the lab's conformance suite; here: each knob reaches the
config in the form BIRD accepts, and a knob switched off leaves no trace.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.integration.test_build import make_repo
from tests.support.builders import base_inventory

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]
REPO = Path(__file__).resolve().parents[2]


def build_with(tmp_path: Path, policy_extra: str = "", inventory=None) -> str:
    policy = tmp_path / "policy.yml"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "policies" / "bogons.yml", tmp_path / "bogons.yml")
    policy.write_text("version: 1\n" + policy_extra)
    inv, snap = make_repo(tmp_path, inventory or base_inventory())
    result = CliRunner().invoke(main, ["-i", str(inv), "-p", str(policy), "build", "--snapshot", str(snap),
                                       "-o", str(tmp_path / "build"), "--rs", "rs1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return (tmp_path / "build" / "rs1.conf").read_text()


def test_defaults_keep_filtered_import_limit_syslog(tmp_path):
    text = build_with(tmp_path)
    assert "import keep filtered on;" in text and "import keep filtered off" not in text
    assert "    import limit " in text and "receive limit" not in text
    assert "\nlog syslog all;\n" in text


def test_keep_filtered_false_drops_rejected_routes(tmp_path):
    text = build_with(tmp_path, "reject_policy: {keep_filtered: false}\n")
    assert "import keep filtered off;" in text and "import keep filtered on;" not in text


def test_max_prefix_count_received_is_a_receive_limit(tmp_path):
    text = build_with(tmp_path, "max_prefix: {count: received}\n")
    assert "    receive limit " in text and "    import limit " not in text


def test_log_settings_per_route_server(tmp_path):
    inv = base_inventory()
    inv["route_servers"][0]["log"] = {"to": "file", "path": "/var/log/bird/rs1.log", "size_mb": 8}
    text = build_with(tmp_path, inventory=inv)
    assert '\nlog "/var/log/bird/rs1.log" 8388608 "/var/log/bird/rs1.log.old" all;' in text
    inv["route_servers"][0]["log"] = {"to": "stderr"}
    assert "\nlog stderr all;\n" in build_with(tmp_path / "b", inventory=inv)


def test_extended_and_local_blackhole_values_reach_the_config(tmp_path):
    text = build_with(tmp_path, "communities:\n  values:\n"
                                "    do_not_announce_to_peer: {std: '0:peer', large: 'rs:0:peer', ext: 'rt:0:peer'}\n"
                                "    blackhole_local: {std: '65000:666'}\n")
    assert "(rt, 0, peer_as) ~ bgp_ext_community" in text
    assert "bgp_ext_community.delete([(rt, 0, *)]);" in text
    assert "(65535, 666) ~ bgp_community || (65000, 666) ~ bgp_community" in text


def test_switching_off_standard_communities_removes_their_tests(tmp_path):
    text = build_with(tmp_path, "communities: {standard: false}\n")
    export = text[text.index("function community_do_not_announce_to_peer"):text.index("function rs_export_to")]
    assert "bgp_community" not in export.split("#")[0] and "(0, peer_as) ~ bgp_community" not in export
    assert "(RS_ASN, 0, peer_as) ~ bgp_large_community" in export
