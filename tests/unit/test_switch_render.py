"""Switch config rendering: golden files for every platform, syntax checks, and the injection guard.

Honesty note: no vendor NOS runs here (no images, no Docker), so the EOS/NX-OS/IOS/Junos output is
checked against reviewed golden files and parsed by the best offline parser we have (ciscoconfparse
for the indentation dialects, a set-line parser for Junos). That proves structure — sections,
indentation, quoting, that member text never becomes a config line — not that a device accepts
every command. The Linux bridge output is also applied to a real kernel in tests/lab/.

Regenerate the golden files after a deliberate template change with IXPCTL_UPDATE_GOLDEN=1 and review
the diff in git.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from ixpctl.errors import BuildError, ValidationFailed
from ixpctl.inventory import load_inventory
from ixpctl.switch.build import build_switches, render_switches
from ixpctl.switch.linux_bridge import _schema_problems
from ixpctl.switch.platforms import PLATFORMS, get_platform
from ixpctl.switch.render import _finalize, clean_text, environment
from tests.support.builders import write_inventory
from tests.support.switch_builders import HOSTILE_NAME, platform_inventory

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "switch"
ALL = sorted(PLATFORMS)


def render(platform: str, tmp_path: Path):
    loaded = load_inventory(write_inventory(tmp_path, platform_inventory(platform)))
    return render_switches(loaded)[0]


@pytest.mark.parametrize("platform", ALL)
def test_golden(platform, tmp_path):
    text = render(platform, tmp_path).text
    golden = GOLDEN / f"{platform}.cfg"
    if os.environ.get("IXPCTL_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"missing {golden}: run with IXPCTL_UPDATE_GOLDEN=1 and review"
    assert text == golden.read_text(), f"{platform} output changed: review, then IXPCTL_UPDATE_GOLDEN=1"


@pytest.mark.parametrize("platform", ALL)
def test_rendering_is_pure_and_deterministic(platform, tmp_path):
    assert render(platform, tmp_path / "a").text == render(platform, tmp_path / "b").text


# the port-level line that keeps LLDP off (not the capability table in the header comment)
LLDP_OFF = {"eos": r"^\s+no lldp transmit$", "nxos": r"^\s+no lldp transmit$", "ios": r"^\s+no lldp transmit$",
            "junos": r"^set protocols lldp interface \S+ disable$", "huawei_vrp": r"^ lldp admin-status disable$"}


@pytest.mark.parametrize("platform", sorted(LLDP_OFF))
def test_lldp_transmit_is_an_inventory_setting(platform, tmp_path):
    """Off toward members by default; `switches[].lldp_transmit: true` turns it on for that switch."""
    off = re.compile(LLDP_OFF[platform], re.MULTILINE)
    assert off.search(render(platform, tmp_path / "default").text)
    data = platform_inventory(platform)
    data["switches"][0]["lldp_transmit"] = True
    text = render_switches(load_inventory(write_inventory(tmp_path / "on", data)))[0].text
    assert not off.search(text)
    assert "LLDP transmit toward members: ON" in text


def _member_text_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Evil" in line or "root-authentication" in line]


@pytest.mark.parametrize("platform", ["eos", "nxos", "ios"])
def test_cisco_style_parses_and_member_text_stays_in_descriptions(platform, tmp_path):
    from ciscoconfparse import CiscoConfParse

    text = render(platform, tmp_path).text
    parse = CiscoConfParse(text.splitlines(), syntax="nxos" if platform == "nxos" else "ios")
    interfaces = {o.text.split(None, 1)[1] for o in parse.find_objects(r"^interface ")}
    ports = {"eos": ["Ethernet1", "Ethernet2", "Port-Channel10", "Ethernet3", "Ethernet8"],
             "nxos": ["Ethernet1/1", "port-channel10", "Ethernet1/8"],
             "ios": ["GigabitEthernet1/0/1", "Port-channel10", "GigabitEthernet1/0/8"]}[platform]
    assert set(ports) <= interfaces
    assert not any(i.endswith("/9") or i == "Ethernet9" for i in interfaces), "uplinks are not managed"
    for obj in parse.find_objects(r"^interface "):
        assert obj.children, f"{obj.text} has no configuration"
    top = ("!", "vlan ", "no ", "ip ", "ipv6 ", "mac ", "interface ", "default interface ")
    for line in text.splitlines():
        assert line.startswith((" ",) + top), f"unexpected top-level line: {line!r}"
    for line in _member_text_lines(text):
        assert line.lstrip().startswith(("description ", "! ")), line
    hostile = parse.find_objects(r"^interface .*7$")[0]
    assert [c.text.strip() for c in hostile.children if "Evil" in c.text] == [
        "description AS64506 Evil Corp interface Vlan1 shutdown rm Segou"]
    # disabled and planned ports are shut, active ones are not
    for suffix, shut in (("1", False), ("5", True), ("6", True)):
        obj = parse.find_objects(rf"^interface \D*{'1/0/' if platform == 'ios' else ('1/' if platform == 'nxos' else '')}{suffix}$")[0]
        children = [c.text.strip() for c in obj.children]
        assert ("shutdown" in children) is shut and ("no shutdown" in children) is (not shut)


def test_junos_set_lines_parse(tmp_path):
    text = render("junos", tmp_path).text
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        words = shlex.split(line)  # raises on an unbalanced quote
        assert words[0] in ("set", "delete"), line
        assert words.count("[") == words.count("]"), line
        assert not any(ch in line for ch in "{};"), line
    for line in _member_text_lines(text):
        assert line.startswith(("# ", "set interfaces ge-0/0/7 description ")), line
    assert 'set interfaces ge-0/0/7 description "AS64506 Evil Corp interface Vlan1 shutdown rm Segou"' in text
    assert "set interfaces ge-0/0/5 disable" in text and "set interfaces ge-0/0/6 disable" in text
    assert "set interfaces ge-0/0/1 disable" not in text
    assert "set interfaces ge-0/0/3 ether-options 802.3ad ae0" in text
    assert "set chassis aggregated-devices ethernet device-count 1" in text
    assert get_platform("junos").push_text(text).count("#") == 0  # comments stripped before load


def test_linux_bridge_document_is_what_the_driver_accepts(tmp_path):
    text = render("linux_bridge", tmp_path).text
    doc = json.loads(text)
    assert _schema_problems(doc, "sw1") == []
    assert doc["ports"]["p1"]["macs"] == ["02:00:00:00:00:01"] and doc["ports"]["p1"]["state"] == "up"
    assert doc["ports"]["p5"]["state"] == doc["ports"]["p6"]["state"] == "down"
    assert "mac-allow" not in doc["ports"]["p6"]["guards"]  # planned member without MACs
    assert doc["ports"]["p7"]["description"] == "AS64506 Evil Corp interface Vlan1 shutdown rm Segou"
    assert "p9" not in doc["ports"]  # uplink


def test_limited_render_keeps_only_the_selected_port(tmp_path):
    full = render("eos", tmp_path)
    limited = full.limited({"Ethernet3"})
    assert limited.section_keys() == ["Port-Channel10"]  # a LAG member selects its whole bundle
    assert "interface Ethernet1\n" not in limited.text and "interface Ethernet4\n" in limited.text
    assert "vlan 10" in limited.text  # the shared part always comes along
    lb = render("linux_bridge", tmp_path / "lb").limited({"p2"})
    assert list(json.loads(lb.text)["ports"]) == ["p2"]


@pytest.mark.parametrize("value", ['a b', 'x"y', "line\nbreak", "{", "}", ";", "#", "!", "a\\b", "?"])
def test_finalize_refuses_raw_text(value):
    with pytest.raises(BuildError):
        _finalize(value)


def test_a_template_that_prints_raw_member_text_is_refused():
    env = environment()
    with pytest.raises(BuildError, match="not an identifier"):
        env.from_string("description {{ name }}\n").render(name=HOSTILE_NAME)
    assert env.from_string("description {{ name|desc }}").render(name=HOSTILE_NAME) == \
        "description Evil Corp interface Vlan1 shutdown rm Segou"


def test_clean_text_is_one_safe_line():
    for raw in [HOSTILE_NAME, "\x00\x1b[31m", "é" * 200, ""]:
        out = clean_text(raw)
        assert re.fullmatch(r"[A-Za-z0-9 .,:_()/@+=-]{1,64}", out), out


def test_wrong_lag_name_for_the_platform(tmp_path):
    data = platform_inventory("eos")
    data["members"][2]["connections"][0]["lag"] = "ae0"
    loaded = load_inventory(write_inventory(tmp_path, data))
    with pytest.raises(BuildError, match="not a LAG interface name on Arista EOS") as err:
        render_switches(loaded)
    assert "Port-Channel10" in err.value.fix


def test_linux_bridge_refuses_lags(tmp_path):
    data = platform_inventory("linux_bridge")
    data["members"].append({**data["members"][0], "asn": 64510, "connections": [{
        "ipv4": "192.0.2.40", "switch": "sw1", "ports": ["p3", "p4"], "lag": "bond0", "macs": []}]})
    with pytest.raises(BuildError, match="LAGs are not supported"):
        render_switches(load_inventory(write_inventory(tmp_path, data)))


def test_invalid_inventory_is_not_rendered(tmp_path):
    data = platform_inventory("eos")
    data["members"][1]["connections"][0]["ports"] = ["Ethernet1"]  # port used twice
    with pytest.raises(ValidationFailed):
        render_switches(load_inventory(write_inventory(tmp_path, data)))


def test_build_writes_every_switch_atomically(tmp_path, repo_root):
    loaded = load_inventory(repo_root / "inventory" / "mlix.yml")
    built = build_switches(loaded, tmp_path / "out")
    assert sorted(p.path.name for p in built) == ["sw1.cfg", "sw2.cfg"]
    assert not [p for p in (tmp_path / "out" / "switch").iterdir() if p.name.startswith(".")]
    sw1 = (tmp_path / "out" / "switch" / "sw1.cfg").read_text()
    assert "interface Port-Channel10" in sw1 and "channel-group 10 mode active" in sw1
    assert built[0].summary()["capabilities"]["ra_guard"]["level"] == "partial"


def test_every_platform_declares_every_capability_and_has_templates(repo_root):
    from ixpctl.switch.platforms import CAPABILITY_KEYS
    for name, platform in PLATFORMS.items():
        assert set(platform.supports) == set(CAPABILITY_KEYS), name
        for t in ("global.j2", "port.j2", "unused.j2"):
            assert (repo_root / "templates" / "switch" / name / t).is_file(), (name, t)
