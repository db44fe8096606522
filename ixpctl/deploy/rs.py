"""`ixpctl deploy rs`: put a built config on a route server without ever breaking it.

Order of operations (each step's failure leaves the running config in place or restores it):
1. take the deploy lock, before looking at anything (a second deploy, or the stale lock of a killed
   one, refuses to start: nothing is decided from a half-finished deploy's files);
2. ask the daemon (``daemon``): the bird process that owns the control socket must run
   ``deploy.config_path`` (else refuse, nothing changed). "Nothing to deploy" means the file holds
   this config AND BIRD (re)loaded it after it was written; a file swapped in by a deploy that died
   before ``birdc configure`` is reloaded, not declared deployed;
3. upload as ``<config>.new`` with the running file's owner, group and mode, and check it with the
   *target's* ``bird -p``;
4. keep the running config as ``<config>.prev`` (a hard link: same bytes, owner and mode, no disk
   space needed) and swap the new one in with an atomic rename;
5. ``birdc configure`` (or ``configure timeout N`` + ``configure confirm``: BIRD then reverts by
   itself if ixpctl loses the route server before confirming), then check that BIRD's last
   reconfiguration is after the swap;
6. verify: every session that was Established before is Established again within the wait;
7. on any failure after the swap: put ``.prev`` back and reconfigure, and report what happened (the
   file restored or not; BIRD reloaded or not, and why). No ``.new`` or temporary file survives.

``--dry-run`` does steps 2 and the diff without the lock and changes nothing. Everything shown
(diffs, errors quoting BIRD) passes ``mask_secrets``.
"""

from __future__ import annotations

import contextlib
import difflib
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from ..errors import DeployError
from ..render.secrets import mask_secrets
from .daemon import Daemon, DaemonProcess, daemon_state, find_daemon, require_expected
from .target import Target


@dataclass
class DeployReport:
    route_server: str
    target: str
    changed: bool = False
    dry_run: bool = False
    diff: str = ""
    steps: list[str] = field(default_factory=list)
    rolled_back: bool = False
    sessions_before: list[str] = field(default_factory=list)
    sessions_after: list[str] = field(default_factory=list)
    daemon: dict | None = None

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Run:
    """One deploy's fixed facts: where things are and how to report."""

    name: str
    config: bytes
    target: Target
    report: DeployReport
    log: Callable[[str], None]
    expect_removed: frozenset[str] = frozenset()

    @property
    def path(self) -> str:
        return self.target.settings.config_path

    @property
    def new(self) -> str:
        return self.path + ".new"

    @property
    def prev(self) -> str:
        return self.path + ".prev"

    @property
    def lock(self) -> str:
        return self.path + ".lock"

    def step(self, msg: str) -> None:
        self.report.steps.append(msg)
        self.log(msg)


def _established(target: Target, socket: str, birdc: str) -> list[str] | None:
    """Names of Established BGP sessions, or None when BIRD does not answer."""
    from ..verify.parse import parse_protocols

    res = target.run([birdc, "-s", socket, "show", "protocols", "all"], timeout=30)
    if res.returncode != 0 or "Unable to connect" in res.text:
        return None
    return sorted(s.name for s in parse_protocols(res.stdout) if s.established)


def _lock(run: _Run) -> None:
    res = run.target.run(["mkdir", "--", run.lock])
    if res.returncode != 0:
        if run.target.exists(run.lock):
            raise DeployError(f"another deploy holds the lock {run.lock} on {run.target.describe()} (or one was "
                              "killed and left it); nothing was changed",
                              fix=f"wait for it to finish; if none is running, remove {run.lock}")
        raise DeployError(f"cannot create the deploy lock {run.lock} on {run.target.describe()}: {res.text}",
                          fix="free disk space or fix the permissions of the config directory")


@contextlib.contextmanager
def _locked(run: _Run) -> Iterator[None]:
    """Hold the deploy lock around a deploy (BIRD's and OpenBGPD's); on every way out remove the
    uploaded ``.new`` (a failed upload or check leaves none behind) and the lock."""
    _lock(run)
    try:
        yield
    finally:
        run.target.remove(run.new)
        run.target.run(["rmdir", "--", run.lock])


def _diff(run: _Run, running: bytes | None) -> str:
    old = mask_secrets(running.decode(errors="replace")) if running is not None else ""
    new = mask_secrets(run.config.decode(errors="replace"))
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        f"{run.target.describe()}:{run.path}", f"build/{run.name}.conf"))


