"""`ixpctl validate`: every check of an inventory, with its policy and the pinned facts.

The inventory's own cross-object checks are ``ixpctl.inventory.validate``; this adds what needs more
than the inventory: each member's policy overrides against the policy file, and (with the facts)
the max-prefix limits the build will render and disagreements with PeeringDB. The build,
onboarding, ``ixpctl diff`` and the CLI call this.

A member override the policy model refuses (an unknown key, hold_time 70000) is malformed input,
like a bad value in the policy file itself: InputError (exit 2), not a finding of the checks.
"""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

from ..errors import BuildError, InputError, Problem, Report
from ..inventory.loader import LoadedInventory
from ..inventory.validate import Locator, locator, validate_inventory
from ..policy.intent import max_prefix_limit
from ..policy.loader import LoadedPolicy, effective_policy
from ..policy.model import U32_MAX, Policy


def validate(loaded: LoadedInventory, policy: LoadedPolicy | None = None, *,
             base_dir: Path | None = None, facts=None) -> Report:
    """Run every check and return the findings in a Report; raise InputError for malformed member
    policy overrides (and, with the facts, for max-prefix limits BIRD cannot take).

    With ``facts`` (the pinned snapshot), disagreements with PeeringDB are reported too: as warnings,
    since either side may be the stale one (an address registered by another member is an error)."""
    report = validate_inventory(loaded, base_dir=base_dir)
    _check_bird_versions(loaded, report)
    if policy is not None:
        policies = member_policies(loaded, policy)
        _check_next_hops(loaded, policies, report, locator(loaded))
        if facts is not None:
            check_limits(loaded, policy, facts, policies)
    if facts is not None and facts.provenance.get("peeringdb") is not None:
        _check_peeringdb_drift(loaded, facts, report, locator(loaded))
    return report


def _check_bird_versions(loaded: LoadedInventory, report: Report) -> None:
    """Every route server targets a BIRD version the renderer has a config for."""
    from ..render.bird_versions import target_of

    at = locator(loaded)
    for i, rs in enumerate(loaded.inventory.route_servers):
        try:
            target_of(rs.bird_version)
        except BuildError as err:
            report.error(f"route server {rs.name}: {err.message}", fix=err.fix,
                         **at("route_servers", i, "bird_version"))


def _check_peeringdb_drift(loaded: LoadedInventory, facts, report: Report, at: Locator) -> None:
    from ..sources.drift import peeringdb_drift

    index = {m.asn: i for i, m in enumerate(loaded.inventory.members)}
    for drift in peeringdb_drift(loaded.inventory, facts):
        if drift.severity == "info":
            continue
        where = at("members", index[drift.asn]) if drift.asn in index else at("ixp")
        add = report.error if drift.severity == "error" else report.warning
        add(f"PeeringDB: {drift.message}", fix="update PeeringDB or the inventory, whichever is stale", **where)


def member_policies(loaded: LoadedInventory, policy: LoadedPolicy) -> dict[int, Policy]:
    """Each member's effective policy, by index; InputError listing every malformed override."""
    out: dict[int, Policy] = {}
    problems: list[Problem] = []
    for i, m in enumerate(loaded.inventory.members):
        try:
            out[i] = effective_policy(policy.policy, m.policy, loaded.locate, ("members", i, "policy"))
        except InputError as err:
            problems += err.problems
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise InputError(f"member policy overrides are invalid ({len(problems)} {noun}):", problems=problems,
                         fix="per member, only the keys marked (member) in the policy file, with the same values")
    return out


def _check_next_hops(loaded: LoadedInventory, policies: dict[int, Policy], report: Report, at: Locator) -> None:
    """next_hop.authorized naming another member's router would let this member send traffic for
    its routes to that router: every other member then forwards to a network that never agreed."""
    owners = {c_addr: m for m in loaded.inventory.members for c in m.connections
              for c_addr in (c.ipv4, c.ipv6) if c_addr is not None}
    for i, m in enumerate(loaded.inventory.members):
        for n, addr in enumerate(policies[i].next_hop.authorized):
            owner = owners.get(ip_address(addr))
            if owner is not None and owner.asn != m.asn:
                report.error(f"AS{m.asn} may not use {addr} as next hop: it is a router of AS{owner.asn} "
                             f"({owner.name}); the route servers would send other members' traffic for "
                             f"AS{m.asn}'s routes to AS{owner.asn}",
                             fix=f"authorise only AS{m.asn}'s own next hops (its other routers, or a router "
                                 "it operates on the LAN that is not another member's)",
                             **at("members", i, "policy", "next_hop", "authorized", n))


def check_limits(loaded: LoadedInventory, policy: LoadedPolicy, facts, policies: dict[int, Policy] | None = None) -> None:
    """The max-prefix limit the build renders per member and family is a 32-bit number in BIRD:
    a PeeringDB value plus the headroom can exceed it. InputError at the member, saying where the
    value came from and how to set it."""
    policies = policies if policies is not None else member_policies(loaded, policy)
    problems: list[Problem] = []
    for i, m in enumerate(loaded.inventory.members):
        mp, net = policies[i], facts.network(m.asn)
        for family in ("ipv4", "ipv6"):
            value = getattr(m.max_prefix, family) if m.max_prefix else None
            pdb = getattr(net, f"info_prefixes{family[-1]}") if net else None
            limit, source = max_prefix_limit(mp, value, pdb, getattr(mp.max_prefix, f"default_{family}"))
            if limit > U32_MAX:
                file, line = loaded.locate(("members", i, "asn"))
                problems.append(Problem(
                    f"AS{m.asn}'s {family} max-prefix limit would be {limit} ({source}: PeeringDB says {pdb}), "
                    f"more than BIRD's largest limit {U32_MAX}", file, line, f"members[{i}].max_prefix.{family}",
                    f"set members[{i}].max_prefix.{family} to the real limit (the PeeringDB value looks wrong)"))
    if problems:
        raise InputError(f"max-prefix limits out of range ({len(problems)}):", problems=problems)
