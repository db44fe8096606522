"""The OpenBGPD renderer without a daemon: every check of the chain is in the config with its reject
code, in chain order, for both RIBs; capabilities follow the version; member text is escaped."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from ixpctl.errors import BuildError
from ixpctl.lab.lab import LabConfig, compile_lab
from ixpctl.policy.chain import CHAIN
from ixpctl.render.openbgpd import _finalize, bgpd_comment, bgpd_string, render_route_server
from ixpctl.render.openbgpd_caps import OpenbgpdCapabilities
from ixpctl.render.secrets import Md5Secret
from tests.conftest import REPO


@pytest.fixture(scope="module")
def intent():
    config = replace(LabConfig.load(REPO / "lab/conformance.lab.yml", base=REPO), rpki="static")
    _loaded, intents, _facts = compile_lab(config)
    return intents[1]


def _codes(text: str) -> list[int]:
    return [int(c) for c in re.findall(r"^# \((\d+)\) ", text, re.MULTILINE)]


def test_every_check_in_chain_order_in_both_ribs(intent) -> None:
    text = render_route_server(intent)
    order = [c.code for c in CHAIN]  # ASPA's section says it is not rendered (BIRD only, left out)
    assert _codes(text) == order + order  # Loc-RIB, then the Rejected RIB
    for check in CHAIN:
        if check.name == "aspa":
            assert "64500:65520:21" not in text
            continue
        if check.name == "as_set":
            assert "reject as-set yes" in text
            continue
        if check.name == "black_list":
            continue  # no member of the lab IXP has a black list
        assert f"64500:65520:{check.code}" in text, check.name
    assert "rde rib Rejected no evaluate" in text
    assert re.search(r"^allow quick rib Rejected from ebgp prefix-set BOGONS set large-community 64500:65520:2$",
                     text, re.MULTILINE)


def test_route_server_basics(intent) -> None:
    text = render_route_server(intent)
    for line in ("transparent-as yes", "rde evaluate all", "fib-update no", "enforce neighbor-as no",
                 "max-prefix 500 restart 15", "deny quick to ebgp community 0:neighbor-as",
                 "match to ebgp community 65535:666 set community NO_EXPORT",
                 "match from ebgp community 65535:0 set localpref 0",
                 'deny quick to group "AS64503" community 65535:666'):
        assert line in text, line
    assert re.search(r"^roa-set \{\n  198\.18\.200\.0/24 maxlen 24 source-as 64497$", text, re.MULTILINE)


def test_capabilities_follow_the_version(intent) -> None:
    from ixpctl.policy.intent import for_openbgpd

    assert intent.policy["aspa"]["enabled"]
    old = render_route_server(intent, capabilities=OpenbgpdCapabilities((7, 7)))
    new_intent = for_openbgpd(intent, "8.8")
    new = render_route_server(new_intent, capabilities=OpenbgpdCapabilities((8, 8)))
    assert "announce policy rs" in old and "role rs" not in old
    assert "role rs" in new and "announce policy yes" in new
    assert "ASPA path verification (needs OpenBGPD >= 8.0)" in old and "aspa-set" not in old
    # 8.8: ASPA rendered (aspa-set from the facts, `avs invalid` rejected with code 21), not left out
    assert new_intent.aspa and "ASPA path verification" not in new.split("\nAS ", 1)[0]
    assert "\naspa-set {\n  customer-as 65540 provider-as { 64496 }\n}" in new
    assert not new_intent.policy["aspa"]["reject_invalid"]  # the conformance policy tags ASPA invalid
    assert "\nmatch from ebgp avs invalid set large-community 64500:65521:21" in new
    assert "rib Rejected from ebgp avs" not in new  # tagged routes are accepted: nothing for that RIB
    strict = for_openbgpd(replace(intent, policy={**intent.policy, "aspa": {**intent.policy["aspa"],
                                                                            "reject_invalid": True}}), "8.8")
    text = render_route_server(strict, capabilities=OpenbgpdCapabilities((8, 8)))
    assert "\ndeny quick from ebgp avs invalid set large-community 64500:65520:21" in text
    assert "\nallow quick rib Rejected from ebgp avs invalid set large-community 64500:65520:21" in text
    no_role = for_openbgpd(replace(intent, policy={**intent.policy, "session": {**intent.policy["session"],
                                                                                 "role": False}}), "8.8")
    assert not no_role.aspa and "only on sessions with an RFC 9234 role" in render_route_server(
        no_role, capabilities=OpenbgpdCapabilities((8, 8)))


def test_block_action_is_refused(intent) -> None:
    sessions = [replace(s, limit_action="block") for s in intent.sessions]
    with pytest.raises(BuildError, match="no OpenBGPD equivalent"):
        render_route_server(replace(intent, sessions=sessions))


def test_member_text_is_escaped(intent) -> None:
    members = [replace(m, name='Evil "Corp"\\\n$x { } # ') for m in intent.members]
    text = render_route_server(replace(intent, members=members))
    assert "$x" in text and "\n$x" not in text  # the name stays on its comment line
    assert all(not line.rstrip().endswith("\\") for line in text.splitlines())
    assert bgpd_string('a"b\\c$d\ne') == "a'b/cSd e"
    assert bgpd_comment("a\\\nb") == "a/ b"
    assert bgpd_string(Md5Secret("s3cret key")) == "s3cret key"
    with pytest.raises(BuildError):
        bgpd_string(Md5Secret("pa$$"))
    with pytest.raises(BuildError):
        _finalize('descr "x"')
