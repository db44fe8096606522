"""Send and capture raw Ethernet frames inside a lab namespace (run with `ip netns exec`).

Hand-built frames (no scapy needed), each carrying a token in its payload so the listener can say
exactly which frames crossed the bridge. Usage:
    l2probe.py listen IFACE SECONDS          → prints "ready", then a JSON list of tokens seen
    l2probe.py send IFACE '[{"kind": "udp4", "src": "02:..", "token": "T1"}, ...]'
    l2probe.py serve ADDR PORT SECONDS       → UDP echo server (prints "ready"); exits after one echo
    l2probe.py ask ADDR PORT                 → sends to the server, exit 0 when the echo came back
Kinds: udp4, dhcp-offer, udp6, dhcpv6, ra, bpdu, lldp. serve/ask use the kernel's own stack, so a
reply proves ARP (IPv4) or neighbour discovery (IPv6) worked in both directions through the bridge.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
BCAST = "ff:ff:ff:ff:ff:ff"


def mac(text: str) -> bytes:
    return bytes(int(p, 16) for p in text.split(":"))


def ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_udp(src_ip: str, dst_ip: str, sport: int, dport: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                       socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    head = head[:10] + struct.pack("!H", ipv4_checksum(head)) + head[12:]
    return head + udp


def ipv6(src: str, dst: str, next_header: int, body: bytes, hop_limit: int = 64) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(body), next_header, hop_limit,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + body


def frame(kind: str, src: str, token: str) -> bytes:
    payload = f"IXPTOKEN-{token}-END".encode()
    if kind == "udp4":
        return mac(BCAST) + mac(src) + b"\x08\x00" + ipv4_udp("198.18.0.250", "198.18.0.255", 40000, 40001, payload)
    if kind == "dhcp-offer":
        return mac(BCAST) + mac(src) + b"\x08\x00" + ipv4_udp("198.18.0.250", "255.255.255.255", 67, 68, payload)
    if kind == "udp6":
        udp = struct.pack("!HHHH", 40000, 40001, 8 + len(payload), 0) + payload
        return mac("33:33:00:00:00:01") + mac(src) + b"\x86\xdd" + ipv6("fe80::250", "ff02::1", 17, udp)
    if kind == "dhcpv6":
        udp = struct.pack("!HHHH", 546, 547, 8 + len(payload), 0) + payload
        return mac("33:33:00:01:00:02") + mac(src) + b"\x86\xdd" + ipv6("fe80::250", "ff02::1:2", 17, udp)
    if kind == "ra":
        # ICMPv6 type 134 code 0, checksum 0 (a bridge does not verify it), hop limit, flags, lifetime...
        icmp = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + payload
        return mac("33:33:00:00:00:01") + mac(src) + b"\x86\xdd" + ipv6("fe80::250", "ff02::1", 58, icmp, 255)
    if kind == "bpdu":
        llc = b"\x42\x42\x03" + b"\x00" * 35 + payload
        return mac("01:80:c2:00:00:00") + mac(src) + struct.pack("!H", len(llc)) + llc
    if kind == "lldp":
        return mac("01:80:c2:00:00:0e") + mac(src) + b"\x88\xcc" + payload
    raise SystemExit(f"unknown kind {kind}")


def listen(iface: str, seconds: float) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    sock.settimeout(0.1)
    print("ready", flush=True)
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65535)
        except TimeoutError:
            continue
        seen.update(m.decode() for m in re.findall(rb"IXPTOKEN-([A-Za-z0-9_]+)-END", data))
    print(json.dumps(sorted(seen)), flush=True)


def send(iface: str, spec: str) -> None:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    for item in json.loads(spec):
        for _ in range(3):  # three copies: one lost frame must not make a pass look like a drop
            sock.send(frame(item["kind"], item["src"], item["token"]))
            time.sleep(0.01)


def _udp(addr: str) -> socket.socket:
    return socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)


def serve(addr: str, port: int, seconds: float) -> None:
    sock = _udp(addr)
    sock.bind((addr, port))
    sock.settimeout(seconds)
    print("ready", flush=True)
    data, peer = sock.recvfrom(2048)
    sock.sendto(b"echo:" + data, peer)
    print("served", flush=True)


def ask(addr: str, port: int) -> None:
    sock = _udp(addr)
    sock.settimeout(0.5)
    for _ in range(8):  # the first datagrams may wait for ARP/ND: retry, bounded (about 4 s)
        sock.sendto(b"hello", (addr, port))
        try:
            if sock.recv(2048) == b"echo:hello":
                return
        except TimeoutError:
            continue
    raise SystemExit(f"no echo from {addr}:{port}")


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        ask(sys.argv[2], int(sys.argv[3]))