def _identical(run: _Run, running: bytes | None, daemon: Daemon | None) -> bool:
    if daemon is not None:
        run.report.daemon = daemon.to_json()
    if running == run.config and daemon is not None and daemon.loaded:
        run.step(f"running config is identical: BIRD (pid {daemon.pid}) runs {daemon.config} and reloaded it "
                 f"after it was written ({daemon.reconfigured}): nothing to deploy")
        return True
    run.report.changed = True
    if running == run.config and daemon is not None:
        state = "has not loaded it" if daemon.loaded is False else "may not have loaded it"
        run.step(f"{run.path} already holds this config but BIRD {state} ({daemon.detail}); reloading it")
    return False


def deploy_route_server(name: str, config: bytes, target: Target, *, dry_run: bool = False,
                        confirm_timeout: int | None = None, verify_wait: float = 60.0,
                        log: Callable[[str], None] = lambda msg: None,
                        expect_removed: Collection[str] = (), daemon: str = "bird") -> DeployReport:
    """Deploy ``config`` to ``target``. ``daemon`` is the route server's (``route_servers[].daemon``):
    an OpenBGPD route server goes through ``deploy.openbgpd`` (bgpd -n, bgpctl reload).
    ``expect_removed``: sessions the new config drops on purpose (a member removed): they are not
    waited for after the reload (``ixpctl apply`` passes them; every other session that was
    Established must come back)."""
    if daemon == "openbgpd":
        from .openbgpd import deploy_openbgpd

        return deploy_openbgpd(name, config, target, dry_run=dry_run, confirm_timeout=confirm_timeout,
                               verify_wait=verify_wait, log=log, expect_removed=expect_removed)
    run = _Run(name, config, target, DeployReport(name, target.describe(), dry_run=dry_run), log,
               frozenset(expect_removed))
    if dry_run:
        _dry_run(run)
        return run.report
    with _locked(run):
        _deploy(run, confirm_timeout, verify_wait)
    return run.report


def _dry_run(run: _Run) -> None:
    if run.target.exists(run.lock):
        run.step(f"note: {run.lock} exists: another deploy is running, or one was killed (a deploy would refuse)")
    process = find_daemon(run.target)
    daemon = daemon_state(run.target, process) if process is not None else None
    if daemon is None:
        run.step(f"note: BIRD is not running on {run.target.describe()} (nothing listens on "
                 f"{run.target.settings.control_socket}): a deploy would refuse")
    else:
        require_expected(daemon, run.target)
    running = run.target.read(run.path)
    run.report.diff = _diff(run, running)
    if not _identical(run, running, daemon):
        run.step("dry run: diff shown, nothing changed")


def _deploy(run: _Run, confirm_timeout: int | None, verify_wait: float) -> None:
    target, s = run.target, run.target.settings
    process = find_daemon(target)
    daemon = require_expected(daemon_state(target, process) if process is not None else None, target)
    running = target.read(run.path)
    run.report.diff = _diff(run, running)
    if _identical(run, running, daemon):
        return
    swap = running != run.config
    checked = run.new if swap else run.path
    if swap:
        target.write(run.new, run.config, like=run.path)
    check = target.run([s.bird_binary, "-p", "-c", checked], timeout=1800)
    if check.returncode != 0:
        raise DeployError(f"{run.name}: the route server's BIRD rejected the new config: {mask_secrets(check.text)}; "
                          "the running config was not touched")
    run.step(f"bird -p on {target.describe()}: ok")
    run.report.sessions_before = _established(target, s.control_socket, s.birdc_binary) or []
    awaited = [name for name in run.report.sessions_before if name not in run.expect_removed]
    if swap:
        _keep_previous(run, running, daemon)
        target.rename(run.new, run.path)
        run.step(f"swapped {run.path} (previous kept as {run.prev})")
    try:
        _configure(target, confirm_timeout)
        _check_loaded(run, daemon.process)
        run.step("birdc configure: accepted")
        run.report.sessions_after = _wait_for_sessions(target, awaited, verify_wait)
        missing = sorted(set(awaited) - set(run.report.sessions_after))
        if missing:
            raise DeployError(f"{run.name}: {len(missing)} session(s) did not come back: {', '.join(missing[:10])}")
        if confirm_timeout:
            _birdc(target, ["configure", "confirm"], ok=("Reconfiguration confirmed",))
            run.step("birdc configure confirm")
        run.step(f"verified: {len(run.report.sessions_after)} session(s) established")
    except DeployError as err:
        outcome = _restore(run, running, confirm_timeout)
        run.report.rolled_back = True
        run.step(f"rolled back: {outcome}")
        raise DeployError(f"{err.message}; rolled back: {outcome}", fix=err.fix) from None


