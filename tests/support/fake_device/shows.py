"""What the modelled devices print for show/display commands: the formats netmiko users and the
NAPALM SSH drivers parse (taken from the vendors' documented sample output)."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Config


def short_vrp(name: str) -> str:
    """VRP tables (MAC, LLDP) print short names: GigabitEthernet0/0/1 → GE0/0/1."""
    for long, short in (("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE")):
        if name.startswith(long):
            return short + name[len(long):]
    return name


def interfaces(cfg: Config, live: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every interface the device has: configured ones and those the live state names."""
    out: dict[str, dict[str, Any]] = {}
    names = [k.split(None, 1)[1] for k in cfg.blocks if k.startswith("interface ")]
    names += [n for n in (live.get("interfaces") or {}) if n not in names]
    for name in names:
        children = cfg.blocks.get(f"interface {name}", [])
        state = dict((live.get("interfaces") or {}).get(name, {}))
        admin = "shutdown" not in children
        desc = next((c.split(None, 1)[1] for c in children if c.startswith("description ")), "")
        out[name] = {"admin": admin, "up": admin and bool(state.get("up", False)), "description": desc,
                     **{k: int(state.get(k, 0)) for k in ("rx_errors", "tx_errors", "rx_packets", "tx_packets")}}
    return out


def huawei(cmd: str, cfg: Config, live: dict[str, Any]) -> str | None:
    h = cfg.hostname
    if cmd == "display current-configuration":
        return f"!Software Version V200R019C10SPC500\n#\nsysname {h}\n#\n" + cfg.text() + "return\n"
    m = re.fullmatch(r"display current-configuration \| inc(?:lude)? (.+)", cmd)
    if m:
        lines = [f"sysname {h}", *cfg.text().splitlines()]
        return "\n".join(line for line in lines if m.group(1) in line) + "\n"
    m = re.fullmatch(r"display current-configuration interface (\S+)", cmd)
    if m:
        return "#\n" + cfg.block_text(f"interface {m.group(1)}") + "#\nreturn\n"
    if cmd == "display version":
        return ("Huawei Versatile Routing Platform Software\n"
                "VRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)\n"
                "Copyright (C) 2000-2020 HUAWEI TECH CO., LTD\n"
                "HUAWEI S5720-28X-SI-AC Routing Switch uptime is 0 week, 1 day, 2 hours, 3 minutes\n")
    if cmd == "display esn":
        return "ESN of slot 0: 2102351931P0FAKE0001\n"
    ifs = interfaces(cfg, live)
    if cmd == "display interface brief":
        rows = ["PHY: Physical", "*down: administratively down", "",
                "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors"]
        for n, i in ifs.items():
            phy = "up" if i["up"] else ("down" if i["admin"] else "*down")
            rows.append(f"{n:<27} {phy:<5} {'up' if i['up'] else 'down':<8}  0%     0%   "
                        f"{i['rx_errors']:>9} {i['tx_errors']:>10}")
        return "\n".join(rows) + "\n"
    if cmd == "display interface":
        out = []
        for n, i in ifs.items():
            state = "UP" if i["up"] else ("DOWN" if i["admin"] else "Administratively DOWN")
            out += [f"{n} current state : {state}", f"Line protocol current state : {'UP' if i['up'] else 'DOWN'}",
                    f"Description:{i['description']}",
                    "Switch Port, PVID :   10, TPID : 8100(Hex), The Maximum Frame Length is 9216", "Speed : 1000,  Loopback: NONE",
                    f"Input:  {i['rx_packets']} packets, {i['rx_packets'] * 128} bytes",
                    f"  Unicast:  {i['rx_packets']},  Multicast:  0", "  Broadcast:  0,  Jumbo:  0",
                    f"  Discard:  0,  Total Error:  {i['rx_errors']}",
                    f"Output:  {i['tx_packets']} packets, {i['tx_packets'] * 128} bytes",
                    f"  Unicast:  {i['tx_packets']},  Multicast:  0", "  Broadcast:  0,  Jumbo:  0",
                    f"  Discard:  0,  Total Error:  {i['tx_errors']}", ""]
        return "\n".join(out) + "\n"
    if cmd == "display mac-address":
        rows = ["-------------------------------------------------------------------------------",
                "MAC Address    VLAN/VSI/BD   Learned-From        Type",
                "-------------------------------------------------------------------------------"]
        for e in live.get("macs") or []:
            mac = e["mac"].replace(":", "").lower()
            mac = f"{mac[0:4]}-{mac[4:8]}-{mac[8:12]}"
            rows.append(f"{mac} {str(e['vlan']) + '/-/-':<13} {short_vrp(e['interface']):<19} "
                        f"{e.get('type', 'dynamic'):<9} ")
        rows.append("-------------------------------------------------------------------------------")
        rows.append(f"Total items displayed = {len(live.get('macs') or [])}")
        return "\n".join(rows) + "\n"
    if cmd == "display lldp neighbor brief":
        rows = ["Local Intf       Neighbor Dev             Neighbor Intf             Exptime(s)"]
        for e in live.get("lldp") or []:
            # VRP pads every column, the last one too (the driver's parser needs the trailing blanks)
            rows.append(f"{short_vrp(e['local']):<16} {e['hostname']:<24} {e['port']:<25} {101:<10}")
        return "\n".join(rows) + "\n"
    return None


