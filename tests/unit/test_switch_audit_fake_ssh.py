"""`ixpctl switch audit` against modelled switches over real SSH, with anomalies planted in the device's
live state: Huawei VRP (NAPALM huawei_vrp getters: ``display mac-address``, ``display lldp neighbor
brief``, ``display interface``), Cisco IOS (NAPALM ios getters: ``show mac address-table``, ``show lldp
neighbors detail`` through the driver's TextFSM templates, ``show interfaces``) and Cisco NX-OS (NAPALM
nxos_ssh getters, including ``show interface | json`` for the counters). No mock: the drivers
parse the devices' text output (short interface names included) as they would on a switch."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.fake_device.fixture import PASSWORD, USER, fake_switches  # noqa: F401  (fixture)
from tests.unit.test_switch_fake_ssh import setup

pytestmark = pytest.mark.integration

PLATFORMS = [("huawei", "huawei_vrp", "GigabitEthernet0/0/{}"), ("ios", "ios", "GigabitEthernet1/0/{}"),
             ("nxos", "nxos", "Ethernet1/{}")]
M1, M2, M6, FOREIGN = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:06", "02:00:00:00:00:99"


@pytest.fixture(autouse=True)
def switch_env(monkeypatch):
    for var in list(os.environ):
        if var.startswith("IXPCTL_SWITCH_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("IXPCTL_SWITCH_USER", USER)
    monkeypatch.setenv("IXPCTL_SWITCH_PASSWORD", PASSWORD)


def ports(P, **over):
    base = {P(1): {"up": True}, P(2): {"up": True}, P(7): {"up": True}, P(8): {"up": False}, P(9): {"up": True}}
    base.update(over)
    return base


def audit(inv, secrets, *extra):
    result = CliRunner().invoke(main, ["-i", str(inv), "switch", "audit", "--secrets", str(secrets), *extra],
                                catch_exceptions=False)
    return result


@pytest.mark.parametrize(("dialect", "platform", "port"), PLATFORMS)
def test_audit_finds_each_planted_anomaly(tmp_path, fake_switches, dialect, platform, port):  # noqa: F811
    P = port.format
    clean = {"macs": [{"mac": M1, "vlan": 10, "interface": P(1)}, {"mac": M2, "vlan": 10, "interface": P(2)},
                      {"mac": "02:aa:00:00:00:01", "vlan": 10, "interface": P(9)}],  # behind the uplink: fine
             "lldp": [{"local": P(9), "hostname": "core-sw2", "port": "GE0/0/24"}],
             "interfaces": ports(P)}
    sw = fake_switches.start(dialect, live=clean)
    inv, secrets = setup(tmp_path, sw, platform, driver="nxos_ssh" if platform == "nxos" else None)
    state = tmp_path / "audit-state.json"
    result = audit(inv, secrets, "--json", "--state", str(state))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True

    sw.plant(macs=clean["macs"] + [{"mac": FOREIGN, "vlan": 10, "interface": P(1)},  # second MAC
                                   {"mac": M6, "vlan": 10, "interface": P(2)}],  # member 6's MAC on member 2's port
             lldp=clean["lldp"] + [{"local": P(1), "hostname": "as64501-rtr", "port": "xe-0/0/0"}],
             interfaces=ports(P, **{P(8): {"up": True}, P(7): {"up": False}, P(2): {"up": True, "rx_errors": 12}}))
    cisco = dialect in ("ios", "nxos")
    if cisco:  # CDP from member 6's router (no NAPALM getter: `show cdp neighbors detail`)
        sw.plant(cdp=[{"local": P(7), "hostname": "as64506-rtr", "port": "GigabitEthernet0/0/0"}])
    if dialect == "ios":  # member 2 sent BPDUs and BPDU guard shut its port
        sw.plant(errdisabled={P(2): "bpduguard"})
    result = audit(inv, secrets, "--json", "--state", str(state))
    assert result.exit_code == 6, result.output
    out = json.loads(result.stdout)
    found = {(f["kind"], f["port"]) for s in out["switches"] for f in s["findings"]}
    expected = {("unknown-mac", P(1)), ("wrong-port", P(2)), ("control-protocol", P(1)),
                ("unassigned-port-up", P(8)), ("member-port-down", P(7)), ("errors-rising", P(2))}
    expected |= {("control-protocol", P(7))} if cisco else set()
    expected |= {("control-protocol", P(2))} if dialect == "ios" else set()
    assert found == expected, found
    protocols = " ".join(f["detail"] for f in out["switches"][0]["findings"] if f["kind"] == "control-protocol")
    assert ("CDP from AS64506: as64506-rtr" in protocols) is cisco
    assert ("STP from AS64502: port err-disabled by bpduguard" in protocols) is (dialect == "ios")
    detail = {f["kind"]: f["detail"] for f in out["switches"][0]["findings"] if f["port"] == P(1) or f["kind"] != "control-protocol"}
    assert "as64501-rtr" in detail["control-protocol"] and "AS64506" in detail["wrong-port"]
    assert "rx_errors +12" in detail["errors-rising"] or "tx_errors +12" in detail["errors-rising"]

    metrics = tmp_path / "switch_audit.prom"
    table = audit(inv, secrets, "--state", str(state), "--metrics", str(metrics))  # the table a human reads
    assert table.exit_code == 6 and "unassigned-port-up" in table.output and "unknown-mac" in table.output
    prom = metrics.read_text()
    assert 'ixpctl_switch_audit_findings{switch="sw1",kind="unknown-mac"} 1' in prom
    assert 'ixpctl_switch_audit_findings{switch="sw1",kind="errors-rising"} 0' in prom  # no new errors since
    assert 'ixpctl_switch_audit_readable{switch="sw1"} 1' in prom

    # the state file keeps the findings: MANRS Action 3 of `ixpctl report manrs --audit-state` reads them
    from ixpctl.inventory.loader import load_inventory
    from ixpctl.report.audit_state import read_audit_state
    from ixpctl.report.manrs import action3

    recorded = read_audit_state(state)
    assert {(f["kind"], f["port"]) for f in recorded.switches["sw1"].findings} == expected - {("errors-rising", P(2))}
    act = action3(load_inventory(inv).inventory, recorded)
    assert act.level == "partly" and act.switches[0]["audit"]["read"] is True
    assert act.switches[0]["audit"]["violations"]["unknown-mac"] == 1 and "member-port-down" not in act.switches[0]["audit"]["violations"]


def test_audit_of_an_unreachable_switch_exits_5(tmp_path, fake_switches):  # noqa: F811
    sw = fake_switches.start("huawei")
    inv, secrets = setup(tmp_path, sw, "huawei_vrp")
    os.environ["IXPCTL_SWITCH_PASSWORD"] = "wrong"
    result = audit(inv, secrets, "--json")
    assert result.exit_code == 5
    assert "connect failed" in json.loads(result.stdout)["switches"][0]["error"]
    from ixpctl.report.audit_state import read_audit_state

    state = tmp_path / "audit-state.json"
    assert audit(inv, secrets, "--json", "--state", str(state)).exit_code == 5
    assert "connect failed" in (read_audit_state(state).switches["sw1"].error or "")  # Action 3: not audited
