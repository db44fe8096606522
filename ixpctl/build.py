"""`ixpctl build`: inventory + policy + pinned facts → one checked BIRD config per route server.

All or nothing: every config is rendered into a new generation of the output directory and checked
with ``bird -p``; only when all of them pass is that generation switched in, with one rename
(``base/generations.py``: ``<out>/current`` → ``.generations/<id>``, the visible files are links
through it). A config BIRD rejects is never visible, and the error quotes BIRD's message and the
offending line. One build at a time writes an output directory (a lock); a killed build's staging
directory is removed by the next build.

The main job, kept at the top of the package where a reader looks first.

May import: errors, base, inventory, sources, policy, render, analysis, deploy
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.validate import check_limits, member_policies, validate
from .base.fsutil import write_text_chunked
from .base.generations import new_generation
from .deploy.bgpd_binaries import BgpdPair
from .deploy.bgpd_check import BgpdCheck, bgpd_binary, check_bgpd_config
from .deploy.bird_binaries import BirdBinaries, BirdBinary
from .deploy.bird_version import version_field
from .deploy.manifest import config_entry, file_entry, write_manifest
from .errors import BuildError, IxpctlError, Problem, ValidationFailed
from .inventory.loader import LoadedInventory
from .policy.facts_floor import without_short_facts
from .policy.intent import RouteServerIntent, compile_route_server
from .policy.loader import LoadedPolicy
from .render import openbgpd
from .render.bird import Capabilities, left_out, parse_version, render_route_server, resolve_passwords
from .render.openbgpd_caps import SUPPORTED as OPENBGPD_SUPPORTED
from .render.secrets import mask_secrets
from .sources.facts import Facts


@dataclass
class BuiltConfig:
    route_server: str
    path: Path
    intent: RouteServerIntent
    lines: int
    bytes: int
    check_seconds: float
    left_out: list[str]
    bird: BirdBinary | None = None  # the binary that checked it (of the target's series)
    bgpd: BgpdPair | None = None  # likewise for an OpenBGPD route server


@dataclass
class BuildResult:
    configs: list[BuiltConfig]
    warnings: list[str] = field(default_factory=list)
    facts: Facts | None = None

    def summary(self) -> dict:
        first = self.configs[0].intent if self.configs else None
        members = []
        if first is not None:
            # by name/ASN once: per-member linear lookups cost 0.3 s at 1000 members
            sizes = {s.name: len(s.entries) for s in first.prefix_sets}
            origins = {s.name: len(s.asns) for s in first.asn_sets}
            sessions = Counter(s.member_asn for s in first.sessions)
            for m in first.members:
                members.append({
                    "asn": m.asn, "name": m.name, "as_sets": m.as_sets,
                    "sessions": sessions[m.asn],
                    "prefixes4": sizes.get(m.prefix_set4, 0), "prefixes6": sizes.get(m.prefix_set6, 0),
                    "origins": origins.get(m.origin_set, 0),
                    **({"origins6": origins.get(m.origin_set6, 0)} if m.origin_set6 else {}),
                    "max_prefix4": m.max_prefix4, "max_prefix6": m.max_prefix6,
                    "warnings": m.warnings,
                })
        return {
            "ok": True,
            "configs": [{"route_server": c.route_server, "path": str(c.path), "lines": c.lines, "bytes": c.bytes,
                         "sessions": len(c.intent.sessions), "prefix_sets": len(c.intent.prefix_sets),
                         "bird_check_seconds": round(c.check_seconds, 3), "left_out": c.left_out,
                         "daemon": c.intent.daemon,
                         "demo_mode": bool(c.intent.fictional), "bird_version": c.intent.bird_version,
                         "checked_by": c.bird.to_json() if c.bird else _bgpd_json(c.bgpd),
                         "aspa": aspa_summary(c.intent)} for c in self.configs],
            "members": members,
            "warnings": self.warnings,
        }


def _bgpd_json(pair: BgpdPair | None) -> dict | None:
    return {"path": pair.bgpd, "version": pair.version, "origin": "openbgpd"} if pair else None


def aspa_summary(intent: RouteServerIntent) -> dict | None:
    """What ASPA does in this config (None: not rendered: the policy is off or the target lacks it)."""
    if not intent.aspa:
        return None
    reject = bool(intent.policy["aspa"]["reject_invalid"])
    base = intent.policy["communities"]["reject_reason_base" if reject else "tag_reason_base"]
    return {"records": len(intent.aspas), "source": "rtr" if intent.aspa_rtr else "static",
            "invalid": "reject" if reject else "tag", "community": f"{intent.rs_asn}:{base}:21"}


class BirdCheck:
    """``bird -p -c path`` running in the background, so the build does other work meanwhile (BIRD
    parses on one core while Python writes the intent on the other)."""

    def __init__(self, path: Path, binary: str, *, shown_as: str | None = None):
        self.path, self.shown_as = path, shown_as or str(path)
        self.started = time.monotonic()
        self.proc = subprocess.Popen([binary, "-p", "-c", str(path)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def wait(self) -> float:
        """Seconds BIRD took; BuildError with BIRD's message and the offending line when it refused."""
        try:
            out, err = self.proc.communicate(timeout=1800)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise BuildError(f"bird -p did not finish on {self.shown_as} within 30 minutes") from None
        elapsed = time.monotonic() - self.started
        self.output = (err or out).strip()  # on success: BIRD's warnings (the configs should have none)
        if self.proc.returncode != 0:
            message = (err or out).strip()
            match = re.search(r":(\d+):(\d+) (.*)$", message)
            detail = message
            if match:
                line_no = int(match.group(1))
                lines = self.path.read_text(errors="replace").splitlines()
                context = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else ""
                detail = f"line {line_no}, column {match.group(2)}: {match.group(3)}\n    > {mask_secrets(context)}"
            raise BuildError(f"BIRD rejected the generated config {self.shown_as}: {detail}",
                             fix="if the inventory is valid this is an ixpctl bug: report it with the line above")
        return elapsed

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def check_config(path: Path, binary: str, *, shown_as: str | None = None) -> float:
    """Run ``bird -p -c path`` and wait for it (see BirdCheck)."""
    return BirdCheck(path, binary, shown_as=shown_as).wait()