def cisco(cmd: str, cfg: Config, live: dict[str, Any]) -> str | None:
    h = cfg.hostname
    nx = cfg.dialect == "nxos"
    m = re.fullmatch(r"show running-config \| inc(?:lude)? (.+)", cmd)
    if m:
        return "\n".join(line for line in cfg.text().splitlines() if m.group(1) in line) + "\n"
    if cmd in ("show running-config", "show running-config all"):
        head = f"!Command: {cmd}\n!Running configuration last done at: Fri Dec  4 01:00:00 2026\n!\n"
        return head + f"hostname {h}\n!\n" + cfg.text() + ("" if nx else "end\n")
    m = re.fullmatch(r"show running-config interface (\S+)", cmd)
    if m:
        return f"!Command: {cmd}\n!\n" + cfg.block_text(f"interface {m.group(1)}")
    if cmd == "show version":
        if nx:
            return ("Cisco Nexus Operating System (NX-OS) Software\nSoftware\n  NXOS: version 9.3(8)\n"
                    "Hardware\n  cisco Nexus9000 C93180YC-EX chassis\n\n"
                    "Kernel uptime is 1 day(s), 2 hour(s), 3 minute(s), 4 second(s)\n")
        return ("Cisco IOS Software [Gibraltar], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 16.12.4, "
                f"RELEASE SOFTWARE (fc5)\n{h} uptime is 1 day, 2 hours, 3 minutes\n"
                "cisco C9300-48P (X86) processor with 1392780K/6147K bytes of memory.\n"
                "Processor board ID FOC0000FAKE\n")
    if cmd == "show hostname":
        return f"{h}\n"
    if cmd == "show hosts":
        if not nx:
            return "Default domain is lab.example\nName/address lookup uses domain service\n"
        return "DNS lookup enabled\nDefault domain for vrf:default is lab.example\n"
    if cmd == "show ip interface brief":
        rows = ["Interface              IP-Address      OK? Method Status                Protocol"]
        for n, i in interfaces(cfg, live).items():
            st = "up" if i["up"] else ("down" if i["admin"] else "administratively down")
            rows.append(f"{n:<22} unassigned      YES unset  {st:<21} {'up' if i['up'] else 'down'}")
        return "\n".join(rows) + "\n"
    if cmd == "show interface status":
        rows = ["--------------------------------------------------------------------------------",
                "Port          Name               Status    Vlan      Duplex  Speed   Type",
                "--------------------------------------------------------------------------------"]
        for n, i in interfaces(cfg, live).items():
            status = "connected" if i["up"] else ("notconnec" if i["admin"] else "disabled")
            rows.append(f"{n:<13} {'--':<18} {status:<9} 10        full    10G     10Gbase-SR")
        return "\n".join(rows) + "\n"
    if cmd == "show cdp neighbors detail":
        blocks = ["-------------------------\n"
                  f"Device ID: {e['hostname']}\nEntry address(es):\n  IP address: 192.0.2.250\n"
                  "Platform: cisco ISR4331,  Capabilities: Router Switch IGMP\n"
                  f"Interface: {e['local']},  Port ID (outgoing port): {e['port']}\nHoldtime : 150 sec\n"
                  for e in live.get("cdp") or []]
        return "".join(blocks) + f"\nTotal cdp entries displayed : {len(blocks)}\n"
    if cmd == "show interfaces status err-disabled" and not nx:
        rows = ["", "Port         Name               Status       Reason               Err-disabled Vlans"]
        rows += [f"{short_ios(p):<12} {'':<18} err-disabled {r}" for p, r in (live.get("errdisabled") or {}).items()]
        return "\n".join(rows) + "\n"
    out = (_nxos_live if nx else _ios_live)(cmd, cfg, live)
    if out is not None:
        return out
    if cmd == "show inventory":
        return 'NAME: "Chassis",  DESCR: "Nexus9000 Chassis"\nPID: N9K-C93180YC-EX   ,  VID: V03 ,  SN: FDO0FAKE\n'
    return None


