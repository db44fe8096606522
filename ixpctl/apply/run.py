"""`ixpctl apply`, one run: refresh → build → guard → one route server at a time → notify → record.

Every run is recorded (``history``) whatever happens: refused, stale, failed, deployed or dry run.
A stale or failed source, a refused guard and a failed deploy alert the operator (``notify.alert``)
and raise the matching IxpctlError (exit 3, 6, 5), after the record is written.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..base.generations import generation_of
from ..build import build
from ..deploy.manifest import check_built
from ..deploy.openbgpd import openbgpd_settings
from ..deploy.target import Target, target_for
from ..errors import ApplyRefused, DeployError, IxpctlError, SourceError
from ..inventory.loader import LoadedInventory
from ..policy.facts_floor import without_short_facts
from ..policy.loader import LoadedPolicy
from ..sources import snapshot as snap
from ..sources.irr import expand_options
from . import history as h
from .guard import Impact, impact, refusals
from .live import LiveState, read_live
from .news import changes, load_baseline, save_baseline, snapshot
from .notify import MemberNews, alert, explain, notify_members
from .rollout import Failed, RsOutcome, deploy_one
from .sessions import down_alerts


@dataclass
class ApplyOptions:
    repo_root: Path
    dry_run: bool = False
    approve: str | None = None  # run id of the refused run a human approves
    approved_by: str | None = None
    refresh: list[str] | None = None  # None: apply.refresh of the inventory
    bird: list[str] = field(default_factory=list)
    allow_demo: bool = False
    target_factory: Callable[[Any], Target] = lambda rs: target_for(rs.deploy)
    log: Callable[[str], None] = lambda msg: None
    now: datetime | None = None


def _resolve(root: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else root / p


def _irr_options(loaded: LoadedInventory, lpolicy: LoadedPolicy) -> dict[str, Any]:
    """As `ixpctl sources refresh` passes them (``sources.irr.expand_options``)."""
    return expand_options(lpolicy.policy, loaded.inventory)


def _text_diff(name: str, running: bytes | None, config: bytes, max_lines: int = 400) -> dict[str, Any]:
    """The running config against the new one, as `ixpctl diff` shows texts (secrets masked)."""
    from ..analysis.diff_compare import unified
    from ..render.secrets import mask_secrets

    before = mask_secrets(running.decode(errors="replace")) if running is not None else None
    lines, added, removed, cut = unified(before, mask_secrets(config.decode(errors="replace")), f"{name}.conf",
                                         max_lines)
    return {"route_server": name, "added": added, "removed": removed, "lines": lines, "left_out": cut}


@contextmanager
def _exclusive(state_dir: Path) -> Iterator[None]:
    """One apply at a time (a timer and an operator): an flock, released even if the process dies."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "apply.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeployError(f"another `ixpctl apply` is running (it holds {state_dir / 'apply.lock'}): "
                              "nothing was done", fix="wait for it to finish (see `ixpctl apply --history`)") from None
        yield


def _header(config: bytes) -> str:
    """The generated config's leading comment block (BIRD's and bgpd's headers name DEMO MODE there)."""
    out = []
    for line in config.decode(errors="replace").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        out.append(line)
    return "\n".join(out)


def fingerprint(configs: dict[str, bytes]) -> str:
    """What an approval binds to: the configs without their comment lines (the header names the
    facts' fetch times, which move with every refresh while the change stays the same)."""
    digest = hashlib.sha256()
    for name, config in sorted(configs.items()):
        digest.update(f"{name}\n".encode())
        for line in config.splitlines(keepends=True):
            if not line.lstrip().startswith(b"#"):
                digest.update(line)
    return digest.hexdigest()