def build(loaded: LoadedInventory, lpolicy: LoadedPolicy, facts: Facts, *, out_dir: Path,
          only: list[str] | None = None, bird: str | list[str] | None = None, base_dir: Path | None = None,
          check: bool = True) -> BuildResult:
    """``bird``: the binaries that may check the configs (``--bird``); by default each config is
    checked by a BIRD of its target series found on this machine (``deploy.bird_binaries``)."""
    base_dir = base_dir or Path.cwd()
    report = validate(loaded, lpolicy, base_dir=base_dir)
    if report.errors:
        raise ValidationFailed(f"the inventory has {len(report.errors)} error(s): nothing was built",
                               problems=report.errors, fix="run `ixpctl validate` and fix them first")
    facts = without_short_facts(facts, lpolicy.policy)  # a VRP for 0.0.0.0/0 ... (idempotent)
    check_limits(loaded, lpolicy, facts, member_policies(loaded, lpolicy))  # 32-bit BIRD limits
    inv = loaded.inventory
    servers = [rs for rs in inv.route_servers if not only or rs.name in only]
    if only and len(servers) != len(set(only)):
        known = ", ".join(rs.name for rs in inv.route_servers)
        raise BuildError(f"unknown route server in {only}", fix=f"known route servers: {known}")
    daemons = {rs.daemon for rs in servers}
    binaries = BirdBinaries([bird] if isinstance(bird, str) else list(bird or [])) \
        if check and "bird" in daemons else None
    # route_servers[].daemon: openbgpd: checked by the bgpd of its openbgpd_version (deploy.bgpd_binaries)
    bgpds = {rs.name: _bgpd_checker(loaded, rs) for rs in servers if check and rs.daemon == "openbgpd"}

    warnings = [p.message for p in report.warnings]
    built: list[BuiltConfig] = []
    manifest: dict[str, dict] = {}
    with new_generation(out_dir) as generation:  # locked; removed again unless committed
        staging = generation.path
        for rs in servers:
            intent = compile_route_server(loaded, lpolicy, facts, rs)
            bird_checker: BirdBinary | None = None
            passwords = resolve_passwords(intent, base_dir)
            if rs.daemon == "openbgpd":
                pair = bgpds.get(rs.name)
                text, skipped, checker = _render_openbgpd(intent, rs, passwords), None, (pair.bgpd if pair else None)
            else:
                caps = Capabilities(parse_version(rs.bird_version))
                bird_checker = _checker(binaries, loaded, rs) if binaries else None
                text = render_route_server(intent, capabilities=caps, passwords=passwords)
                skipped, checker = left_out(intent, caps), (bird_checker.path if bird_checker else None)
            path = staging / f"{rs.name}.conf"
            size, lines = write_text_chunked(path, text), text.count("\n")
            del text  # 40+ MB at 1000 members: not kept while the intent is serialised
            if passwords:  # holds MD5 secrets: owner only (the staging dir is 0700 until now)
                path.chmod(0o600)
            check_class = BgpdCheck if rs.daemon == "openbgpd" else BirdCheck
            check_run = check_class(path, checker, shown_as=str(out_dir / path.name)) if checker else None
            try:
                intent_path = staging / f"{rs.name}.intent.json"
                write_text_chunked(intent_path, json.dumps(intent.to_json(), default=str))
                # hashed while bird -p runs on the other core
                manifest[path.name] = config_entry(path, rs.name, len(intent.sessions), secret=bool(passwords))
                manifest[intent_path.name] = file_entry(intent_path)
            except BaseException:
                if check_run is not None:
                    check_run.cancel()
                raise
            seconds = check_run.wait() if check_run is not None else 0.0
            if skipped is None:
                skipped = openbgpd.left_out(intent, openbgpd.OpenbgpdCapabilities(
                    openbgpd.parse_version(rs.openbgpd_version)))
            if bird_checker is not None and check_run is not None and check_run.output:
                warnings.append(f"BIRD {bird_checker.version} warned on {rs.name}.conf: {check_run.output[:500]}")
            built.append(BuiltConfig(rs.name, out_dir / path.name, intent, lines, size, seconds, skipped,
                                     bird_checker, bgpds.get(rs.name) if check_run is not None else None))
            warnings += [w for w in intent.warnings if w not in warnings]
        # every config passed: the manifest vouches for them and for what is carried over unchanged
        write_manifest(staging, manifest, previous=generation.previous)
        generation.commit()
    return BuildResult(built, warnings, facts)


