"""``ixpctl switch diff | push``: the NAPALM pipeline, one switch at a time, every step reported.

Per switch: open → load_merge_candidate → compare_config (shown) → nothing to do when the diff is
empty (the candidate is discarded, no commit) → commit → verify → done. Verification = the device still
answers (get_facts), then confirm_commit when a revert timer runs, then the candidate is loaded again
and must produce an empty diff (a residual diff is an error on drivers whose diff is exact, a warning
on vendor OSes that normalise lines).

Failures (why the order matters):
- Platforms with a candidate/session model (EOS, Junos) leave the running config untouched when the
  commit is refused: we discard the candidate. Calling rollback() there would undo the *previous*
  commit, which is not ours to undo.
- Line-by-line platforms (IOS, NX-OS, the Linux bridge) may hold half the change: rollback() restores
  the checkpoint the driver took when the commit started.
- After a commit that went through, a failed verification always rolls back. When the rollback itself
  fails (connection lost) and a commit-confirm timer runs, the device reverts by itself: the report says
  so and when.

No device error is swallowed: each one ends up in the switch's result as "<switch>: <stage> failed: ...".
Errors while cleaning up (discard, close) are kept as warnings next to the original error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..errors import DeployError, IxpctlError
from .credentials import resolve
from .prune import removals
from .render import RenderedSwitch

Status = Literal["pending", "unchanged", "would-change", "changed", "declined", "failed"]
DEFAULT_TIMEOUT = 30


@dataclass
class SwitchResult:
    switch: str
    platform: str
    driver: str
    host: str
    sections: list[str] | None  # the limited port sections, None = whole switch
    status: Status = "pending"
    diff: str = ""
    stage: str | None = None  # where it failed
    error: str | None = None
    rollback: str | None = None
    commit_confirm: int | None = None
    warnings: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PushReport:
    mode: Literal["diff", "push"]
    results: list[SwitchResult]

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "mode": self.mode, "switches": [r.to_json() for r in self.results]}

    def raise_for_failures(self) -> None:
        """Exit 5 naming the failed switches and steps. The device's own words are in the report (and
        its JSON) only: they may contain brackets that a terminal renderer would take for markup."""
        failed = [r for r in self.results if r.failed]
        if failed:
            where = ", ".join(f"{r.switch} ({r.stage}{_rollback_word(r.rollback)})" for r in failed)
            raise DeployError(f"switch {self.mode} failed on {len(failed)} of {len(self.results)} switch(es): {where}",
                              fix="the device errors are listed above (and in --json under switches[].error)")


def _rollback_word(rollback: str | None) -> str:
    if not rollback:
        return ""
    if rollback.startswith("done"):
        return "; rolled back"
    if rollback.startswith("not needed"):
        return "; nothing committed"
    return "; ROLLBACK FAILED"


DriverFactory = Callable[[RenderedSwitch, dict[str, Any], int], Any]


def default_driver_factory(rendered: RenderedSwitch, secrets: dict[str, Any], timeout: int) -> Any:
    """A NAPALM driver for the switch: the Linux bridge driver is ours, the rest come from NAPALM."""
    intent = rendered.intent
    if intent.napalm_driver == "linux_bridge":
        from .linux_bridge import LinuxBridgeDriver
        creds = resolve(intent.name, secrets, required=False)
        return LinuxBridgeDriver(intent.mgmt_host, "", "", timeout=timeout,
                                 optional_args={"bridge": intent.name, **creds.optional_args})
    if intent.napalm_driver == "huawei_vrp":
        from .huawei_vrp import IxpctlHuaweiVRPDriver
        creds = resolve(intent.name, secrets)
        return IxpctlHuaweiVRPDriver(intent.mgmt_host, creds.user, creds.password, timeout=timeout,
                                     optional_args=creds.optional_args)
    try:
        import napalm
    except ImportError:
        raise DeployError("NAPALM is not installed", fix="pip install napalm") from None
    try:
        cls = napalm.get_network_driver(intent.napalm_driver)
    except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
        raise DeployError(f"{intent.name}: no NAPALM driver '{intent.napalm_driver}': {exc}",
                          fix="set napalm_driver: in the switch's inventory entry, or install the driver") from None
    creds = resolve(intent.name, secrets)
    return cls(intent.mgmt_host, creds.user, creds.password, timeout=timeout, optional_args=creds.optional_args)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or "(no message)"
    return f"{type(exc).__name__}: {text}"


class _Run:
    """One switch's pipeline; keeps the result current so nothing is lost when a step raises."""

    def __init__(self, rendered: RenderedSwitch, driver: Any, result: SwitchResult):
        self.rendered = rendered
        self.driver = driver
        self.r = result
        self.platform = rendered.intent.platform

    def call(self, step: str, method: str, *args: Any, **kwargs: Any) -> Any:
        self.r.steps.append(step)
        return getattr(self.driver, method)(*args, **kwargs)

    def fail(self, stage: str, exc: BaseException | str) -> None:
        self.r.status = "failed"
        self.r.stage = stage
        detail = exc if isinstance(exc, str) else _describe(exc)
        self.r.error = f"{self.r.switch}: {stage} failed: {detail}"

    def quietly(self, step: str, method: str) -> bool:
        """Cleanup call: an error becomes a warning, never replaces the original error."""
        try:
            self.call(step, method)
            return True
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            self.r.warnings.append(f"{self.r.switch}: {step} failed: {_describe(exc)}")
            return False

    def rollback(self, why: str) -> None:
        try:
            self.call("rollback", "rollback")
            self.r.rollback = f"done ({why})"
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            self.r.rollback = f"FAILED: {_describe(exc)}"
            if self.r.commit_confirm:
                self.r.rollback += (f"; the device reverts by itself within {self.r.commit_confirm} s "
                                    "(commit-confirm timer not confirmed)")
            else:
                self.r.rollback += "; the device may hold part of the change: check it by hand"


