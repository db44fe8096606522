"""`ixpctl switch diff | push` over real SSH sessions against modelled devices (tests/support/fake_device).

The NAPALM drivers (huawei_vrp, nxos_ssh, ios) and netmiko connect for real: login, prompts, paging
off, config mode, views, error messages, SCP into the IOS flash, and the device's config state are
exercised; every assertion on the result reads the device's config (the state file the modelled
device keeps, which only its commands change). No mock here. NX-OS is pushed with `nxos_ssh` (the
SSH variant of NAPALM's NX-OS driver): the default `nxos` driver speaks NX-API (HTTPS), not SSH.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from tests.support.builders import write_inventory, write_yaml
from tests.support.fake_device.fixture import PASSWORD, USER, fake_switches  # noqa: F401  (fixture)
from tests.support.switch_builders import platform_inventory

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def switch_env(monkeypatch):
    for var in list(os.environ):
        if var.startswith("IXPCTL_SWITCH_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("IXPCTL_SWITCH_USER", USER)
    monkeypatch.setenv("IXPCTL_SWITCH_PASSWORD", PASSWORD)


def setup(tmp_path, sw, platform: str, driver: str | None = None, mutate=None):
    data = platform_inventory(platform)
    data["switches"][0]["mgmt_host"] = sw.host
    if driver:
        data["switches"][0]["napalm_driver"] = driver
    if mutate:
        mutate(data)
    inv = write_inventory(tmp_path / "inv", data)
    secrets = write_yaml(tmp_path / "secrets.yml", {"switches": {"sw1": {"optional_args": sw.optional_args()}}})
    secrets.chmod(0o600)
    return inv, secrets


def cli(inv, secrets, *args):
    result = CliRunner().invoke(main, ["-i", str(inv), "switch", *args, "--secrets", str(secrets), "--json"],
                                catch_exceptions=False)
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


def drop_second_mac(data):
    conn = data["members"][1]["connections"][0]
    conn["macs"] = conn["macs"][:1]
    conn["max_macs"] = 1


def test_huawei_vrp_diff_push_idempotent_and_mac_removal(tmp_path, fake_switches):  # noqa: F811
    sw = fake_switches.start("huawei")
    inv, secrets = setup(tmp_path, sw, "huawei_vrp")
    result, out = cli(inv, secrets, "diff")
    assert result.exit_code == 0, result.output
    r = out["switches"][0]
    assert r["status"] == "would-change" and "port-security mac-address sticky 0200-0000-0102 vlan 10" in r["diff"]
    assert "interface GigabitEthernet0/0/1" not in sw.state()["running"], "a diff changes nothing"

    result, out = cli(inv, secrets, "push", "--yes")
    assert result.exit_code == 0, result.output
    r = out["switches"][0]
    assert r["status"] == "changed", r
    dev = sw.running().blocks
    assert "port-security mac-address sticky 0200-0000-0102 vlan 10" in dev["interface GigabitEthernet0/0/2"]
    assert "rule 35 permit l2-protocol 0x0800 source-mac 0200-0000-0102 ffff-ffff-ffff" in \
        dev["acl name IXP-IN-GigabitEthernet0-0-2 link"]
    assert "shutdown" in dev["interface GigabitEthernet0/0/5"] and "shutdown" not in dev["interface GigabitEthernet0/0/1"]
    assert any(name.startswith("config_") for name in sw.state()["files"]), "a backup was saved before the commit"

    # nothing changed: empty diff, no commit
    result, out = cli(inv, secrets, "push", "--yes")
    r = out["switches"][0]
    assert r["status"] == "unchanged" and "commit_config" not in r["steps"], r

    # a MAC removed from the inventory disappears from the device (replace semantics per interface)
    inv, secrets = setup(tmp_path / "v2", sw, "huawei_vrp", mutate=drop_second_mac)
    result, out = cli(inv, secrets, "push", "--yes")
    r = out["switches"][0]
    assert result.exit_code == 0 and r["status"] == "changed", r
    assert "undo port-security mac-address sticky 0200-0000-0102 vlan 10" in r["diff"]
    dev = sw.running().blocks
    port = dev["interface GigabitEthernet0/0/2"]
    assert "port-security mac-address sticky 0200-0000-0102 vlan 10" not in port
    assert "port-security max-mac-num 1" in port and "port-security mac-address sticky 0200-0000-0002 vlan 10" in port
    assert not [rule for rule in dev["acl name IXP-IN-GigabitEthernet0-0-2 link"] if "0200-0000-0102" in rule]
    assert "shutdown" not in port, "the port was never shut on the way"
    # the push's own verification re-read the device: the candidate left no diff behind
    assert not [w for w in r["warnings"] if "still reports a diff" in w], r["warnings"]


def test_huawei_vrp_refused_line_rolls_back(tmp_path, fake_switches):  # noqa: F811
    """The device refuses one ACL binding half way through: the backup is restored, exit 5."""
    before = "interface GigabitEthernet0/0/1\n description old\n"
    sw = fake_switches.start("huawei", running=before, refuse=[r"traffic-filter inbound acl name IXP-IN-GigabitEthernet0-0-2"])
    inv, secrets = setup(tmp_path, sw, "huawei_vrp")
    result, out = cli(inv, secrets, "push", "--yes")
    assert result.exit_code == 5, result.output
    r = out["switches"][0]
    assert r["status"] == "failed" and r["stage"] == "commit" and r["rollback"].startswith("done"), r
    assert "hardware resources are insufficient" in r["error"]
    dev = sw.running().blocks
    assert dev["interface GigabitEthernet0/0/1"] == ["description old"], "the device is back to where it was"
    assert "acl name IXP-IN-GigabitEthernet0-0-1 link" not in dev


def test_nxos_ssh_push_removes_a_deleted_mac(tmp_path, fake_switches):  # noqa: F811
    sw = fake_switches.start("nxos")
    inv, secrets = setup(tmp_path, sw, "nxos", driver="nxos_ssh")
    result, out = cli(inv, secrets, "push", "--yes")
    assert result.exit_code == 0, result.output
    assert out["switches"][0]["status"] == "changed"
    port = sw.running().blocks["interface Ethernet1/2"]
    assert "switchport port-security mac-address 0200.0000.0102 vlan 10" in port
    inv, secrets = setup(tmp_path / "v2", sw, "nxos", driver="nxos_ssh", mutate=drop_second_mac)
    result, out = cli(inv, secrets, "push", "--yes")
    r = out["switches"][0]
    assert result.exit_code == 0 and r["status"] == "changed", r
    assert "no switchport port-security mac-address 0200.0000.0102 vlan 10" in r["diff"]
    dev = sw.running().blocks
    port = dev["interface Ethernet1/2"]
    assert "switchport port-security mac-address 0200.0000.0102 vlan 10" not in port
    assert "switchport port-security maximum 1" in port and "no shutdown" in port
    assert not [e for e in dev["mac access-list IXP-IN-Ethernet1-2"] if "0200.0000.0102" in e]
    # the verification after the commit re-read the device: nothing left to change (ACLs edited in place)
    assert not [w for w in r["warnings"] if "still reports a diff" in w], r["warnings"]


def test_ios_push_with_napalm_ios_over_ssh_and_scp_removes_a_deleted_mac(tmp_path, fake_switches):  # noqa: F811
    """NAPALM's `ios` driver for real: SCP of the candidate into flash, `verify /md5`, `show archive
    config incremental-diffs`, `copy flash:... running-config`, `write mem`."""
    sw = fake_switches.start("ios", running="ip scp server enable\n")
    inv, secrets = setup(tmp_path, sw, "ios")
    result, out = cli(inv, secrets, "push", "--yes")
    assert result.exit_code == 0, result.output
    assert out["switches"][0]["status"] == "changed"
    port = sw.running().blocks["interface GigabitEthernet1/0/2"]
    assert "switchport port-security mac-address 0200.0000.0102" in port
    assert "shutdown" in sw.running().blocks["interface GigabitEthernet1/0/5"]
    result, out = cli(inv, secrets, "push", "--yes")  # nothing changed: empty diff, no commit
    assert out["switches"][0]["status"] == "unchanged", out["switches"][0]["diff"]
    inv, secrets = setup(tmp_path / "v2", sw, "ios", mutate=drop_second_mac)
    result, out = cli(inv, secrets, "push", "--yes")
    r = out["switches"][0]
    assert result.exit_code == 0 and r["status"] == "changed", r
    assert "-no switchport port-security mac-address 0200.0000.0102" in r["diff"].replace(" no", "no")
    port = sw.running().blocks["interface GigabitEthernet1/0/2"]
    assert "switchport port-security mac-address 0200.0000.0102" not in port
    assert "switchport port-security maximum 1" in port and "shutdown" not in port
    assert not [e for e in sw.running().blocks["mac access-list extended IXP-IN-GigabitEthernet1-0-2"]
                if "0200.0000.0102" in e]


def test_paging_is_modelled_and_netmiko_turns_it_off(tmp_path, fake_switches):  # noqa: F811
    """The modelled device pages long output like a real one; netmiko's session preparation
    (`screen-length 0 temporary` / `terminal length 0`) is what lets a driver read it whole."""
    import paramiko
    from netmiko import ConnectHandler

    running = "".join(f"interface GigabitEthernet0/0/{i}\n description port {i}\n" for i in range(1, 30))
    sw = fake_switches.start("huawei", running=running)
    with ConnectHandler(**sw.netmiko_args()) as conn:
        whole = conn.send_command("display current-configuration")
    assert "description port 29" in whole and "More" not in whole
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(sw.host, sw.port, USER, PASSWORD, allow_agent=False, look_for_keys=False)
    try:
        chan = client.invoke_shell()
        chan.settimeout(10)
        chan.send("display current-configuration\r")
        seen = ""
        while "---- More ----" not in seen:
            seen += chan.recv(65535).decode()
        assert "description port 29" not in seen, "a raw session without paging off stops at the first page"
        pages = 1
        while "<sw1>" not in seen.split("---- More ----")[-1]:
            if seen.endswith("---- More ----"):
                chan.send(" ")  # the next page, as a human would
                pages += 1
            seen += chan.recv(65535).decode()
        assert "description port 29" in seen and pages >= 2
    finally:
        client.close()


# (fake device dialect, platform, NAPALM driver, member 1's port, its ACL as the running config shows it, binding)
ACL_CASES = [
    ("ios", "ios", None, "GigabitEthernet1/0/1", "mac access-list extended IXP-IN-GigabitEthernet1-0-1",
     "mac access-group IXP-IN-GigabitEthernet1-0-1 in"),
    ("nxos", "nxos", "nxos_ssh", "Ethernet1/1", "mac access-list IXP-IN-Ethernet1-1",
     "mac port access-group IXP-IN-Ethernet1-1"),
    ("huawei", "huawei_vrp", None, "GigabitEthernet0/0/1", "acl name IXP-IN-GigabitEthernet0-0-1 link",
     "traffic-filter inbound acl name IXP-IN-GigabitEthernet0-0-1"),
]
# ACLs a human made: one in no naming scheme, one that looks like ixpctl's but names no port
HUMAN = {"ios": ["mac access-list extended CUSTOMER-TEST", "mac access-list extended IXP-IN-TEST"],
         "nxos": ["mac access-list CUSTOMER-TEST", "mac access-list IXP-IN-TEST"],
         "huawei": ["acl name CUSTOMER-TEST link", "acl name IXP-IN-TEST link"]}


def drop_member_1(data):
    data["members"] = [m for m in data["members"] if m["asn"] != 64501]


@pytest.mark.parametrize(("dialect", "platform", "driver", "port", "acl", "binding"), ACL_CASES)
def test_push_deletes_the_acl_of_a_member_that_left(tmp_path, fake_switches, dialect, platform,  # noqa: F811
                                                    driver, port, acl, binding):
    """Member 1 leaves: after the push its port is unused and shut, and its MAC ACL is gone from the
    device (not only unbound); the other members' ACLs and the ACLs a human made stay."""
    human = "".join(f"{name}\n {'rule 5 deny' if dialect == 'huawei' else ('10 deny any any' if dialect == 'nxos' else 'deny any any')}\n"
                    for name in HUMAN[dialect])
    sw = fake_switches.start(dialect, running=("ip scp server enable\n" if dialect == "ios" else "") + human)
    inv, secrets = setup(tmp_path, sw, platform, driver=driver)
    result, out = cli(inv, secrets, "push", "--yes")
    assert result.exit_code == 0 and out["switches"][0]["status"] == "changed", result.output
    dev = sw.running().blocks
    assert acl in dev and binding in dev[f"interface {port}"]

    inv, secrets = setup(tmp_path / "v2", sw, platform, driver=driver, mutate=drop_member_1)
    result, out = cli(inv, secrets, "push", "--yes")
    r = out["switches"][0]
    assert result.exit_code == 0 and r["status"] == "changed", result.output
    name = acl.split()[-2] if dialect == "huawei" else acl.split()[-1]
    assert any(step == f"prune: delete unused member ACLs {name}" for step in r["steps"]), r["steps"]
    dev = sw.running().blocks
    assert acl not in dev, "the ACL of the member that left is deleted"
    assert binding not in dev[f"interface {port}"] and "shutdown" in dev[f"interface {port}"]
    assert all(h in dev for h in HUMAN[dialect]), "ACLs a human made are never touched"
    other = acl.replace(port.replace("/", "-"), port.replace("/", "-")[:-1] + "2")
    assert other in dev, "the other members keep theirs"
    assert not [w for w in r["warnings"] if "still reports a diff" in w], r["warnings"]
    result, out = cli(inv, secrets, "push", "--yes")  # and nothing is left to do
    assert out["switches"][0]["status"] == "unchanged", out["switches"][0]["diff"]


def test_huawei_vrpv8_two_stage_commit(tmp_path, fake_switches):  # noqa: F811
    """A CloudEngine (VRPv8): system-view edits a candidate that `commit` applies all or nothing. A
    good push is committed; a refused line, or a commit the device refuses, leaves the device exactly
    as it was — the driver answers "N" to "Uncommitted configurations found", and no rollback runs."""
    before = "interface GigabitEthernet0/0/1\n description old\n"
    sw = fake_switches.start("huawei", running=before, two_stage=True,
                             refuse_commit=[r"traffic-filter inbound acl name IXP-IN-GigabitEthernet0-0-7"])
    inv, secrets = setup(tmp_path, sw, "huawei_vrp")
    result, out = cli(inv, secrets, "push", "--yes")
    r = out["switches"][0]
    assert result.exit_code == 5 and r["stage"] == "commit", result.output
    assert "Failed to generate committed config" in r["error"]
    assert r["rollback"].startswith("not needed") and "two-stage" in r["rollback"], r["error"]
    dev = sw.running().blocks
    assert dev["interface GigabitEthernet0/0/1"] == ["description old"], "nothing of the candidate was committed"
    assert "acl name IXP-IN-GigabitEthernet0-0-2 link" not in dev

    sw2 = fake_switches.start("huawei", running=before, two_stage=True,
                              refuse=[r"traffic-filter inbound acl name IXP-IN-GigabitEthernet0-0-2"])
    inv2, secrets2 = setup(tmp_path / "refused-line", sw2, "huawei_vrp")
    result, out = cli(inv2, secrets2, "push", "--yes")
    r = out["switches"][0]
    assert result.exit_code == 5 and r["rollback"].startswith("not needed"), r
    assert "hardware resources are insufficient" in r["error"]
    assert sw2.running().blocks["interface GigabitEthernet0/0/1"] == ["description old"]

    sw3 = fake_switches.start("huawei", running=before, two_stage=True)
    inv3, secrets3 = setup(tmp_path / "good", sw3, "huawei_vrp")
    result, out = cli(inv3, secrets3, "push", "--yes")
    assert result.exit_code == 0 and out["switches"][0]["status"] == "changed", result.output
    dev = sw3.running().blocks
    assert "port-security mac-address sticky 0200-0000-0102 vlan 10" in dev["interface GigabitEthernet0/0/2"]
    assert "rule 1000 deny" in dev["acl name IXP-IN-GigabitEthernet0-0-2 link"]
    result, out = cli(inv3, secrets3, "push", "--yes")  # committed for good: nothing left to change
    assert out["switches"][0]["status"] == "unchanged", out["switches"][0]["diff"]
