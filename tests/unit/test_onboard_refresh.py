"""`ixpctl sources refresh` also expands the AS-SETs of networks registered at the IXP in PeeringDB
but not yet in the inventory, so `ixpctl onboard --offline` can run its pre-flight checks."""

from __future__ import annotations

from datetime import UTC, datetime

from ixpctl.errors import SourceError
from ixpctl.inventory import load_inventory
from ixpctl.sources import refresh as refresh_mod
from ixpctl.sources import snapshot as snap
from ixpctl.sources.facts import IrrExpansion, PdbNetIxLan, PdbNetwork, Provenance
from tests.support.builders import base_inventory, write_yaml

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


class Pdb:
    """Members 64501-64502 plus a prospective 64507 and the route servers in netixlan."""

    def sync(self, settings, *, db_dir, progress=None):
        pass

    def lookup(self, db_dir, *, ix_id, asns):
        nets = {a: PdbNetwork(a, f"Net {a}", irr_as_set="AFRINIC::AS-TOMBOUCTOU" if a == 64507 else "")
                for a in asns}
        rows = [PdbNetIxLan(64501, 1, "192.0.2.11"), PdbNetIxLan(64500, 1, "192.0.2.1"),
                PdbNetIxLan(64507, 1, "192.0.2.23")] if ix_id else []
        return nets, rows

    def never_via_rs_asns(self, db_dir):
        return set()

    def provenance(self, db_dir, networks, netixlan, *, ix_id=None):
        return Provenance("peeringdb", "http://127.0.0.1/api", "2026-11-22T11:59:00Z", "ab" * 32, {})


class Irr:
    def __init__(self, fail: set[str] = frozenset()):
        self.fail = fail

    def member_queries(self, member, pdb_network, *, notes=None):
        if isinstance(member.as_sets, list) and member.as_sets:
            return list(member.as_sets)
        if pdb_network is not None and pdb_network.irr_as_set:
            return [pdb_network.irr_as_set]
        return [f"AS{member.asn}"]

    def expand_all(self, queries, settings, *, progress=None, **options):
        results = {q: IrrExpansion(q, [64507], [("198.18.112.0/23", 23, 23)]) for q in queries if q not in self.fail}
        if self.fail & set(queries):
            err = SourceError("partial")
            err.results = results
            err.failures = {q: SourceError(f"{q}: timeout") for q in self.fail}
            raise err
        return results


def setup(tmp_path):
    data = base_inventory(members=2)
    data["ixp"]["peeringdb_ix_id"] = 1
    data["sources"] = {"snapshot_dir": "snap"}
    inventory = load_inventory(write_yaml(tmp_path / "inv" / "ixp.yml", data)).inventory
    return inventory


def test_prospective_members_are_looked_up_and_expanded(tmp_path):
    inventory = setup(tmp_path)
    outcome = refresh_mod.refresh(inventory, ["peeringdb", "irr"], snapshot_dir=tmp_path / "snap", repo_root=tmp_path,
                                  peeringdb_module=Pdb(), irr_module=Irr(), now=NOW)
    facts = snap.read_snapshot(tmp_path / "snap")
    assert outcome.ok and not outcome.failed
    assert 64507 in facts.peeringdb and 64500 not in facts.peeringdb  # the route servers are not prospective
    assert "AFRINIC::AS-TOMBOUCTOU" in facts.irr
    assert facts.provenance["irr"].detail["prospective_queries"] == {"64507": ["AFRINIC::AS-TOMBOUCTOU"]}
    assert "64507" not in facts.provenance["irr"].detail["member_queries"]


def test_a_failing_prospective_query_is_a_note_not_a_failed_refresh(tmp_path):
    inventory = setup(tmp_path)
    outcome = refresh_mod.refresh(inventory, ["peeringdb", "irr"], snapshot_dir=tmp_path / "snap", repo_root=tmp_path,
                                  peeringdb_module=Pdb(), irr_module=Irr(fail={"AFRINIC::AS-TOMBOUCTOU"}), now=NOW)
    assert outcome.ok and not outcome.failed
    assert any("AFRINIC::AS-TOMBOUCTOU (prospective member" in n for n in outcome.notes)


def test_prospective_asns_excludes_members_and_route_servers(tmp_path):
    inventory = setup(tmp_path)
    rows = [PdbNetIxLan(64501, 1), PdbNetIxLan(64500, 1), PdbNetIxLan(64507, 1), PdbNetIxLan(64507, 1)]
    assert refresh_mod.prospective_asns(inventory, rows) == [64507]
