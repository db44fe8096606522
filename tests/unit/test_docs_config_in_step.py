"""The published communities and the BIRD config say the same thing, value for value.

Every community the docs list must be tested (control) or added (informational) by the rendered
config, and every community literal the config's community functions test must be in the docs —
for the default policy and for one with changed, extended and switched-off values.
"""

from __future__ import annotations

import re

import pytest

from ixpctl.inventory import load_inventory
from ixpctl.policy.intent import compile_route_server
from ixpctl.policy.loader import load_policy
from ixpctl.publish.docs import build_policy_doc
from ixpctl.render.bird import render_route_server
from tests.support.builders import base_inventory, write_inventory
from tests.support.policy_cases import policy_facts
from tests.unit.test_docs import _policy_with

_ATTR = {"standard": "bgp_community", "large": "bgp_large_community", "extended": "bgp_ext_community"}


def _bird_literal(value: str, kind: str, rs: int) -> str:
    parts = ["RS_ASN" if p == str(rs) else "peer_as" if p == "peer-as" else p for p in value.split(":")]
    return f"({', '.join(parts)}) ~ {_ATTR[kind]}"


def _setup(tmp_path, policy_path):
    loaded = load_inventory(write_inventory(tmp_path / "inv", base_inventory()))
    lp = load_policy(policy_path)
    intent = compile_route_server(loaded, lp, policy_facts(), loaded.inventory.route_servers[0])
    return build_policy_doc(loaded.inventory, lp), render_route_server(intent), loaded.inventory.ixp.rs_asn


CUSTOM = {"communities": {"standard": True, "prepend": False, "values": {
    "do_not_announce_to_peer": {"std": "65000:peer", "large": "rs:10:peer", "ext": "rt:0:peer"},
    "announce_to_peer": {"std": None, "large": "rs:11:peer"},
    "irr_registered": {"large": "rs:2001:1", "std": "65010:1"},
    "blackhole_local": {"std": "65001:666"},
}}}


@pytest.mark.parametrize("changes", [{}, CUSTOM], ids=["default", "custom"])
def test_docs_list_exactly_what_the_config_does(tmp_path, default_policy_path, changes):
    path = _policy_with(tmp_path, default_policy_path, **changes) if changes else default_policy_path
    doc, config, rs = _setup(tmp_path, path)
    functions = "\n".join(re.findall(r"^function community_\w+\(.*?^}", config, re.DOTALL | re.MULTILINE))
    for cm in doc.control:
        assert _bird_literal(cm.value, cm.kind, rs) in functions, (cm.value, cm.kind)
    tested = re.findall(r"\(([^()]*?)\) ~ (bgp_\w+)", functions)
    documented = {_bird_literal(cm.value, cm.kind, rs) for cm in doc.control}
    for body, attr in tested:
        assert f"({body}) ~ {attr}" in documented, f"config tests ({body}) in {attr}, the docs do not list it"
    for cm in doc.info:  # informational: added by the import checks
        parts = ["RS_ASN" if p == str(rs) else p for p in cm.value.split(":")]
        assert f"{_ATTR[cm.kind]}.add(({', '.join(parts)}));" in config, cm.value
    blackhole = [cm.value for cm in doc.well_known if "BLACKHOLE" in cm.en]
    test = re.search(r"function is_blackhole_route\(\)\n\{\n  return (.*);", config).group(1)
    assert sorted(blackhole) == sorted(":".join(m) for m in re.findall(r"\((\d+), (\d+)\)", test))
    if changes:
        assert any(cm.kind == "extended" and cm.value == "rt:0:peer-as" for cm in doc.control)
        assert not any(cm.en.startswith("Prepend") for cm in doc.control)  # prepend: false
