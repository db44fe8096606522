"""`ixpctl deploy rs` for an OpenBGPD route server (``daemon: openbgpd``): the BIRD order of
operations (``rs.py``) with bgpd's tools.

1. the deploy lock (``<config>.lock``, the same as BIRD's);
2. the daemon (``bgpd_daemon``): the bgpd whose session engine owns ``deploy.control_socket``
   must have been started with ``-f deploy.config_path``, else refuse (nothing changed);
3. upload ``<config>.new`` with the running file's owner, group and mode (bgpd itself refuses a
   config readable by others), and check it with the *target's* ``bgpd -n -f``: a config bgpd
   rejects never replaces the deployed one;
4. keep the running file as ``<config>.prev`` (hard link) and swap the new one in atomically;
5. ``bgpctl reload``. bgpctl exits 0 even when bgpd refused the file ("config file has errors,
   reload failed", e.g. a ``listen on`` address the host lacks, which ``bgpd -n`` cannot see), so
   success is bgpd's own answer "request processed"; bgpd keeps running the old config then;
6. verify: every neighbour Established before (``bgpctl -j show neighbor``) is Established again
   within the wait, except those the new config drops on purpose (``expect_removed``, as for BIRD);
7. on any failure after the swap: ``.prev`` back, ``bgpctl reload``, and the report says what
   happened.

An identical file is reloaded anyway (``changed`` stays false): bgpd cannot say whether it loaded
the file on disk, and a reload with unchanged neighbours keeps their sessions. OpenBGPD has no
timed reload like BIRD's ``configure timeout``: ``--confirm-timeout`` is refused.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Collection

from ..errors import DeployError, InputError
from ..inventory.models import DeployTarget
from ..render.secrets import mask_secrets
from .bgpd_daemon import DEFAULT_CONFIG, BgpdProcess, find_bgpd, require_expected
from .rs import DeployReport, _diff, _locked, _Run
from .target import Target

DEFAULT_SOCKET = "/var/run/bgpd.sock"  # bgpd's compiled-in control socket
_BIRD_DEFAULTS = {"config_path": (DeployTarget.model_fields["config_path"].default, DEFAULT_CONFIG),
                  "control_socket": (DeployTarget.model_fields["control_socket"].default, DEFAULT_SOCKET)}
RELOADED = "request processed"  # bgpctl's line when bgpd took the new config


def openbgpd_settings(settings: DeployTarget) -> DeployTarget:
    """``settings`` with OpenBGPD's paths where the inventory left BIRD's defaults."""
    update = {k: obgpd for k, (bird, obgpd) in _BIRD_DEFAULTS.items() if getattr(settings, k) == bird}
    return settings.model_copy(update=update) if update else settings


def deploy_openbgpd(name: str, config: bytes, target: Target, *, dry_run: bool = False,
                    confirm_timeout: int | None = None, verify_wait: float = 60.0,
                    log: Callable[[str], None] = lambda msg: None,
                    expect_removed: Collection[str] = ()) -> DeployReport:
    if confirm_timeout:
        raise InputError(f"{name} runs OpenBGPD, which has no timed reload like BIRD's `configure timeout`",
                         fix="deploy it without --confirm-timeout (ixpctl rolls back itself when sessions "
                             "do not come back)")
    target.settings = openbgpd_settings(target.settings)
    run = _Run(name, config, target, DeployReport(name, target.describe(), dry_run=dry_run), log,
               frozenset(expect_removed))
    if dry_run:
        _dry_run(run)
        return run.report
    with _locked(run):
        _deploy(run, verify_wait)
    return run.report


def _dry_run(run: _Run) -> None:
    if run.target.exists(run.lock):
        run.step(f"note: {run.lock} exists: another deploy is running, or one was killed (a deploy would refuse)")
    process = find_bgpd(run.target)
    if process is None:
        run.step(f"note: bgpd is not running on {run.target.describe()} (nothing listens on "
                 f"{run.target.settings.control_socket}): a deploy would refuse")
    else:
        require_expected(process, run.target)
        run.report.daemon = process.to_json()
    running = run.target.read(run.path)
    run.report.diff = _diff(run, running)
    run.report.changed = running != run.config
    run.step("dry run: diff shown, nothing changed" if run.report.changed else
             "running config is identical: a deploy would only reload bgpd")


def _deploy(run: _Run, verify_wait: float) -> None:
    target, s = run.target, run.target.settings
    process = require_expected(find_bgpd(target), target)
    run.report.daemon = process.to_json()
    running = target.read(run.path)
    run.report.diff = _diff(run, running)
    _same_socket(run)
    swap = running != run.config
    run.report.changed = swap
    if swap:
        target.write(run.new, run.config, like=run.path)
        check = target.run([s.bgpd_binary, "-n", "-f", run.new], timeout=1800)
        if check.returncode != 0:
            raise DeployError(f"{run.name}: the route server's bgpd rejected the new config: "
                              f"{mask_secrets(check.text)}; the running config was not touched")
        run.step(f"bgpd -n on {target.describe()}: ok")
    else:
        run.step(f"{run.path} already holds this config: reloading bgpd so it surely runs it")
    run.report.sessions_before = _established(target) or []
    awaited = [n for n in run.report.sessions_before if n not in run.expect_removed]
    if swap:
        if running is not None:
            target.link(run.path, run.prev)
        target.rename(run.new, run.path)
        run.step(f"swapped {run.path} (previous kept as {run.prev})")
    try:
        _reload(target, process)
        run.step("bgpctl reload: request processed")
        run.report.sessions_after = _wait_for_sessions(target, awaited, verify_wait)
        missing = sorted(set(awaited) - set(run.report.sessions_after))
        if missing:
            raise DeployError(f"{run.name}: {len(missing)} session(s) did not come back: {', '.join(missing[:10])}")
        run.step(f"verified: {len(run.report.sessions_after)} session(s) established")
    except DeployError as err:
        if not swap:
            raise
        outcome = _restore(run, running, process, reload=not isinstance(err, ReloadRefused))
        run.report.rolled_back = True
        run.step(f"rolled back: {outcome}")
        raise DeployError(f"{err.message}; rolled back: {outcome}", fix=err.fix) from None


_SOCKET_LINE = re.compile(rb'^[ \t]*socket[ \t]+"([^"]*)"[ \t]*(?:#.*)?$', re.MULTILINE)


def _same_socket(run: _Run) -> None:
    """bgpd moves its control socket to the new config's ``socket`` on reload: a config naming
    another one (or none, i.e. bgpd's default, while deploy.control_socket is elsewhere) would
    leave nothing to verify or roll back with."""
    m = _SOCKET_LINE.search(run.config)
    named = m.group(1).decode(errors="replace") if m else DEFAULT_SOCKET
    if named != run.target.settings.control_socket:
        raise DeployError(f"{run.name}: the new config puts bgpd's control socket at {named}, deploy.control_socket "
                          f"is {run.target.settings.control_socket}: after the reload ixpctl could not reach bgpd; "
                          "nothing was changed",
                          fix="rebuild with `ixpctl build` (it renders deploy.control_socket), or fix "
                              "deploy.control_socket in the inventory")


def _bgpctl(target: Target, *args: str, timeout: float = 60):
    s = target.settings
    return target.run([s.bgpctl_binary, "-s", s.control_socket, *args], timeout=timeout)


def _established(target: Target) -> list[str] | None:
    """Names (``descr``) of the Established neighbours, or None when bgpd does not answer."""
    from ..verify.bgpctl import parse_neighbors

    res = _bgpctl(target, "-j", "show", "neighbor", timeout=30)
    if res.returncode != 0:
        return None
    try:
        data = json.loads(res.stdout or "{}")
    except ValueError:
        return None
    return sorted(n.name for n in parse_neighbors(data) if n.established)


class ReloadRefused(DeployError):
    """bgpd answered the reload and kept the config it ran (it never half-applies a file)."""


def _reload(target: Target, process: BgpdProcess) -> None:
    res = _bgpctl(target, "reload", timeout=1800)
    text = mask_secrets(res.text)
    if res.returncode == 0 and "reload failed" in text:
        raise ReloadRefused(f"bgpctl reload on {target.describe()}: {text} (bgpd pid {process.pid} keeps the "
                            "config it ran; its log says why)",
                            fix="read bgpd's log on the route server (journalctl -u openbgpd), fix the cause "
                                "(e.g. a listen address the host lacks), deploy again")
    if res.returncode != 0 or RELOADED not in text:
        raise DeployError(f"bgpctl reload on {target.describe()}: {text or res.returncode} (bgpd pid {process.pid} "
                          "keeps the config it ran; its log says why)",
                          fix="read bgpd's log on the route server (journalctl -u openbgpd), fix the cause "
                              "(e.g. a listen address the host lacks), deploy again")


def _wait_for_sessions(target: Target, before: list[str], wait: float) -> list[str]:
    deadline = time.monotonic() + wait
    while True:
        after = _established(target)
        if after is None:
            raise DeployError("bgpd stopped answering after the reload")
        if set(before) <= set(after) or time.monotonic() >= deadline:
            return after
        time.sleep(0.5)


def _restore(run: _Run, running: bytes | None, process: BgpdProcess, *, reload: bool) -> str:
    """Put the previous file back; reload it unless bgpd refused the new one and so still runs the
    previous config (a reload then is not needed, and OpenBGPD 7.7 refuses the next one anyway:
    after a failed reload it reports its own listen addresses as "Address already in use")."""
    target = run.target
    try:
        if target.exists(run.prev) and running is not None:
            target.rename(run.prev, run.path)
            restored = f"the previous config was put back in {run.path}"
        elif running is None:
            target.remove(run.path)
            restored = f"{run.path} was removed (there was no config before)"
        else:
            restored = f"no previous config to put back: {run.path} still holds the new one"
    except DeployError as err:
        return f"could not put the previous config back ({err.message}); {run.path} holds the new config"
    if running is None:
        return f"{restored}; bgpd was not reloaded (nothing to reload)"
    if not reload:
        return (f"{restored}; bgpd refused the new config and still runs the previous one (not reloaded: "
                "OpenBGPD may refuse further reloads until it is restarted, see its log)")
    res = _bgpctl(target, "reload", timeout=1800)
    if res.returncode == 0 and RELOADED in res.text:
        return f"{restored} and bgpd reloaded it"
    return f"{restored}, but bgpd (pid {process.pid}) was NOT reloaded: {mask_secrets(res.text) or res.returncode}"


__all__ = ["DEFAULT_SOCKET", "deploy_openbgpd", "openbgpd_settings"]
