"""Write an import into ``DIR``: plan (merge, stage, validate, diff) first, then write.

Layout: ``DIR/inventory/ixp.yml`` (``ixp:`` and ``route_servers:``), ``DIR/inventory/members.yml``
(``members:``), ``DIR/policies/default.yml`` (the documented default policy with the imported
settings) and its ``bogons.yml``, ``DIR/secrets/`` (MD5 passwords, mode 600, git-ignored: the
inventory holds only references), ``DIR/.ixpctl-import/<source>.json`` (what this import wrote:
the base of the next re-import's three-way merge, see ``merge.py``).

Everything is first written to a staging copy of ``DIR`` and validated there (the inventory checks,
the policy file, each member's overrides, plus the caller's ``check``); nothing is written when it
does not validate. Existing files are round-tripped with ruamel: comments and hand-added keys stay.
"""

from __future__ import annotations

import difflib
import io
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from ..base.fsutil import write_atomic
from ..base.paths import PACKAGE_DIR
from ..base.yamlio import parse_yaml, to_plain
from ..errors import InputError, Problem, Report, ValidationFailed
from ..inventory.loader import load_inventory
from ..inventory.validate import validate_inventory
from ..policy.loader import effective_policy, load_policy
from .merge import Conflict, Merger, fresh
from .model import Imported
from .policy_edit import set_values

STATE_DIR = ".ixpctl-import"
Check = Callable[[Path, Path, Path], Report]  # (inventory dir, policy file, base dir) -> findings


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long name or description onto two lines
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    # null stays "null" (ruamel writes nothing), as in the files operators write
    yaml.representer.add_representer(type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml


def dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


@dataclass
class FileChange:
    path: Path  # relative to DIR
    before: str | None
    after: str
    mode: int | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            (self.before or "").splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}" if self.before is not None else "/dev/null", tofile=f"b/{self.path}"))