def short_ios(name: str) -> str:
    """IOS tables print Gi1/0/1 for GigabitEthernet1/0/1."""
    for long, short in (("TenGigabitEthernet", "Te"), ("GigabitEthernet", "Gi"), ("Port-channel", "Po")):
        if name.startswith(long):
            return short + name[len(long):]
    return name


def _ios_live(cmd: str, cfg: Config, live: dict[str, Any]) -> str | None:
    """Catalyst (IOS-XE) formats of the MAC table, LLDP detail and `show interfaces`."""
    if cmd in ("show mac address-table", "show mac-address-table"):
        rows = ["          Mac Address Table", "-------------------------------------------", "",
                "Vlan    Mac Address       Type        Ports", "----    -----------       --------    -----"]
        for e in live.get("macs") or []:
            d = e["mac"].replace(":", "").lower()
            rows.append(f"{e['vlan']:>4}    {d[0:4]}.{d[4:8]}.{d[8:12]}    {e.get('type', 'DYNAMIC').upper():<11} "
                        f"{short_ios(e['interface'])}")
        return "\n".join(rows) + "\n"
    if cmd == "show lldp neighbors detail":
        blocks = []
        for e in live.get("lldp") or []:
            blocks.append("\n".join([
                "------------------------------------------------", f"Local Intf: {short_ios(e['local'])}",
                "Chassis id: 0200.00aa.0001", f"Port id: {e['port']}", "Port Description: - not advertised",
                f"System Name: {e['hostname']}", "", "System Description: ", "Juniper Networks, Inc.", "",
                "Time remaining: 109 seconds", "System Capabilities: B,R", "Enabled Capabilities: R",
                "Management Addresses - not advertised", ""]))
        return "\n".join(blocks) + f"\nTotal entries displayed: {len(blocks)}\n"
    if cmd == "show interface summary":
        return " *: interface is up\n"
    if cmd == "show interfaces":
        out = []
        for n, i in interfaces(cfg, live).items():
            state = "up" if i["up"] else ("down" if i["admin"] else "administratively down")
            out += [f"{n} is {state}, line protocol is {'up (connected)' if i['up'] else 'down (notconnect)'}",
                    "  Hardware is Gigabit Ethernet, address is 0200.aaaa.0001 (bia 0200.aaaa.0001)",
                    *([f"  Description: {i['description']}"] if i["description"] else []),
                    "  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec,",
                    f"     {i['rx_packets']} packets input, {i['rx_packets'] * 128} bytes, 0 no buffer",
                    "     Received 0 broadcasts (0 multicasts)",
                    f"     {i['rx_errors']} input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
                    f"     {i['tx_packets']} packets output, {i['tx_packets'] * 128} bytes, 0 underruns",
                    f"     {i['tx_errors']} output errors, 0 collisions, 1 interface resets"]
        return "\n".join(out) + "\n"
    return None


