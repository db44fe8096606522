"""``ixpctl onboard``: plan everything in memory and in temporary directories, then write at once.

The order guarantees "nothing is written when any step fails": PeeringDB lookup and refusals →
allocation → the inventory text with the member added (``yamledit``) → a temporary copy of the whole
inventory with that text → load + validate → IRR data and pre-flight checks (self-check on the new
inventory) → route-server configs built before and after into temporary directories (``bird -p``),
switch configs rendered → welcome pack rendered. Only :func:`apply` writes: the inventory file
through one atomic rename (refused if the file changed since it was read), then the welcome pack.

Idempotence: when the member is already in the inventory, the plan is made as if it were not (its
own addresses and ports count as free) and compared with what is there. Same data → "already
onboarded" (the welcome pack is refreshed, the inventory untouched); different data → refused.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ..analysis.selfcheck import CheckReport, self_check
from ..analysis.validate import validate
from ..base.fsutil import write_atomic as _atomic_write
from ..base.yamlio import to_plain
from ..errors import IxpctlError, Problem, ValidationFailed
from ..inventory.loader import LoadedInventory, inventory_files, load_inventory
from ..inventory.models import Inventory, Member
from ..policy.intent import RouteServerIntent, compile_route_server
from ..policy.loader import LoadedPolicy
from ..render.secrets import mask_secrets
from ..sources.facts import Facts, PdbNetwork
from ..sources.irr import expand_options
from ..sources.last_good import copy_facts
from ..sources.snapshot import max_ages, read_snapshot
from . import allocate, lookup, preflight
from .messages import Message
from .model import CheckResult, ConnectionPlan, NetworkRecord, OnboardRefused
from .yamledit import Insertion, choose_file, insert_member, member_mapping

Progress = Callable[[str], None]


@dataclass
class OnboardRequest:
    """Everything the command line can say (defaults = the interactive, PeeringDB-driven path)."""

    asn: int
    inventory_path: Path
    repo_root: Path
    snapshot_dir: Path | None = None
    peeringdb_cache: Path | None = None
    refresh_peeringdb: bool = False
    offline: bool = False
    force: bool = False
    reason: str | None = None
    name: str | None = None
    as_sets: list[str] = field(default_factory=list)
    contact: str | None = None
    lan: str | None = None
    ipv4: str | None = None
    ipv6: str | None = None
    switch: str | None = None
    port: str | None = None
    macs: list[str] = field(default_factory=list)
    md5_env: str | None = None
    md5_file: str | None = None
    status: str = "active"
    file: Path | None = None
    welcome_dir: Path = Path("build/welcome")
    bird: str | None = None
    today: date = field(default_factory=date.today)


@dataclass
class OnboardPlan:
    """What onboarding would do, fully checked; :func:`apply` carries it out."""

    request: OnboardRequest
    state: str  # "new" | "already onboarded"
    record: NetworkRecord
    name: str
    as_sets: list[str]
    contact: str | None
    connections: list[ConnectionPlan]
    checks: list[CheckResult]
    irr_origin: str
    insertion: Insertion | None  # None when already onboarded
    inventory_diff: str
    config_diffs: dict[str, str]  # "rs1.conf", "switch/sw1.cfg" → unified diff
    welcome: dict[str, str]  # file name → content
    self_check: CheckReport | None
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.verdict == "fail"]

    def to_json(self) -> dict[str, Any]:
        return {
            "asn": self.request.asn, "name": self.name, "state": self.state, "as_sets": self.as_sets,
            "contact": self.contact, "peeringdb": self.record.to_json(),
            "connections": [c.to_json() for c in self.connections],
            "checks": [c.to_json() for c in self.checks], "irr_origin": self.irr_origin,
            "file": str(self.insertion.path) if self.insertion else None,
            "inventory_diff": self.inventory_diff, "config_diffs": self.config_diffs,
            "welcome": sorted(self.welcome), "self_check": self.self_check.to_json() if self.self_check else None,
            "notes": self.notes, "written": [str(p) for p in self.written],
            "forced": self.request.force, "reason": self.request.reason,
        }


class ChecksFailed(OnboardRefused):
    """A pre-flight check failed; ``plan`` holds every verdict so the CLI can show them."""

    def __init__(self, message: str, *, plan: OnboardPlan, fix: str | None = None):
        super().__init__(message, fix=fix,
                         problems=[Problem(f"{c.name}: {c.explanation}") for c in plan.failed_checks])
        self.plan = plan


# --- steps ------------------------------------------------------------------------------------------

def _lan(inv: Inventory, name: str | None):
    lan = inv.lan_of(name)
    if lan is None:
        known = ", ".join(lan.name for lan in inv.ixp.lans)
        raise OnboardRefused(f"--lan {name}: unknown peering LAN" if name else
                             "the IXP has several peering LANs: say which one with --lan",
                             fix=f"LANs: {known}")
    return lan


def _connections(inv: Inventory, req: OnboardRequest, record: NetworkRecord, never_via_rs: bool,
                 notes: list[str]) -> list[ConnectionPlan]:
    lan = _lan(inv, req.lan)
    plans = allocate.allocate_addresses(inv, lan, pdb_rows=record.netixlan, ipv4=req.ipv4, ipv6=req.ipv6,
                                        exclude_asn=req.asn, notes=notes, reserved=record.reserved)
    macs = allocate.normalise_macs(req.macs)
    allocate.check_macs_free(inv, macs, exclude_asn=req.asn)
    first = plans[0]
    if req.port and not req.switch:
        raise OnboardRefused("--port needs --switch", fix="add --switch NAME")
    if req.switch:
        first.switch = req.switch
        port, speed = allocate.pick_port(inv, req.switch, req.port, exclude_asn=req.asn)
        first.ports, first.speed = [port], speed
    first.macs = macs
    if lan.name != inv.ixp.lans[0].name or len(inv.ixp.lans) > 1:
        for plan in plans:
            plan.lan = lan.name
    for plan in plans:
        plan.route_server = not never_via_rs
    return plans


def _comments(req: OnboardRequest, name: str, origin: str) -> list[str]:
    lines = [f"{name}: onboarded {req.today.isoformat()} with `ixpctl onboard` (data from {origin})."]
    if req.force:
        lines.append(f"FORCED: {req.reason}")
    return lines


def _same_member(existing: Member, wanted: Member) -> list[str]:
    """What differs between the member in the inventory and the one onboarding would write."""
    diffs = []
    if existing.as_sets != wanted.as_sets:
        diffs.append(f"as_set: inventory {existing.as_sets!r}, onboarding {wanted.as_sets!r}")

    def conns(m: Member) -> list[str]:
        return [f"{c.ipv4 or '-'} / {c.ipv6 or '-'}"
                + (f" on {c.switch} {','.join(c.ports)}" if c.switch else " (no switch port)")
                + (f" MAC {','.join(c.macs)}" if c.macs else "") + ("" if c.route_server else " no RS")
                for c in m.connections]

    if conns(existing) != conns(wanted):
        diffs.append(f"connections: inventory has {'; '.join(conns(existing))} — onboarding would write "
                     f"{'; '.join(conns(wanted))}")
    return diffs


def _temp_inventory(inventory_path: Path, target: Path, text: str, tmp: Path) -> tuple[Path, Path]:
    """Copy the inventory into ``tmp`` with ``target`` replaced by ``text``; (copy root, copied target)."""
    root = Path(inventory_path)
    if root.is_dir():
        copy_root = tmp / "inventory"
        for path in inventory_files(root):
            dest = copy_root / path.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        dest = copy_root / target.resolve().relative_to(root.resolve())
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        return copy_root, dest
    dest = tmp / root.name
    dest.write_text(text, encoding="utf-8")
    return dest, dest


def _relocated(problems: list[Problem], tmp_root: Path, real_root: Path) -> list[Problem]:
    """Point problems found in the temporary copy at the operator's real files."""
    out = []
    for p in problems:
        file = p.file.replace(str(tmp_root), str(real_root)) if p.file else p.file
        out.append(replace(p, file=file))
    return out