class Apply:
    def __init__(self, loaded: LoadedInventory, lpolicy: LoadedPolicy, opts: ApplyOptions):
        self.loaded, self.lpolicy, self.opts = loaded, lpolicy, opts
        self.inv = loaded.inventory
        self.settings = self.inv.apply
        self.state_dir = _resolve(opts.repo_root, self.settings.state_dir)
        self.history = h.History(self.state_dir)
        now = opts.now or datetime.now(UTC)
        self.record = h.RunRecord(h.new_run_id(now), now.isoformat(timespec="seconds"), dry_run=opts.dry_run)

    # --- helpers -------------------------------------------------------------------------------
    def _alert(self, kind: str, text: str, **details: Any) -> None:
        if self.opts.dry_run:
            self.record.alerts.append({"kind": kind, "text": text, "sent": [], "note": "dry run: not sent"})
            return
        self.record.alerts.append(alert(self.inv, kind, text, run_id=self.record.run_id,
                                        base_dir=self.opts.repo_root, details=details))

    def _finish(self, outcome: str, message: str) -> h.RunRecord:
        self.record.outcome, self.record.message = outcome, message
        self.record.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.history.save(self.record)
        return self.record

    def _fail(self, outcome: str, err: IxpctlError) -> None:
        self._finish(outcome, err.message)
        raise err

    # --- the run -------------------------------------------------------------------------------
    def run(self) -> h.RunRecord:
        with _exclusive(self.state_dir):
            try:
                return self._run()
            except IxpctlError:
                raise
            except Exception as exc:  # a bug: still recorded and alerted (nobody watches a timer)
                if self.record.finished_at is None:
                    try:
                        self._alert("internal error", f"{type(exc).__name__}: {exc}")
                    finally:
                        self._finish(h.ERROR, f"internal error: {type(exc).__name__}: {exc}")
                raise

    def _run(self) -> h.RunRecord:
        approved = self._approval()
        try:
            facts = self._sources()
            result = self._build(facts)
        except IxpctlError as err:
            if self.record.outcome == h.STALE:
                raise
            self._alert("build failed", err.message)
            self._fail(h.ERROR, err)
        plan = self._plan(self.inv.route_servers, result)  # BIRD and OpenBGPD ones, in inventory order
        self.record.fingerprint = fingerprint({n: p["config"] for n, p in plan.items()})
        self.record.impacts = [p["impact"].to_json() for p in plan.values()]
        why = refusals([p["impact"] for p in plan.values()], self.settings.guard,
                       {m.asn: m.name for m in self.inv.members})
        self.record.refusals = why
        if approved is not None:
            self._check_approval(approved, why)
        elif why:
            text = "\n".join(why) + (f"\nnothing was deployed. If this change is intended: "
                                     f"ixpctl apply --approve {self.record.run_id}")
            self._alert("guard refused", text, refusals=why)
            self._fail(h.REFUSED, ApplyRefused(f"the guard rails refused this change (run {self.record.run_id}): "
                                               + "; ".join(why), fix=f"check it; to deploy it anyway: "
                                               f"ixpctl apply --approve {self.record.run_id}"))
        changed = [n for n, p in plan.items() if p["changed"]]
        if self.opts.dry_run:
            return self._finish(h.DRY_RUN, f"dry run: {len(changed)} route server(s) would change: "
                                           f"{', '.join(changed) or 'none'}")
        if not changed:
            self.record.route_servers += [RsOutcome(n, "unchanged").to_json() for n in plan]
            lives = {n: p["live"] for n, p in plan.items()}
            self._sessions_down(lives)
            if plan:
                try:  # RTR: routes filtered (or fixed) without a new config are news too
                    self._notify(plan, lives)
                except Exception as exc:  # noqa: BLE001 — recorded, never fatal
                    self.record.notifications.append({"status": f"failed: {type(exc).__name__}: {exc}"})
            return self._finish(h.UNCHANGED, "every route server runs this config already")
        afters = self._rollout(plan)
        self._sessions_down(afters)
        try:
            self._notify(plan, afters)
        except Exception as exc:  # noqa: BLE001 — the deploy stands; the e-mails' failure is recorded
            self.record.notifications.append({"status": f"failed: {type(exc).__name__}: {exc}"})
        return self._finish(h.DEPLOYED, f"deployed to {', '.join(changed)}")

    def _approval(self) -> h.RunRecord | None:
        if not self.opts.approve:
            return None
        approved = self.history.load(self.opts.approve)
        if approved.outcome != h.REFUSED:
            raise ApplyRefused(f"run {approved.run_id} was not refused by the guard rails ({approved.outcome}): "
                               "there is nothing to approve", fix="give the id of a refused run")
        self.record.approves = approved.run_id
        self.record.approved_by = self.opts.approved_by or os.environ.get("SUDO_USER") or getpass.getuser()
        return approved

    def _check_approval(self, approved: h.RunRecord, why: list[str]) -> None:
        if approved.fingerprint != self.record.fingerprint:
            self._fail(h.REFUSED, ApplyRefused(
                f"run {approved.run_id} approved another change than this one (the configs differ): "
                "nothing was deployed", fix="run `ixpctl apply --dry-run`, check the new change, approve its run id"))
        if why:
            self.opts.log(f"guard rails overridden: approved by {self.record.approved_by} (run {approved.run_id})")

    def _sources(self):
        snapshot_dir = _resolve(self.opts.repo_root, self.inv.sources.snapshot_dir)
        which = self.opts.refresh if self.opts.refresh is not None else list(self.settings.refresh)
        if which and not self.opts.dry_run:
            from ..sources.refresh import refresh

            outcome = refresh(self.inv, which, snapshot_dir=snapshot_dir, repo_root=self.opts.repo_root,
                              irr_options=_irr_options(self.loaded, self.lpolicy), now=self.opts.now)
            self.record.refresh = outcome.to_json()
            if not outcome.ok:
                self.record.outcome = h.STALE
                text = f"sources failed without last-good data: {', '.join(outcome.without_fallback)}"
                self._alert("source failed", text, failed=outcome.failed)
                self._fail(h.STALE, SourceError(text + "; nothing was deployed",
                                                fix="see `ixpctl sources status`"))
        limits = snap.max_ages(self.inv.sources)
        bad = [s for s in snap.status(snapshot_dir, limits, now=self.opts.now) if s.health != "ok"]
        if bad:
            self.record.outcome = h.STALE
            text = "; ".join(f"{snap.SOURCE_TITLES[s.source]} is {s.health}"
                             + (f" ({s.age_seconds / 3600:.0f} h old, the limit is "
                                f"{(s.max_age_seconds or 0) / 3600:.0f} h)" if s.age_seconds else "") for s in bad)
            self._alert("stale source", text)
            self._fail(h.STALE, SourceError(f"{text}: nothing was deployed",
                                            fix="fix the source (`ixpctl sources refresh`), or raise "
                                                "sources.<source>.max_age_hours in the inventory"))
        facts = snap.read_snapshot(snapshot_dir, max_ages=limits)
        return without_short_facts(facts, self.lpolicy.policy)

    def _build(self, facts):
        self.facts = facts
        out = _resolve(self.opts.repo_root, self.settings.build_dir)
        if self.opts.dry_run:  # a dry run changes nothing, not even the build directory
            self._tmp = tempfile.TemporaryDirectory(prefix="ixpctl-apply-")
            out = Path(self._tmp.name) / "build"
        self.build_dir = out
        return build(self.loaded, self.lpolicy, facts, out_dir=out, bird=self.opts.bird or None,
                     base_dir=self.opts.repo_root)

    def _plan(self, servers, result) -> dict[str, dict[str, Any]]:
        built = {c.route_server: c for c in result.configs}
        plan: dict[str, dict[str, Any]] = {}
        for rs in servers:
            c = built[rs.name]
            generation = generation_of(c.path)
            config = (generation / c.path.name).read_bytes()
            check_built(self.build_dir, c.path.name, config, generation=generation)
            head = _header(config)
            if "DEMO MODE" in head and not self.opts.allow_demo:
                self._fail(h.ERROR, DeployError(f"{rs.name}: the inventory is in DEMO MODE (fictional resources)",
                                                fix="remove ixp.fictional_resources, or --allow-demo in a lab"))
            target = self.opts.target_factory(rs)
            if rs.daemon == "openbgpd":  # OpenBGPD's config path and socket where BIRD's defaults were left
                target.settings = openbgpd_settings(target.settings)
            try:
                live = read_live(rs.name, target, daemon=rs.daemon)
                running = target.read(target.settings.config_path)
            except DeployError as err:
                self._alert("route server unreachable", err.message)
                self._fail(h.ERROR, err)
            self.record.config_diffs.append(_text_diff(rs.name, running, config))
            plan[rs.name] = {"rs": rs, "config": config, "target": target, "live": live, "running": running,
                             "impact": impact(live, c.intent), "intent": c.intent,
                             # comments only (the facts' fetch times in the header): nothing to deploy
                             "changed": running is None or fingerprint({rs.name: running}) != fingerprint({rs.name: config})}
        return plan

    def _rollout(self, plan: dict[str, dict[str, Any]]) -> dict[str, LiveState]:
        afters: dict[str, LiveState] = {}
        names = list(plan)
        for i, name in enumerate(names):
            p = plan[name]
            if not p["changed"]:
                self.record.route_servers.append(RsOutcome(name, "unchanged").to_json())
                afters[name] = p["live"]
                continue
            self.opts.log(f"{name}: deploying")
            try:
                outcome, after = deploy_one(name, p["config"], p["running"], p["target"], p["live"], p["impact"],
                                            self.settings.rollout, lambda m, n=name: self.opts.log(f"{n}: {m}"),
                                            daemon=p["rs"].daemon)
            except Failed as failed:
                self.record.route_servers.append(failed.outcome.to_json())
                rest = names[i + 1:]
                self.record.route_servers += [RsOutcome(n, "untouched").to_json() for n in rest]
                done = [n for n in names[:i] if plan[n]["changed"]]
                text = f"{failed.error.message}\n" + (f"not deployed (untouched): {', '.join(rest)}\n" if rest else "") \
                    + (f"already running the new config (verified, kept): {', '.join(done)}" if done else "")
                self._alert("deploy failed", text, route_server=name, untouched=rest)
                self._fail(h.FAILED, DeployError(failed.error.message + (f"; {', '.join(rest)} untouched" if rest else ""),
                                                 fix=failed.error.fix))
            self.record.route_servers.append(outcome.to_json())
            afters[name] = after
        return afters

    def _sessions_down(self, lives: dict[str, LiveState]) -> None:
        for kind, text in down_alerts(self.state_dir, lives, self.settings.alerts.session_down_minutes,
                                      now=self.opts.now, record=not self.opts.dry_run):
            self._alert(kind, text)

    def _notify(self, plan, afters: dict[str, LiveState]) -> None:
        """Per member: routes filtered since the last run (or since before this deploy), and fixed ones."""
        from ..analysis.selfcheck import Announcement, PrefixResult
        from ..policy.chain import BY_CODE

        rs_asn = self.inv.ixp.rs_asn
        stored = load_baseline(self.state_dir)
        baseline = stored if stored is not None else snapshot({n: p["live"] for n, p in plan.items()}, rs_asn)
        found = changes(baseline, afters, rs_asn)
        save_baseline(self.state_dir, afters, rs_asn, stored)
        intent = next(iter(plan.values()))["intent"]
        news = []
        for asn in sorted(set(found.filtered) | set(found.fixed)):
            if intent.member(asn) is None:  # no longer a member of the route servers: nothing to tell
                continue
            routes = sorted(found.filtered.get(asn, {}).items())
            explained = {r.prefix: r for r in explain(intent, self.facts, asn, [(p, path) for p, (path, _) in routes])}
            results = []
            for prefix, (path, code) in routes:
                r = explained.get(prefix)
                check = BY_CODE.get(code) if code is not None else None
                if (r is None or r.accepted) and check is not None:
                    # BIRD filtered what this build's facts accept (RTR data newer than the snapshot):
                    # BIRD's reason, in the chain's words
                    r = PrefixResult(prefix, path[-1] if path else asn, path, False, check.name, code, check.title,
                                     check.title_fr, check.fix, check.fix_fr, None, False)
                if r is not None and not r.accepted:
                    results.append(r)
            fixed = [Announcement(p, path) for p, path in sorted(found.fixed.get(asn, {}).items())]
            news.append(MemberNews(asn, results, fixed))
        self.record.notifications = notify_members(self.inv, news, run_id=self.record.run_id,
                                                   state_dir=self.state_dir, base_dir=self.opts.repo_root,
                                                   now=self.opts.now)


def run_apply(loaded: LoadedInventory, lpolicy: LoadedPolicy, opts: ApplyOptions) -> h.RunRecord:
    return Apply(loaded, lpolicy, opts).run()


__all__ = ["ApplyOptions", "Impact", "run_apply"]
