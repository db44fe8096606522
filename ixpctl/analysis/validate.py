"""`ixpctl validate`: every check of an inventory, with its policy and the pinned facts.

The inventory's own cross-object checks are ``ixpctl.inventory.validate``; this adds what needs more
than the inventory: each member's policy overrides against the policy file, and (with the facts)
disagreements with PeeringDB. The build, onboarding, ``ixpctl diff`` and the CLI call this.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError, InputError, Report
from ..inventory.loader import LoadedInventory
from ..inventory.validate import Locator, locator, validate_inventory
from ..policy.loader import LoadedPolicy, effective_policy


def validate(loaded: LoadedInventory, policy: LoadedPolicy | None = None, *,
             base_dir: Path | None = None, facts=None) -> Report:
    """Run every check; never raises for inventory problems, returns them all in a Report.

    With ``facts`` (the pinned snapshot), disagreements with PeeringDB are reported too: as warnings,
    since either side may be the stale one (an address registered by another member is an error)."""
    report = validate_inventory(loaded, base_dir=base_dir)
    _check_bird_versions(loaded, report)
    if policy is not None:
        _check_member_policies(loaded, policy, report)
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


def _check_member_policies(loaded: LoadedInventory, policy: LoadedPolicy, report: Report) -> None:
    for i, m in enumerate(loaded.inventory.members):
        if not m.policy:
            continue
        try:
            effective_policy(policy.policy, m.policy, loaded.locate, ("members", i, "policy"))
        except InputError as err:
            report.problems.extend(err.problems)
