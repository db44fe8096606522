"""`ixpctl deploy rs`: put a built config on a route server without ever breaking it.

Order of operations (each step's failure leaves the running config in place or restores it):
1. take the deploy lock (a second deploy to the same route server refuses to start);
2. diff against the running config (``--dry-run`` stops here); nothing to do when identical;
3. upload as ``<config>.new`` and check it with the *target's* ``bird -p``;
4. keep the running config as ``<config>.prev``, swap the new one in with an atomic rename;
5. ``birdc configure`` (or ``configure timeout N`` + ``configure confirm``: BIRD then reverts by
   itself if ixpctl loses the route server before confirming);
6. verify: every session that was Established before is Established again within the wait;
7. on any failure after the swap: put ``.prev`` back and reconfigure, then report what happened.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeployError
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

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _established(target: Target, socket: str, birdc: str) -> list[str] | None:
    """Names of Established BGP sessions, or None when BIRD does not answer."""
    from ..verify.parse import parse_protocols

    res = target.run([birdc, "-s", socket, "show", "protocols", "all"], timeout=30)
    if res.returncode != 0 or "Unable to connect" in res.text:
        return None
    return sorted(s.name for s in parse_protocols(res.stdout) if s.established)


def _lock(target: Target, path: str) -> None:
    res = target.run(["mkdir", path])
    if res.returncode != 0:
        raise DeployError(f"another deploy holds the lock {path} on {target.describe()}",
                          fix=f"wait for it to finish; if none is running, remove {path}")


def deploy_route_server(name: str, config: bytes, target: Target, *, dry_run: bool = False,
                        confirm_timeout: int | None = None, verify_wait: float = 60.0,
                        log=lambda msg: None) -> DeployReport:
    s = target.settings
    path, new, prev, lock = s.config_path, s.config_path + ".new", s.config_path + ".prev", s.config_path + ".lock"
    report = DeployReport(name, target.describe(), dry_run=dry_run)

    def step(msg: str) -> None:
        report.steps.append(msg)
        log(msg)

    running = target.read(path)
    old_text = running.decode(errors="replace") if running is not None else ""
    report.diff = "".join(difflib.unified_diff(old_text.splitlines(True), config.decode().splitlines(True),
                                               f"{target.describe()}:{path}", f"build/{name}.conf"))
    if running == config:
        step("running config is identical: nothing to deploy")
        return report
    report.changed = True
    if dry_run:
        step("dry run: diff shown, nothing changed")
        return report

    _lock(target, lock)
    try:
        target.write(new, config)
        check = target.run([s.bird_binary, "-p", "-c", new], timeout=1800)
        if check.returncode != 0:
            target.remove(new)
            raise DeployError(f"{name}: the route server's BIRD rejected the new config: {check.text}; "
                              "the running config was not touched")
        step(f"bird -p on {target.describe()}: ok")
        report.sessions_before = _established(target, s.control_socket, s.birdc_binary) or []
        if running is not None:
            target.write(prev, running)
        target.rename(new, path)
        step(f"swapped {path} (previous kept as {prev})")
        try:
            _configure(target, confirm_timeout)
            step("birdc configure: accepted")
            report.sessions_after = _wait_for_sessions(target, report.sessions_before, verify_wait)
            missing = sorted(set(report.sessions_before) - set(report.sessions_after))
            if missing:
                raise DeployError(f"{name}: {len(missing)} session(s) did not come back: {', '.join(missing[:10])}")
            if confirm_timeout:
                _birdc(target, ["configure", "confirm"])
                step("birdc configure confirm")
            step(f"verified: {len(report.sessions_after)} session(s) established")
        except DeployError as err:
            _restore(target, running, prev, path, confirm_timeout)
            report.rolled_back = True
            step("rolled back to the previous config")
            raise DeployError(f"{err.message}; the previous config was restored and reloaded",
                              fix=err.fix) from None
    finally:
        target.run(["rmdir", lock])
    return report


def _birdc(target: Target, args: list[str]) -> str:
    s = target.settings
    res = target.run([s.birdc_binary, "-s", s.control_socket, *args], timeout=1800)
    text = res.text
    if res.returncode != 0 or "Unable to connect" in text or "rejected" in text.lower() \
            or "error" in text.lower():
        raise DeployError(f"birdc {' '.join(args)} failed on {target.describe()}: {text or res.returncode}",
                          fix="check that BIRD runs and its control socket is deploy.control_socket")
    return text


def _configure(target: Target, confirm_timeout: int | None) -> None:
    args = ["configure"] + (["timeout", str(confirm_timeout)] if confirm_timeout else [])
    text = _birdc(target, args)
    if "Reconfigured" not in text and "Reconfiguration in progress" not in text and "Reconfiguration" not in text:
        raise DeployError(f"BIRD did not confirm the reconfiguration: {text}")


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


def _restore(target: Target, running: bytes | None, prev: str, path: str, confirm_timeout: int | None) -> None:
    if confirm_timeout:
        # BIRD's own undo restores the config it ran before `configure timeout`.
        target.run([target.settings.birdc_binary, "-s", target.settings.control_socket, "configure", "undo"])
    if running is not None:
        target.rename(prev, path)
    else:
        target.remove(path)
    target.run([target.settings.birdc_binary, "-s", target.settings.control_socket, "configure"])


__all__ = ["DeployReport", "Path", "deploy_route_server"]