def _with_removals(run: _Run, candidate: str, step: str) -> str:
    """The candidate preceded by the removal of what the inventory no longer has (switch/prune.py)."""
    running = run.call(step, "get_config", retrieve="running")["running"]
    pruning = removals(run.platform.name, candidate, running)
    run.r.warnings.extend(f"{run.r.switch}: {k}" for k in pruning.kept if k not in run.r.warnings)
    if pruning.removed:
        run.r.steps.append("prune: " + ", ".join(f"{k} (-{len(v)})" for k, v in pruning.removed.items()))
    if pruning.deleted_acls:  # a member that left (or moved): its ACL, bound nowhere any more
        run.r.steps.append("prune: delete unused member ACLs " + ", ".join(pruning.deleted_acls))
    return pruning.candidate


def run_switch(rendered: RenderedSwitch, driver: Any, *, commit: bool, commit_confirm: int | None = None,
               confirm: Callable[[SwitchResult], bool] | None = None,
               on_diff: Callable[[SwitchResult], None] | None = None, result: SwitchResult) -> SwitchResult:
    run = _Run(rendered, driver, result)
    r = result
    platform = run.platform
    base_candidate = platform.push_text(rendered.text)
    candidate = base_candidate
    try:
        run.call("open", "open")
    except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
        run.fail("open", exc)
        return r
    try:
        if platform.prune:
            try:
                candidate = _with_removals(run, base_candidate, "prune: get_config")
            except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
                run.fail("read running config", exc)
                return r
        try:
            run.call("load_merge_candidate", "load_merge_candidate", config=candidate)
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            run.fail("load", exc)
            run.quietly("discard_config", "discard_config")
            return r
        try:
            r.diff = run.call("compare_config", "compare_config") or ""
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            run.fail("compare", exc)
            run.quietly("discard_config", "discard_config")
            return r
        if not r.diff.strip():
            r.status = "unchanged"
            run.quietly("discard_config", "discard_config")
            return r
        if on_diff:
            on_diff(r)
        if not commit:
            r.status = "would-change"
            run.quietly("discard_config", "discard_config")
            return r
        if confirm is not None and not confirm(r):
            r.status = "declined"
            run.quietly("discard_config", "discard_config")
            return r
        revert_in = None
        if commit_confirm:
            if platform.commit_confirm:
                step = platform.commit_confirm_step
                revert_in = int(math.ceil(commit_confirm / step) * step)
                r.commit_confirm = revert_in
            else:
                r.warnings.append(f"{r.switch}: {platform.title} has no commit-confirm in NAPALM: committing, "
                                  "then verifying and rolling back explicitly on failure")
        # Only the arguments the driver takes: huawei_vrp has no revert_in, nxos refuses a message.
        commit_args: dict[str, Any] = {"message": "ixpctl switch push"} if platform.commit_confirm else {}
        if revert_in:
            commit_args["revert_in"] = revert_in
        try:
            run.call("commit_config", "commit_config", **commit_args)
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            run.fail("commit", exc)
            if getattr(driver, "nothing_committed", False):  # VRPv8: the candidate was discarded
                r.rollback = ("not needed: the device refused the candidate and discarded it "
                              "(two-stage commit), nothing was committed")
                run.quietly("discard_config", "discard_config")
            elif platform.transactional:
                pending = False
                try:
                    pending = bool(revert_in) and bool(driver.has_pending_commit())
                except Exception:  # noqa: BLE001 -- any driver error is reported, never lost
                    pending = False
                if pending:
                    run.rollback("a commit-confirm was pending")
                else:
                    run.quietly("discard_config", "discard_config")
                    r.rollback = "not needed: the device refused the candidate, nothing was committed"
            else:
                run.rollback("the commit may have been applied in part")
            return r
        stage = "verify"
        try:
            run.call("verify: get_facts", "get_facts")
            if revert_in:
                stage = "confirm"
                run.call("confirm_commit", "confirm_commit")
            stage = "verify"
            if platform.prune:  # read back again: after a good commit nothing is left to remove
                candidate = _with_removals(run, base_candidate, "verify: get_config")
            run.call("verify: load_merge_candidate", "load_merge_candidate", config=candidate)
            residual = run.call("verify: compare_config", "compare_config") or ""
            run.call("verify: discard_config", "discard_config")
            if residual.strip():
                if platform.strict_verify:
                    raise DeployError("the device does not match the candidate after the commit:\n" + residual)
                r.warnings.append(f"{r.switch}: after the commit the device still reports a diff (it normalises "
                                  f"some lines); review it:\n{residual}")
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            run.fail(stage, exc)
            run.rollback(f"{stage} failed after the commit")
            return r
        r.status = "changed"
        return r
    finally:
        run.quietly("close", "close")