def _load_new(req: OnboardRequest, text: str, target: Path, lpolicy: LoadedPolicy, tmp: Path) -> LoadedInventory:
    copy_root, _ = _temp_inventory(req.inventory_path, target, text, tmp)
    try:
        loaded = load_inventory(copy_root)
    except IxpctlError as err:
        err.problems = _relocated(err.problems, copy_root, Path(req.inventory_path))
        err.message = err.message.replace(str(copy_root), str(req.inventory_path))
        raise
    report = validate(loaded, lpolicy, base_dir=req.repo_root)
    if report.errors:
        raise ValidationFailed(f"the inventory with AS{req.asn} added would be invalid "
                               f"({len(report.errors)} error(s)); nothing was written",
                               problems=_relocated(report.errors, copy_root, Path(req.inventory_path)),
                               fix="fix the inventory or the onboarding options, then re-run")
    return loaded


def _irr_options(lpolicy: LoadedPolicy, inv: Inventory) -> dict[str, Any]:
    """The same bgpq4 options ``ixpctl sources refresh`` uses, so live and snapshot data agree."""
    return expand_options(lpolicy.policy, inv)


def _labels(path: Path, root: Path) -> tuple[str, str]:
    """git-style diff labels: a/inventory/mlix.yml, relative to the repository when possible."""
    try:
        shown = str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        shown = str(path)
    return (f"a/{shown}", f"b/{shown}") if not Path(shown).is_absolute() else (shown, shown)