def _checker(binaries: BirdBinaries, loaded: LoadedInventory, rs) -> BirdBinary:
    """The BIRD of the route server's series (probed with ``bird --version``); the error names the
    inventory line that asks for that version."""
    try:
        return binaries.for_version(rs.bird_version, what=rs.name)
    except BuildError as err:
        raise BuildError(f"{err.message}; the version comes from {version_field(loaded, rs).describe()}",
                         fix=f"{err.fix}; or set that bird_version to a series this machine has") from None


def _bgpd_checker(loaded: LoadedInventory, rs) -> BgpdPair:
    """The bgpd of the route server's OpenBGPD series (the machine's, or a private one of
    scripts/openbgpd-versions.sh); the error names the inventory line that asks for that version."""
    from .deploy.bgpd_binaries import openbgpd_for
    from .deploy.bgpd_version import openbgpd_version_field

    try:
        return openbgpd_for(rs.openbgpd_version)
    except IxpctlError as err:
        field = openbgpd_version_field(loaded, rs)
        raise BuildError(f"{rs.name}: {err.message}, so its config cannot be checked with `bgpd -n`; the version "
                         f"comes from {field.describe()}",
                         fix=f"{err.fix}; or set {field.field} to a series this machine has "
                             f"({', '.join('.'.join(map(str, v)) for v in OPENBGPD_SUPPORTED)} are supported)") from None


def _render_openbgpd(intent: RouteServerIntent, rs, passwords: dict[str, str]) -> str:
    """The bgpd.conf of an OpenBGPD route server (checked with ``bgpd -n`` like BIRD's ``bird -p``)."""
    caps = openbgpd.OpenbgpdCapabilities(openbgpd.parse_version(rs.openbgpd_version))
    # bgpd moves its control socket to the config's `socket` on reload: the deployed config must
    # name deploy.control_socket (bgpd's default one needs no line), or deploy would lose the daemon.
    from .deploy.openbgpd import DEFAULT_SOCKET, openbgpd_settings

    socket = openbgpd_settings(rs.deploy).control_socket
    return openbgpd.render_route_server(intent, capabilities=caps, passwords=passwords,
                                        socket=socket if socket != DEFAULT_SOCKET else None)


__all__ = ["BirdBinaries", "BuildResult", "Problem", "bgpd_binary", "build", "check_bgpd_config",
           "check_config"]