def run(rendered: list[RenderedSwitch], *, mode: Literal["diff", "push"], limits: dict[str, set[str] | None] | None,
        secrets: dict[str, Any] | None = None, timeout: int = DEFAULT_TIMEOUT, commit_confirm: int | None = None,
        confirm: Callable[[SwitchResult], bool] | None = None, on_diff: Callable[[SwitchResult], None] | None = None,
        driver_factory: DriverFactory = default_driver_factory) -> PushReport:
    """Diff or push every selected switch, in inventory order; one switch's failure does not stop the
    others (they are independent devices), but it makes the report fail."""
    results = []
    for full in rendered:
        if limits is not None and full.name not in limits:
            continue
        ports = limits.get(full.name) if limits else None
        sw = full.limited(ports)
        intent = sw.intent
        result = SwitchResult(switch=intent.name, platform=intent.platform.name, driver=intent.napalm_driver,
                              host=intent.mgmt_host, sections=sw.section_keys() if ports is not None else None)
        started = time.monotonic()
        try:
            driver = driver_factory(sw, secrets or {}, timeout)
        except IxpctlError as exc:
            result.status, result.stage = "failed", "connect"
            result.error = exc.message if exc.message.startswith(intent.name) else f"{intent.name}: {exc.message}"
            if exc.fix:
                result.error += f" (fix: {exc.fix})"
        except Exception as exc:  # noqa: BLE001 -- any driver error is reported, never lost
            result.status, result.stage = "failed", "connect"
            result.error = f"{intent.name}: connect failed: {_describe(exc)}"
        else:
            run_switch(sw, driver, commit=(mode == "push"), commit_confirm=commit_confirm, confirm=confirm,
                       on_diff=on_diff, result=result)
        result.seconds = round(time.monotonic() - started, 3)
        results.append(result)
    return PushReport(mode, results)
