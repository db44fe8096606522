"""One route server at a time: deploy, wait until it is back to normal, or put it back.

"Back to normal" is measured, not assumed: every session that was Established before (and is still
in the new build) is Established again, and each session's accepted routes reach what the guard
predicted (``guard.Impact.expected``) within ``apply.rollout.accepted_tolerance``. A route server
that does not get there within ``apply.rollout.settle_seconds`` gets its previous config back
(``deploy_route_server`` with the bytes it ran, so the same checks apply to the way back)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..deploy.rs import deploy_route_server
from ..deploy.target import Target
from ..errors import DeployError
from ..inventory.apply_config import Rollout
from .guard import Impact
from .live import LiveState, read_live


@dataclass
class RsOutcome:
    route_server: str
    status: str  # history.RS_STATUSES: deployed / unchanged / rolled back / refused / failed / untouched
    steps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    after: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def not_settled(live: LiveState, awaited: set[str], impact: Impact, rollout: Rollout) -> list[str]:
    problems = [f"session {name} is not Established" for name in sorted(awaited - live.established())]
    for name, expected in sorted(impact.expected.items()):
        if name not in awaited or expected < rollout.accepted_min_routes:
            continue
        floor = math.ceil(expected * (1 - rollout.accepted_tolerance) - 1e-9)
        got = live.imported(name)
        if got < floor:
            problems.append(f"session {name} accepts {got} routes, expected {expected} "
                            f"(at least {floor} with apply.rollout.accepted_tolerance)")
    return problems


def still_changing(live: LiveState, impact: Impact) -> list[str]:
    """Sessions with more routes than predicted: BIRD may still be re-evaluating them (a ROA change
    reaches the routes a moment after the reload). Waited for, never a reason to roll back."""
    return [name for name, expected in impact.expected.items() if live.imported(name) > expected]


def settle(name: str, target: Target, before: LiveState, impact: Impact, rollout: Rollout,
           daemon: str = "bird") -> tuple[LiveState, list[str]]:
    """Wait for the route server to be back; (its state, what is still wrong: empty when settled)."""
    awaited = before.established() - set(impact.sessions_removed)
    start = time.monotonic()
    deadline = start + max(rollout.settle_seconds, rollout.observe_seconds)
    while True:
        live = read_live(name, target, routes=False, daemon=daemon)
        problems = not_settled(live, awaited, impact, rollout)
        observed = time.monotonic() - start >= rollout.observe_seconds
        if (observed and not problems and not still_changing(live, impact)) or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    return read_live(name, target, daemon=daemon), problems


def deploy_one(name: str, config: bytes, previous: bytes | None, target: Target, before: LiveState,
               impact: Impact, rollout: Rollout, log: Callable[[str], None],
               daemon: str = "bird") -> tuple[RsOutcome, LiveState | None]:
    """Deploy ``config`` to one route server and verify it; DeployError (rolled back) when it is not back.
    ``daemon`` (``route_servers[].daemon``) picks the deploy path and the reader: BIRD or OpenBGPD."""
    out = RsOutcome(name, "deployed")
    try:
        report = deploy_route_server(name, config, target, verify_wait=rollout.settle_seconds,
                                     expect_removed=impact.sessions_removed, log=log, daemon=daemon)
    except DeployError as err:
        out.status = "rolled back" if "rolled back" in err.message else "refused"
        out.problems.append(err.message)
        raise _Failed(out, err) from None
    out.steps += report.steps
    after, problems = settle(name, target, before, impact, rollout, daemon)
    out.after = after.summary()
    if not problems:
        out.steps.append(f"settled: {len(after.established())} sessions established, {len(after.accepted)} routes accepted")
        return out, after
    out.problems += problems
    log(f"{name} did not come back to normal: {'; '.join(problems[:5])}; putting the previous config back")
    if previous is None:
        out.status = "failed"
        raise _Failed(out, DeployError(f"{name}: not back to normal after {rollout.settle_seconds:.0f} s "
                                       f"({'; '.join(problems[:5])}) and there is no previous config to put back"))
    try:
        # the way back drops the sessions this change added: not waited for (else the rollback
        # would count them as "not back" and restore the new config again)
        back = deploy_route_server(name, previous, target, verify_wait=rollout.settle_seconds, log=log,
                                   expect_removed=impact.sessions_added, daemon=daemon)
        out.steps += [f"rollback: {s}" for s in back.steps]
        out.status = "rolled back"
    except DeployError as err:
        out.status = "failed"
        out.problems.append(f"the rollback failed too: {err.message}")
    raise _Failed(out, DeployError(f"{name}: not back to normal after {rollout.settle_seconds:.0f} s "
                                   f"({'; '.join(problems[:5])}); {out.status}"))


class _Failed(Exception):
    def __init__(self, outcome: RsOutcome, error: DeployError):
        super().__init__(error.message)
        self.outcome, self.error = outcome, error


Failed = _Failed