def _keep_previous(run: _Run, running: bytes | None, daemon: Daemon) -> None:
    """``.prev`` = the file being replaced, unless BIRD never loaded that file: then an existing
    ``.prev`` (left by the interrupted deploy) is closer to what BIRD runs, and stays."""
    if running is None:
        return
    if daemon.loaded is False and run.target.exists(run.prev):
        run.step(f"kept the existing {run.prev} as the rollback copy: BIRD never loaded the current {run.path}")
        return
    run.target.link(run.path, run.prev)


def _birdc(target: Target, args: list[str], *, ok: tuple[str, ...]) -> str:
    """Run birdc; success only when a line of its answer starts with one of ``ok`` (BIRD's words
    for success), never by looking for "error" in text that also quotes file names."""
    s = target.settings
    res = target.run([s.birdc_binary, "-s", s.control_socket, *args], timeout=1800)
    text = mask_secrets(res.text)
    lines = [line.strip() for line in text.splitlines()]
    if res.returncode != 0 or not any(line.startswith(ok) for line in lines):
        raise DeployError(f"birdc {' '.join(args)} failed on {target.describe()}: {text or res.returncode}",
                          fix="check that BIRD runs and its control socket is deploy.control_socket")
    return text


_RECONFIGURED = ("Reconfigured", "Reconfiguration in progress", "Reconfiguration already in progress")


def _configure(target: Target, confirm_timeout: int | None) -> None:
    args = ["configure"] + (["timeout", str(confirm_timeout)] if confirm_timeout else [])
    _birdc(target, args, ok=_RECONFIGURED)


def _check_loaded(run: _Run, process: DaemonProcess) -> None:
    """Daemon truth after `configure`: its last reconfiguration must be later than our file."""
    after = daemon_state(run.target, process)
    run.report.daemon = after.to_json()
    if after.loaded is False:
        raise DeployError(f"BIRD answered `configure` but has not loaded {run.path}: {after.detail}")
    if after.loaded is None:
        run.step(f"note: {after.detail}; trusting birdc's answer")


def _wait_for_sessions(target: Target, before: list[str], wait: float) -> list[str]:
    s = target.settings
    deadline = time.monotonic() + wait
    after: list[str] = []
    while True:
        now = _established(target, s.control_socket, s.birdc_binary)
        if now is None:
            raise DeployError("BIRD stopped answering after the reconfiguration")
        after = now
        if set(before) <= set(after) or time.monotonic() >= deadline:
            return after
        time.sleep(0.5)


def _restore(run: _Run, running: bytes | None, confirm_timeout: int | None) -> str:
    """Put the previous file back and reload it; say exactly what happened."""
    target, s = run.target, run.target.settings
    if confirm_timeout:
        # BIRD's own undo restores the config it ran before `configure timeout`.
        target.run([s.birdc_binary, "-s", s.control_socket, "configure", "undo"])
    try:
        if target.exists(run.prev):
            target.rename(run.prev, run.path)
            # Fresh mtime: the restored file counts as loaded only once a reload below succeeds.
            target.touch(run.path)
            restored = f"the previous config was put back in {run.path}"
        elif running is None:
            target.remove(run.path)
            restored = f"{run.path} was removed (there was no config before)"
        else:
            restored = f"no previous config to put back: {run.path} still holds the new one"
    except DeployError as err:
        return f"could not put the previous config back ({err.message}); {run.path} holds the new config"
    res = target.run([s.birdc_binary, "-s", s.control_socket, "configure"], timeout=1800)
    lines = [line.strip() for line in res.text.splitlines()]
    if res.returncode == 0 and any(line.startswith(_RECONFIGURED) for line in lines):
        return f"{restored} and BIRD reloaded it"
    if "Unable to connect" in res.text or res.returncode != 0 and not res.text:
        why = f"BIRD is not running (nothing answers on {s.control_socket}); it reads the restored file when started"
    else:
        why = f"BIRD refused it: {mask_secrets(res.text)}"
    return f"{restored}, but BIRD was NOT reloaded: {why}"


__all__ = ["DeployReport", "deploy_route_server"]
