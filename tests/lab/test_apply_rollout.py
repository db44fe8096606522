"""`ixpctl apply`'s rollout step against a real BIRD route server and a real BGP peer (the deploy
tests' namespace lab): a route server whose sessions come back but that accepts fewer routes than
predicted is not "back": it gets its previous config again, and the caller is told."""

from __future__ import annotations

import shutil
import time

import pytest

from ixpctl.apply.guard import Impact
from ixpctl.apply.live import read_live
from ixpctl.apply.rollout import Failed, deploy_one
from ixpctl.inventory.apply_config import Rollout
from tests.support.rslab import TIMERS, rs_config

pytestmark = [pytest.mark.lab, pytest.mark.skipif(shutil.which("bird") is None, reason="bird not installed")]

MEMBER = f"""router id 127.0.0.2;
protocol device {{ }}
protocol static announced {{ ipv4; route 198.18.1.0/24 blackhole; route 198.18.2.0/24 blackhole; }}
protocol bgp to_rs {{
  local 127.0.0.2 port 179 as 64501; neighbor 127.0.0.1 port 179 as 64500; strict bind on; multihop 2;
  {TIMERS}
  ipv4 {{ import all; export where proto = "announced"; }};
}}
"""


@pytest.fixture
def two_routes(rslab_factory):
    lab = rslab_factory()
    lab.start(member_text=MEMBER)
    lab.wait_established()
    deadline = time.monotonic() + 20
    while read_live("rs1", lab.target(), routes=False).imported("member1") < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    return lab


def test_fewer_routes_than_predicted_rolls_back(two_routes):
    lab = two_routes
    before_bytes = lab.config.read_bytes()
    before = read_live("rs1", lab.target())
    assert before.imported("member1") == 2 and len(before.accepted) == 2
    # the new config drops one of the member's routes; the prediction says both stay
    losing = rs_config().replace("import all;", "import where net != 198.18.2.0/24;").encode()
    impact = Impact("rs1", 2, expected={"member1": 2})
    with pytest.raises(Failed) as exc:
        deploy_one("rs1", losing, before_bytes, lab.target(), before, impact, Rollout(settle_seconds=5, observe_seconds=2), print)
    outcome = exc.value.outcome
    assert outcome.status == "rolled back"
    assert outcome.problems[0] == ("session member1 accepts 1 routes, expected 2 "
                                   "(at least 2 with apply.rollout.accepted_tolerance)")
    assert "not back to normal after 5 s" in exc.value.error.message
    assert lab.config.read_bytes() == before_bytes and lab.leftovers() == []
    deadline = time.monotonic() + 20
    while read_live("rs1", lab.target(), routes=False).imported("member1") < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert read_live("rs1", lab.target(), routes=False).imported("member1") == 2  # both routes back


def test_within_tolerance_is_deployed(two_routes):
    lab = two_routes
    before = read_live("rs1", lab.target())
    losing = rs_config().replace("import all;", "import where net != 198.18.2.0/24;").encode()
    impact = Impact("rs1", 2, expected={"member1": 2})
    outcome, after = deploy_one("rs1", losing, lab.config.read_bytes(), lab.target(), before, impact,
                                Rollout(settle_seconds=5, observe_seconds=2, accepted_tolerance=0.5), print)
    assert outcome.status == "deployed" and lab.config.read_bytes() == losing
    assert [r.prefix for r in after.accepted] == ["198.18.1.0/24"]


def test_rollback_does_not_wait_for_the_sessions_the_change_added(two_routes):
    """The previous config lacks a session the change added (a new member): putting it back drops
    that session on purpose; the rollback must not count it as "not back" (else it would restore
    the new config again)."""
    lab = two_routes
    before = read_live("rs1", lab.target())
    previous = b"router id 127.0.0.1;\nprotocol device { }\n"  # before the change: no member1 session
    losing = rs_config().replace("import all;", "import where net != 198.18.2.0/24;").encode()
    impact = Impact("rs1", 2, sessions_added=["member1"], expected={"member1": 2})
    with pytest.raises(Failed) as exc:
        deploy_one("rs1", losing, previous, lab.target(), before, impact, Rollout(settle_seconds=5, observe_seconds=2),
                   print)
    outcome = exc.value.outcome
    assert outcome.status == "rolled back", outcome.problems
    assert lab.config.read_bytes() == previous and lab.leftovers() == []
    assert "member1" not in read_live("rs1", lab.target(), routes=False).sessions