def _diff(before: str, after: str, a: str, b: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), a, b))


def _config_diffs(old: LoadedInventory, new: LoadedInventory, lpolicy: LoadedPolicy, facts: Facts,
                  req: OnboardRequest, tmp: Path, notes: list[str]) -> dict[str, str]:
    """Build every route-server config before and after (``bird -p`` each) and diff them; same for
    the switch configs when ``ixpctl.switch`` renders them."""
    from ..build import build

    out: dict[str, str] = {}
    before = build(old, lpolicy, facts, out_dir=tmp / "build-before", bird=req.bird, base_dir=req.repo_root)
    after = build(new, lpolicy, facts, out_dir=tmp / "build-after", bird=req.bird, base_dir=req.repo_root)
    for b_cfg, a_cfg in zip(before.configs, after.configs):
        name = a_cfg.path.name
        # masked here, where the diff is made: text, --json and anything else only ever see this copy
        out[name] = _diff(mask_secrets(b_cfg.path.read_text()), mask_secrets(a_cfg.path.read_text()),
                          f"a/{name}", f"b/{name}")
    try:
        from ..switch.build import render_switches
    except ImportError:
        notes.append("switch configs not rendered: ixpctl.switch is not available")
        return out
    try:
        old_sw = {r.name: r.text for r in render_switches(old)}
        new_sw = {r.name: r.text for r in render_switches(new)}
    except Exception as err:  # noqa: BLE001 — a switch renderer bug must not hide the RS diff
        notes.append(f"switch configs not rendered: {type(err).__name__}: {err}")
        return out
    for name in sorted(new_sw):
        key = f"switch/{name}.cfg"
        out[key] = _diff(old_sw.get(name, ""), new_sw[name], f"a/{key}", f"b/{key}")
    return out


def _checks(req: OnboardRequest, inv: Inventory, record: NetworkRecord, network: PdbNetwork, queries: list[str],
            fallback: bool, expansions: dict, irr_origin: str, problems: list[Message], facts: Facts,
            intent: RouteServerIntent | None, report: CheckReport | None,
            contact: str | None, families: set[int]) -> list[CheckResult]:
    """Every pre-flight verdict; ``network`` is PeeringDB's (or the --force stand-in)."""
    mi = intent.member(req.asn) if intent else None
    limits = (mi.max_prefix4, mi.max_prefix6, mi.max_prefix_source) if mi else None
    as_set = preflight.check_as_set(req.asn, queries, not fallback, expansions, irr_origin, problems)
    if fallback and as_set.verdict == "pass":
        as_set.verdict = "warn"
    return [
        as_set,
        preflight.check_route_objects(expansions, families),
        preflight.check_roa_coverage(preflight.roa_states(expansions, facts.vrps)),
        preflight.check_rpki_invalid(report),
        preflight.check_self(report),
        preflight.check_max_prefix(network, expansions, limits),
        preflight.check_rs_peer(record.netixlan, inv.ixp.peeringdb_ix_id is not None),
        preflight.check_contacts(network, contact),
        preflight.check_never_via_rs(network),
    ]


# --- the whole plan ---------------------------------------------------------------------------------

