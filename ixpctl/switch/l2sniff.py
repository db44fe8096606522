"""Listen on bridge ports for a few seconds and say which source MACs and control frames came in.

    python -m ixpctl.switch.l2sniff SECONDS PORT [PORT...]   (run inside the switch's namespace)

Prints one JSON object: {port: {"macs": [...], "lldp": [system names], "stp": [bridge MACs],
"cdp": [source MACs]}}. A packet socket sees each frame as it enters the port, before the bridge's
nftables rules drop it, so the audit sees exactly what the member sends, including what is filtered.
Needs CAP_NET_RAW (the lab runs as root).
"""

from __future__ import annotations

import json
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
LLDP_TYPE = 0x88CC
STP_DST = bytes.fromhex("0180c2000000")
CDP_DST = bytes.fromhex("01000ccccccc")


def _mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def lldp_system_name(payload: bytes) -> str:
    """The System Name TLV (type 5) of an LLDPDU, else the chassis-ID bytes in hex."""
    i, chassis = 0, ""
    while i + 2 <= len(payload):
        head = int.from_bytes(payload[i:i + 2], "big")
        kind, length = head >> 9, head & 0x1FF
        value = payload[i + 2:i + 2 + length]
        if kind == 0:
            break
        if kind == 1:
            chassis = value[1:].hex()
        if kind == 5:
            return value.decode("utf-8", "replace")
        i += 2 + length
    return chassis or "?"


def sniff(ports: list[str], seconds: float) -> dict[str, dict[str, list[str]]]:
    socks = {}
    for port in ports:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((port, 0))
        socks[s] = port
    seen: dict[str, dict[str, set[str]]] = {p: {"macs": set(), "lldp": set(), "stp": set(), "cdp": set()}
                                            for p in ports}
    deadline = time.monotonic() + seconds
    try:
        while socks and (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(list(socks), [], [], left)
            for s in ready:
                try:
                    data, addr = s.recvfrom(65535)
                except OSError:  # the port went down while listening: nothing more to hear on it
                    socks.pop(s).close()
                    continue
                if addr[2] == PACKET_OUTGOING or len(data) < 14:
                    continue  # only what the member sends into the port
                port = socks[s]
                dst, src, ethertype = data[0:6], data[6:12], int.from_bytes(data[12:14], "big")
                seen[port]["macs"].add(_mac(src))
                if ethertype == LLDP_TYPE:
                    seen[port]["lldp"].add(lldp_system_name(data[14:]))
                elif dst == STP_DST:
                    seen[port]["stp"].add(_mac(src))
                elif dst == CDP_DST:
                    seen[port]["cdp"].add(_mac(src))
    finally:
        for s in list(socks):
            s.close()
    return {p: {k: sorted(v) for k, v in d.items()} for p, d in seen.items()}


if __name__ == "__main__":
    print(json.dumps(sniff(sys.argv[2:], float(sys.argv[1]))))
