"""`ixpctl lab export containerlab`: the topology validates against containerlab's own schema.

The schema is read from ../shared/schemas/clab.schema.json (not copied into the repository)."""

from __future__ import annotations

import json

import yaml

from ixpctl.lab import LabConfig
from ixpctl.lab.clab import export_containerlab
from tests.conftest import REPO
from tests.support.schemas import schema_path


def test_export_validates_against_containerlab_schema(tmp_path, monkeypatch):
    schema = schema_path("clab.schema.json")
    import jsonschema

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "lab" / "mlix.clab.yml"
    topo = export_containerlab(LabConfig.load(REPO / "lab" / "mlix.lab.yml", base=REPO), out, tmp_path / "lab" / "cfg")
    doc = yaml.safe_load(out.read_text())
    assert doc == json.loads(json.dumps(topo))
    # Draft 7, without check_schema: the schema's mgmt-address patterns use \p{..}, which Python's re lacks
    validator = jsonschema.Draft7Validator(json.loads(schema.read_text()))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors
    nodes = doc["topology"]["nodes"]
    kinds = {n.get("labels", {}).get("ixpctl-role") for n in nodes.values() if n}
    assert {"bird", "openbgpd", "gobgp", "exabgp", "stayrtr"} <= kinds
    assert {"rs1", "rs2"} <= set(nodes) and len(doc["topology"]["links"]) == len(nodes) - 1
    conf = {"rs1": "bird.conf", "rs2": "bgpd.conf"}  # MLIX: rs2 runs OpenBGPD
    for name, node in nodes.items():
        for bind in node.get("binds", []):
            assert (out.parent / bind.split(":")[0] / conf.get(name, "")).exists()
    assert "protocol rpki" in (tmp_path / "lab" / "cfg" / "rs1" / "bird.conf").read_text()
    bgpd = tmp_path / "lab" / "cfg" / "rs2" / "bgpd.conf"
    assert "rtr 192.0.2.254" in bgpd.read_text() and oct(bgpd.stat().st_mode & 0o777) == "0o600"
    assert nodes["rs2"]["labels"]["ixpctl-role"] == "openbgpd" and "bgpd -d -f /config/bgpd.conf" in nodes["rs2"]["cmd"]
    # a broken node kind is caught by the same validation
    doc["topology"]["nodes"]["rs1"]["kind"] = "bridgeX"
    assert list(validator.iter_errors(doc))