@dataclass
class Plan:
    directory: Path
    imported: Imported
    changes: list[FileChange]
    conflicts: list[Conflict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    findings: list[Problem] = field(default_factory=list)  # validate's warnings on the result

    def diff(self) -> str:
        return "".join(c.diff() for c in self.changes if c.changed and c.mode is None)

    def to_json(self) -> dict[str, Any]:
        return {**self.imported.summary(), "directory": str(self.directory),
                "files": [{"path": str(c.path), "changed": c.changed} for c in self.changes],
                "conflicts": [c.to_json() for c in self.conflicts], "removed": self.removed,
                "warnings": [p.to_json() for p in self.findings], "diff": self.diff()}


def _header(imported: Imported, what: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    return (f"# {what}: imported by `ixpctl import {imported.source}` from {imported.origin} on {when}.\n"
            "# Edit freely: a re-import updates only what the source changed and keeps your edits\n"
            "# (it reports, and leaves alone, any value both you and the source changed).\n")


def _load_or_new(path: Path) -> tuple[str | None, CommentedMap]:
    if path.exists():
        text = path.read_text(encoding="utf-8")
        node = parse_yaml(text, path).node
        if not isinstance(node, CommentedMap):
            raise InputError.at("expected a mapping at the top of the file", path, 1)
        return text, node
    return None, CommentedMap()


def _repository_policy() -> Path:
    path = PACKAGE_DIR.parent / "policies" / "default.yml"
    if not path.exists():
        raise InputError("the documented default policy (policies/default.yml) is not found next to ixpctl",
                         fix="run from an ixpctl checkout, or put your policy in DIR/policies/default.yml first")
    return path


def _get_dotted(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def plan(imported: Imported, directory: Path, *, overwrite: bool = False, check: Check | None = None) -> Plan:
    """Everything the import would write, merged and validated; raises ValidationFailed (nothing
    written) when the result does not validate."""
    directory = Path(directory)
    state_path = directory / STATE_DIR / f"{imported.source}.json"
    base: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    merger = Merger(overwrite=overwrite)
    changes: list[FileChange] = []

    # inventory/ixp.yml: ixp + route_servers
    ixp_path = directory / "inventory" / "ixp.yml"
    before, doc = _load_or_new(ixp_path)
    doc.setdefault("ixp", CommentedMap())
    merger.mapping(doc["ixp"], base.get("ixp"), imported.ixp, "ixp", lists={"lans": ("name", "vlan")})
    doc.setdefault("route_servers", fresh([]))
    merger.items(doc["route_servers"], base.get("route_servers", []), imported.route_servers, "route_servers",
                 ("name",))
    text = dump(doc)
    changes.append(FileChange(Path("inventory/ixp.yml"),
                              before, text if before is not None else _header(imported, "The IXP") + text))

    # inventory/members.yml
    members_path = directory / "inventory" / "members.yml"
    before, doc = _load_or_new(members_path)
    doc.setdefault("members", fresh([]))
    merger.items(doc["members"], base.get("members", []), imported.members, "members", ("asn",))
    text = dump(doc)
    changes.append(FileChange(Path("inventory/members.yml"),
                              before, text if before is not None else _header(imported, "Members") + text))

    # policies/default.yml (+ bogons.yml)
    policy_path = directory / "policies" / "default.yml"
    source_policy = policy_path if policy_path.exists() else _repository_policy()
    ptext = source_policy.read_text(encoding="utf-8")
    base_policy = base.get("policy", {})
    current = to_plain(parse_yaml(ptext, source_policy).node)
    to_set: dict[str, Any] = {}
    for key, value in imported.policy.items():
        mine = _get_dotted(current, key)
        if mine == value:
            continue
        if not policy_path.exists() or mine == base_policy.get(key) or overwrite:
            to_set[key] = value
        else:
            merger.conflicts.append(Conflict(f"policy.{key}", mine, value))
    changes.append(FileChange(Path("policies/default.yml"), ptext if policy_path.exists() else None,
                              set_values(ptext, source_policy, to_set, dump) if to_set else ptext))
    bogons = directory / "policies" / "bogons.yml"
    if not bogons.exists():
        changes.append(FileChange(Path("policies/bogons.yml"), None,
                                  (_repository_policy().parent / "bogons.yml").read_text(encoding="utf-8")))
    for rel, secret in sorted(imported.secrets.items()):
        path = directory / rel
        old = path.read_text(encoding="utf-8") if path.exists() else None
        changes.append(FileChange(Path(rel), old, secret + "\n", mode=0o600))
    if imported.secrets and not (directory / "secrets" / ".gitignore").exists():
        changes.append(FileChange(Path("secrets/.gitignore"), None, "# MD5 passwords: never in git\n*\n!.gitignore\n"))
    state = {"ixp": imported.ixp, "route_servers": imported.route_servers, "members": imported.members,
             "policy": imported.policy}
    changes.append(FileChange(Path(STATE_DIR) / f"{imported.source}.json",
                              state_path.read_text() if state_path.exists() else None,
                              json.dumps(state, indent=1, sort_keys=True, default=str) + "\n", mode=0o644))
    result = Plan(directory, imported, changes, merger.conflicts, merger.removed)
    result.findings = _validate_staged(result, check)
    return result


def _validate_staged(result: Plan, check: Check | None) -> list[Problem]:
    """Write the planned files into a copy of DIR and validate there; ValidationFailed on errors."""
    directory = result.directory
    with tempfile.TemporaryDirectory(prefix="ixpctl-import-") as tmp:
        stage = Path(tmp)
        for sub in ("inventory", "policies", "secrets"):
            if (directory / sub).is_dir():
                shutil.copytree(directory / sub, stage / sub)
        for change in result.changes:
            target = stage / change.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(change.after, encoding="utf-8")
            if change.mode:
                target.chmod(change.mode)

        def here(p: Problem) -> Problem:
            return replace(p, file=p.file.replace(str(stage), str(directory))) if p.file else p

        try:
            loaded = load_inventory(stage / "inventory")
            lpolicy = load_policy(stage / "policies" / "default.yml")
            # base_dir: relative secret paths resolve against the (staged) repository root
            report = validate_inventory(loaded, base_dir=stage)
            for i, m in enumerate(loaded.inventory.members):
                effective_policy(lpolicy.policy, m.policy, loaded.locate, ("members", i, "policy"))
            if check is not None:
                report.problems += [p for p in check(stage / "inventory", stage / "policies" / "default.yml",
                                                     stage).problems if p not in report.problems]
        except InputError as err:
            problems = [here(p) for p in (err.problems or ([err.located] if err.located else []))]
            raise ValidationFailed(f"the imported inventory would not load: {err.message} (nothing written)",
                                   problems=problems, fix="this is an importer bug if the source is sane: "
                                   "report it with the problems above") from None
        errors = [here(p) for p in report.errors]
        if errors:
            raise ValidationFailed(f"the imported inventory has {len(errors)} error(s): nothing was written",
                                   problems=errors, fix="fix them in the source, or in DIR after a first import")
        return [here(p) for p in report.warnings]


def apply(result: Plan) -> list[Path]:
    """Write every changed file of ``result`` (each atomically); returns what was written."""
    written = []
    for change in result.changes:
        if not change.changed:
            continue
        path = result.directory / change.path
        if change.mode == 0o600:  # a secret: its directories are the owner's only
            for parent in path.relative_to(result.directory).parents:
                if str(parent) != ".":
                    (result.directory / parent).mkdir(mode=0o700, parents=True, exist_ok=True)
                    (result.directory / parent).chmod(0o700)
        write_atomic(path, change.after)
        if change.mode:
            path.chmod(change.mode)
        written.append(path)
    return written
