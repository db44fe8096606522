"""Load ``policies/*.yml`` and compute each member's effective policy (defaults + overrides)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..base.yamlio import Loc, YamlDoc, line_of, load_yaml, problems_from_validation, to_plain
from ..errors import InputError, Problem
from .communities import overlap_problems
from .model import MEMBER_OVERRIDABLE, Policy


@dataclass
class LoadedPolicy:
    policy: Policy
    path: Path
    doc: YamlDoc
    bogons4: list[IPv4Network] = field(default_factory=list)
    bogons6: list[IPv6Network] = field(default_factory=list)
    bogons_path: Path | None = None


def load_policy(path: str | Path) -> LoadedPolicy:
    path = Path(path)
    doc = load_yaml(path, what="policy file")
    try:
        policy = Policy.model_validate(to_plain(doc.node))
    except ValidationError as exc:
        problems = problems_from_validation(exc, Policy, lambda loc: (str(path), line_of(doc.node, loc)))
        raise InputError(f"policy is invalid ({len(problems)} problem(s)):", problems=problems) from None
    community_problems = [Problem(msg, str(path), line, ".".join(loc), fix) for msg, loc, line, fix in
                          overlap_problems(policy.communities.values, policy.communities.reject_reason_base,
                                           policy.communities.tag_reason_base,
                                           lambda loc: line_of(doc.node, loc))]
    if community_problems:
        raise InputError(f"policy is invalid ({len(community_problems)} problem(s)):", problems=community_problems)
    bogons_path = (path.parent / policy.prefixes.bogons_file).resolve()
    bogons4, bogons6 = load_bogons(bogons_path, policy_file=path, policy_line=line_of(
        doc.node, ("prefixes", "bogons_file")))
    return LoadedPolicy(policy, path, doc, bogons4, bogons6, bogons_path)


# A bogon shorter than this covers too much of its family to be one by accident: 224.0.0.0/4 and
# fc00::/7 are real bogons; 0.0.0.0/1 or 2000::/3 would reject half of IPv4 or every global IPv6
# route, silently. Such an entry must be repeated under `confirm_short:`; the default route never.
SHORTEST_BOGON = {"ipv4": 4, "ipv6": 7}


def load_bogons(path: Path, *, policy_file: Path, policy_line: int | None) -> tuple[list, list]:
    if not path.exists():
        raise InputError.at(f"bogons file {path} not found", policy_file, policy_line,
                            "prefixes.bogons_file", "create it or point bogons_file at the right file")
    doc = load_yaml(path, what="bogons file")
    problems: list[Problem] = []
    out: dict[str, list] = {"ipv4": [], "ipv6": []}
    confirmed = _confirmed_short(doc, path, problems)
    for key in doc.node:
        if key == "confirm_short":
            continue
        if key not in out:
            problems.append(Problem(f"unknown key '{key}'", str(path), line_of(doc.node, (key,)), str(key),
                                    "a bogons file has two lists, ipv4 and ipv6, and optionally confirm_short"))
            continue
        items = doc.node[key] or []
        if not isinstance(items, list):
            problems.append(Problem(f"'{key}' must be a list", str(path), line_of(doc.node, (key,)), str(key)))
            continue
        for index, item in enumerate(items):
            where = {"file": str(path), "line": line_of(doc.node, (key, index)), "field": f"{key}[{index}]"}
            try:
                net = ip_network(str(item), strict=True)
            except ValueError as exc:
                problems.append(Problem(f"'{item}' is not a prefix: {exc}", fix="write it as e.g. 10.0.0.0/8",
                                        **where))
                continue
            if (net.version == 4) != (key == "ipv4"):
                problems.append(Problem(f"{net} is not an {key} prefix", fix="move it to the other list",
                                        **where))
                continue
            problem = _too_short(net, key, net in confirmed)
            if problem:
                problems.append(Problem(problem[0], fix=problem[1], **where))
                continue
            confirmed.pop(net, None)
            out[key].append(net)
    for net, line in confirmed.items():
        problems.append(Problem(f"confirm_short lists {net}, which is not a short entry of this file", str(path), line,
                                "confirm_short", "remove it from confirm_short (it confirms nothing)"))
    if problems:
        raise InputError(f"bogons file is invalid ({len(problems)} problem(s)):", problems=problems)
    return out["ipv4"], out["ipv6"]


def _confirmed_short(doc: YamlDoc, path: Path, problems: list[Problem]) -> dict:
    """The entries of ``confirm_short:`` (prefix → line), each a prefix."""
    items = doc.node.get("confirm_short") or []
    if not isinstance(items, list):
        problems.append(Problem("'confirm_short' must be a list of prefixes", str(path),
                                line_of(doc.node, ("confirm_short",)), "confirm_short"))
        return {}
    out = {}
    for index, item in enumerate(items):
        line = line_of(doc.node, ("confirm_short", index))
        try:
            out[ip_network(str(item), strict=True)] = line
        except ValueError as exc:
            problems.append(Problem(f"'{item}' is not a prefix: {exc}", str(path), line, f"confirm_short[{index}]"))
    return out


def _too_short(net: IPv4Network | IPv6Network, family: str, confirmed: bool) -> tuple[str, str] | None:
    """(why, fix) when a bogon entry covers so much of the address space that it is surely a mistake."""
    if net.prefixlen == 0:
        return ((f"{net} is the default route: as a bogon it rejects every {family} route (confirm_short cannot "
                "confirm it)"),
                "remove it: the default route itself is rejected by prefixes.reject_default_route")
    if net.prefixlen < SHORTEST_BOGON[family] and not confirmed:
        share = f"1/{2 ** net.prefixlen}" if net.prefixlen > 1 else "half"
        why = (f"{net} covers {share} of the {family} address space: every route inside it would be "
               f"rejected (bogons shorter than /{SHORTEST_BOGON[family]} need confirming)")
        return (why, f"remove it, or if you mean it, list it under confirm_short: in this file (confirm_short: [{net}])")
    return None


def _deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def override_problems(override: dict[str, Any], locate: Callable[[Loc], tuple[str | None, int | None]],
                      prefix: Loc) -> list[Problem]:
    """Keys a member may not override (IXP-wide settings) or that do not exist at all."""
    problems = []
    allowed_sections = ", ".join(sorted(MEMBER_OVERRIDABLE))
    for section, value in override.items():
        file, line = locate(prefix + (section,))
        where = {"file": file, "line": line, "field": ".".join(map(str, prefix[-3:] + (section,)))}
        if section not in Policy.model_fields:
            problems.append(Problem(f"unknown policy section '{section}'",
                                    fix=f"sections a member may override: {allowed_sections}", **where))
            continue
        if section not in MEMBER_OVERRIDABLE:
            problems.append(Problem(f"'{section}' is IXP-wide and cannot be overridden per member",
                                    fix=f"change it in the policy file; per member: {allowed_sections}", **where))
            continue
        keys = MEMBER_OVERRIDABLE[section]
        if keys is not None and isinstance(value, dict):
            for key in value:
                if key not in keys:
                    file, line = locate(prefix + (section, key))
                    problems.append(Problem(
                        f"'{section}.{key}' cannot be overridden per member", file, line,
                        f"{where['field']}.{key}", f"per member, '{section}' allows: {', '.join(sorted(keys))}"))
    return problems


def effective_policy(base: Policy, override: dict[str, Any],
                     locate: Callable[[Loc], tuple[str | None, int | None]] = lambda loc: (None, None),
                     prefix: Loc = ()) -> Policy:
    """The member's policy: IXP defaults with its overrides, validated like the policy file."""
    if not override:
        return base
    problems = override_problems(override, locate, prefix)
    if not problems:
        try:
            return Policy.model_validate(_deep_merge(base.model_dump(mode="json"), override))
        except ValidationError as exc:
            problems = problems_from_validation(exc, Policy, locate, prefix)
    raise InputError(f"member policy override is invalid ({len(problems)} problem(s)):", problems=problems)