def plan(req: OnboardRequest, lpolicy: LoadedPolicy, *, progress: Progress | None = None) -> OnboardPlan:
    """Check and prepare everything; write nothing. Raises OnboardRefused (and friends) on refusal."""
    if req.force and not (req.reason and req.reason.strip()):
        raise OnboardRefused("--force needs --reason '...': it is recorded as a comment on the member",
                             fix="add --reason 'why this exception is fine'")
    loaded = load_inventory(req.inventory_path)
    inv = loaded.inventory
    notes = lookup.asn_gate(inv, req.asn, force=req.force)
    snapshot_dir = req.snapshot_dir or (req.repo_root / inv.sources.snapshot_dir)
    snapshot = read_snapshot(Path(snapshot_dir), max_ages=max_ages(inv.sources))
    existing = inv.member(req.asn)

    record = lookup.find_network(inv, req.asn, db_dir=lookup.cache_dir(inv, req.repo_root, req.peeringdb_cache),
                                 refresh=req.refresh_peeringdb, offline=req.offline, snapshot=snapshot,
                                 progress=progress)
    network = lookup.require_network(record, force=req.force, name=req.name)
    notes += record.notes
    name = req.name or network.name
    pdb_sets, bad = lookup.pdb_as_sets(network)
    notes += [f"PeeringDB irr_as_set token {t!r} is not an AS-SET name: ignored" for t in bad]
    as_sets = list(req.as_sets) or pdb_sets
    fallback = not as_sets
    queries = as_sets or [f"AS{req.asn}"]
    contact = req.contact or lookup.pick_contact(network)

    connections = _connections(inv, req, record, network.never_via_route_servers, notes)
    mapping = member_mapping(req.asn, name, as_sets=as_sets, contact=contact, connections=connections,
                             md5_env=req.md5_env, md5_file=req.md5_file, joined=req.today, status=req.status)
    target = choose_file(Path(req.inventory_path), req.file)

    state = "new"
    insertion: Insertion | None = None
    if existing is not None:
        wanted = Member.model_validate(to_plain(mapping))
        diffs = _same_member(existing, wanted)
        file, line = loaded.locate(("members", inv.members.index(existing), "asn"))
        if diffs:
            raise OnboardRefused(f"AS{req.asn} is already a member ({file}:{line}) with different data; "
                                 "nothing was written", problems=[Problem(d) for d in diffs],
                                 fix="re-run with the options of the first onboarding (--switch, --port, --mac, --ipv4...), "
                                     "or edit the member in the inventory by hand")
        state = "already onboarded"
        new_loaded = loaded
    else:
        insertion = insert_member(target, mapping, comments=_comments(req, name, record.origin))

    facts = copy_facts(snapshot)
    if req.asn not in facts.peeringdb:
        facts.peeringdb[req.asn] = network  # so the intent's max-prefix uses PeeringDB (in memory only)
    expansions, irr_origin, problems = preflight.irr_data(queries, snapshot, inv, offline=req.offline,
                                                           options=_irr_options(lpolicy, inv))
    facts.irr.update(expansions)
    if irr_origin.startswith(("bgpq4", "facts snapshot +")):
        notes.append("IRR data was expanded live: run `ixpctl sources refresh --irr` so builds have it too")

    with tempfile.TemporaryDirectory(prefix="ixpctl-onboard-") as tmp_text:
        tmp = Path(tmp_text)
        if insertion is not None:
            new_loaded = _load_new(req, insertion.after, target, lpolicy, tmp)
        new_inv = new_loaded.inventory
        intent = compile_route_server(new_loaded, lpolicy, facts, new_inv.route_servers[0])
        report = self_check(intent, facts, req.asn) if intent.member(req.asn) else None
        families = {4 if c.ipv4 else 0 for c in connections} | {6 if c.ipv6 else 0 for c in connections}
        checks = _checks(req, inv, record, network, queries, fallback, expansions, irr_origin, problems, facts,
                         intent, report, contact, families - {0})
        result = OnboardPlan(req, state, record, name, as_sets, contact, connections, checks, irr_origin,
                             insertion, _diff(insertion.before, insertion.after, *_labels(target, req.repo_root))
                             if insertion else "", {}, {}, report, notes)
        if result.failed_checks and not req.force:
            raise ChecksFailed(f"AS{req.asn}: {len(result.failed_checks)} pre-flight check(s) failed; "
                               "nothing was written", plan=result,
                               fix="have the member fix it and re-run, or --force --reason '...' for an exception")
        if state == "new":
            result.config_diffs = _config_diffs(loaded, new_loaded, lpolicy, facts, req, tmp, notes)

    from ..publish.welcome import build_welcome, render_all

    todo = [c for c in checks if c.verdict != "pass"]  # each language of the pack words them itself
    pack = build_welcome(new_loaded.inventory, lpolicy, req.asn, intent, report, todo=todo)
    result.welcome = render_all(pack)
    return result


def apply(result: OnboardPlan) -> OnboardPlan:
    """Write the inventory (one atomic rename, only if the file is unchanged) and the welcome pack."""
    from ..publish.welcome import write_all

    ins = result.insertion
    if ins is not None:
        current = ins.path.read_text(encoding="utf-8") if ins.path.exists() else ""
        if current != ins.before:
            raise OnboardRefused(f"{ins.path} changed while onboarding was being prepared; nothing was written",
                                 fix="re-run ixpctl onboard")
        _atomic_write(ins.path, ins.after)
        result.written.append(ins.path)
    welcome_dir = result.request.welcome_dir
    if not welcome_dir.is_absolute():
        welcome_dir = result.request.repo_root / welcome_dir
    result.written += write_all(result.welcome, welcome_dir)
    return result