def _nxos_live(cmd: str, cfg: Config, live: dict[str, Any]) -> str | None:
    """Nexus formats of the MAC table, LLDP detail, `show interface` (text and `| json`)."""
    if cmd == "show mac address-table":
        rows = ["Legend:", "        * - primary entry, G - Gateway MAC, (R) - Routed MAC, O - Overlay MAC",
                "        age - seconds since last seen,+ - primary entry using vPC Peer-Link,",
                "        (T) - True, (F) - False, C - ControlPlane MAC, ~ - vsan",
                "   VLAN     MAC Address      Type      age     Secure NTFY Ports",
                "---------+-----------------+--------+---------+------+----+------------------"]
        for e in live.get("macs") or []:
            d = e["mac"].replace(":", "").lower()
            port = e["interface"].replace("Ethernet", "Eth")
            rows.append(f"* {e['vlan']:<8} {d[0:4]}.{d[4:8]}.{d[8:12]}    dynamic  0         F      F    {port}")
        return "\n".join(rows) + "\n"
    if cmd == "show lldp neighbors detail":
        blocks = []
        for e in live.get("lldp") or []:
            blocks.append("\n".join([
                "Chassis id: 0200.00aa.0001", f"Port id: {e['port']}", f"Local Port id: {e['local'].replace('Ethernet', 'Eth')}",
                "Port Description: null", f"System Name: {e['hostname']}", "System Description: Juniper Networks, Inc.",
                "Time remaining: 101 seconds", "System Capabilities: B, R", "Enabled Capabilities: R",
                "Management Address: not advertised", "Vlan ID: not advertised", ""]))
        return "Capability codes:\n  (R) Router, (B) Bridge\n\n" + "\n".join(blocks) + \
            f"\nTotal entries displayed: {len(blocks)}\n"
    ifs = interfaces(cfg, live)
    if cmd == "show interface":
        out = []
        for n, i in ifs.items():
            state = "up" if i["up"] else ("down (Administratively down)" if not i["admin"] else "down (Link not connected)")
            out += [f"{n} is {state}", f"admin state is {'up' if i['admin'] else 'down'}, Dedicated Interface",
                    "  Hardware: 100/1000/10000 Ethernet, address: 0200.aaaa.0001 (bia 0200.aaaa.0001)",
                    *([f"  Description: {i['description']}"] if i["description"] else []),
                    "  MTU 1500 bytes, BW 10000000 Kbit , DLY 10 usec",
                    f"    {i['rx_errors']} input error  0 short frame  0 overrun   0 underrun  0 ignored",
                    f"    {i['tx_errors']} output error  0 collision  0 deferred  0 late collision", ""]
        return "\n".join(out) + "\n"
    if cmd in ("show interface | json", "show interface counters detailed | json"):
        rows = [{"interface": n, "eth_inerr": i["rx_errors"], "eth_outerr": i["tx_errors"], "eth_indiscard": 0,
                 "eth_outdiscard": 0, "eth_inbytes": i["rx_packets"] * 128, "eth_outbytes": i["tx_packets"] * 128,
                 "eth_inucast": i["rx_packets"], "eth_outucast": i["tx_packets"], "eth_inmcast": 0, "eth_outmcast": 0,
                 "eth_inbcast": 0, "eth_outbcast": 0} for n, i in ifs.items()]
        return json.dumps({"TABLE_interface": {"ROW_interface": rows}}) + "\n"
    return None
