"""The conformance lab with per-family VLANs: its inventory with IPv4 on LAN cix-peering (VLAN 10)
and IPv6 on LAN cix-peering-v6 (VLAN 20, ``ipv6_lan``), written next to a copy of a lab file."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO

SINGLE = """  lans:
    - name: cix-peering
      vlan: 10
      ipv4: 192.0.2.0/24
      ipv6: 2001:db8:0:10::/64
"""
PAIRED = """  lans:
    - name: cix-peering
      vlan: 10
      ipv4: 192.0.2.0/24
      ipv6_lan: cix-peering-v6     # IPv6 on its own VLAN: one peering service
    - name: cix-peering-v6
      vlan: 20
      ipv6: 2001:db8:0:10::/64
"""


def paired_conformance_lab(tmp: Path, lab_file: str) -> Path:
    text = (REPO / "lab/conformance/inventory.yml").read_text()
    assert SINGLE in text, "the conformance inventory's LAN changed: update this test"
    text = text.replace(SINGLE, PAIRED).replace("snapshot_dir: lab/conformance/snapshot",
                                                f"snapshot_dir: {REPO}/lab/conformance/snapshot")
    (tmp / "inventory.yml").write_text(text)
    lab = (REPO / lab_file).read_text().replace("inventory: lab/conformance/inventory.yml",
                                                f"inventory: {tmp}/inventory.yml")
    (tmp / "lab.yml").write_text(lab)
    return tmp / "lab.yml"
