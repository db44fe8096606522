"""One OpenBGPD route server, read through ``bgpctl -j``: sessions and routes as the same typed
data the BIRD reader returns (``Session``, ``RouteEntry``), so the conformance judge, ``ixpctl
sessions`` and ``ixpctl routes`` need not know which daemon answered.

Where the routes are: accepted ones in the Loc-RIB (``show rib``), rejected ones with their reason
tag in the ``Rejected`` RIB the generated config keeps (``show rib table Rejected``: filtered=True),
and routes bgpd treated as withdrawn before any filter (``reject as-set yes``, malformed
attributes) in the Adj-RIB-In flagged Error (``show rib in error``): filtered=True, no reason tag,
``attributes["bgpd"] = "error"``. Session names are the neighbours' ``descr`` (the Intent's names).

bgpctl prints a MED of 0 when the route carried none (its JSON has no "absent"): ``med`` is that
number and ``attributes["med"] = "0 or none"`` says so.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from ipaddress import ip_network
from typing import Any

from ..errors import IxpctlError
from .model import ChannelStats, RouteEntry, Session
from .parse import parse_as_path

REJECTED_RIB = "Rejected"  # render.openbgpd_rules.REJECTED_RIB (verify may not import render)
_WELL_KNOWN = {"GRACEFUL_SHUTDOWN": (65535, 0), "BLACKHOLE": (65535, 666), "NO_EXPORT": (65535, 65281),
               "NO_ADVERTISE": (65535, 65282), "NO_EXPORT_SUBCONFED": (65535, 65283), "NO_PEER": (65535, 65284)}
_EXT = {"rt": "rt", "soo": "ro"}  # OpenBGPD's subtype names → BIRD's, as RouteEntry spells them


class BgpctlError(IxpctlError):
    exit_code = 3


class BgpctlClient:
    def __init__(self, socket_path: str, rs_asn: int | None = None, timeout: float = 15.0,
                 binary: str = "bgpctl", max_bytes: int = 512 * 1024 * 1024):
        self.socket_path, self.timeout, self.binary = str(socket_path), timeout, binary
        self.max_bytes = max_bytes  # bgpctl's JSON of a whole RIB: bounded like BIRD's replies
        self.rs_asn = rs_asn

    def query(self, *args: str) -> dict[str, Any]:
        argv = [self.binary, "-j", "-s", self.socket_path, *args]
        try:
            code, out, err = _run_bounded(argv, self.timeout, self.max_bytes)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BgpctlError(f"bgpctl {' '.join(args)} on {self.socket_path}: {exc}") from None
        if code is None:
            raise BgpctlError(f"bgpctl {' '.join(args)} on {self.socket_path}: the reply is larger than "
                              f"{self.max_bytes} bytes", fix="ask for one neighbour or one prefix")
        if code != 0:
            raise BgpctlError(f"bgpctl {' '.join(args)} on {self.socket_path}: {(err or out).strip()}")
        text = out.strip()
        try:
            return json.loads(text) if text else {}
        except json.JSONDecodeError as exc:
            raise BgpctlError(f"bgpctl {' '.join(args)}: not JSON ({exc}): {text[:200]!r}") from None

    # --- sessions ----------------------------------------------------------------------------
    def sessions(self, *, counts: bool = False) -> list[Session]:
        """The BGP neighbours. ``counts``: also how many of each one's routes the filters accepted
        (its paths in the Loc-RIB; one more ``show rib`` query), as BIRD's "imported"; "filtered"
        is then received minus accepted (bgpd counts every prefix received, filtered ones too)."""
        found = parse_neighbors(self.query("show", "neighbor"))
        if counts:
            accepted = Counter(_neighbor_name(r) for r in self.query("show", "rib").get("rib", []))
            for session in found:
                for ch in session.channels:
                    ch.imported = accepted.get(session.name, 0)
                    ch.filtered = max(ch.import_updates.get("received", 0) - ch.imported, 0)
        return found

    def protocols(self) -> list[Session]:
        """The BGP sessions and the RTR sessions (proto "RPKI", like BIRD's rpki protocols)."""
        return self.sessions() + self.rtr_sessions()

    def rtr_sessions(self) -> list[Session]:
        rtrs = self.query("show", "rtr").get("rtrs", [])
        return [Session(str(r.get("descr") or r.get("remote_addr")), "RPKI", None, _rtr_state(r), None,
                        _rtr_state(r), neighbor=r.get("remote_addr"),
                        last_error=str(r.get("last_recv_error") or r.get("last_sent_error") or "") or None)
                for r in rtrs]

    def session(self, name: str) -> Session:
        for s in self.sessions():
            if s.name == name:
                return s
        raise BgpctlError(f"no BGP neighbor described {name} on {self.socket_path}")

    def member_sessions(self, asn: int) -> list[Session]:
        found = [s for s in self.sessions() if s.neighbor_asn == asn]
        if not found:
            raise BgpctlError(f"AS{asn} has no BGP session on this route server ({self.socket_path})")
        return found

    # --- routes ------------------------------------------------------------------------------
    def rib(self, *, rejected: bool = False, neighbor: str | None = None) -> list[RouteEntry]:
        args = ["show", "rib"] + (["table", REJECTED_RIB] if rejected else [])
        args += ["neighbor", neighbor] if neighbor else []
        return [_route(r, REJECTED_RIB if rejected else "Loc-RIB", rejected)
                for r in self.query(*args, "detail").get("rib", [])]

    def errors(self) -> list[RouteEntry]:
        """Routes bgpd treated as withdrawn (RFC 7606) before any filter, one query per neighbour
        (``show rib in`` needs one)."""
        out = []
        for s in self.sessions():
            if not s.established or not s.neighbor:
                continue
            for r in self.query("show", "rib", "in", "error", "neighbor", s.neighbor, "detail").get("rib", []):
                entry = _route(r, "Adj-RIB-In", True)
                entry.attributes["bgpd"] = "error"
                out.append(entry)
        return out

    def all_routes(self) -> list[RouteEntry]:
        """Accepted, rejected (with reasons) and treated-as-withdrawn routes of every neighbour."""
        try:
            rejected = self.rib(rejected=True)
        except BgpctlError as exc:  # a config without reject_policy.keep_filtered has no such RIB
            if "table" not in exc.message.lower() and "rib" not in exc.message.lower():
                raise
            rejected = []
        return self.rib() + rejected + self.errors()

    def member_routes(self, asn: int, *, filtered: bool = False, accepted: bool = True) -> list[RouteEntry]:
        """Routes received from member ``asn``, every session: accepted, filtered, or both (see
        ``neighbor_routes``)."""
        out: list[RouteEntry] = []
        for s in self.member_sessions(asn):
            if s.neighbor:
                out += self.neighbor_routes(s.neighbor, accepted=accepted, filtered=filtered)
        return out

    def routes(self, *, protocol: str | None = None, prefix: str | None = None, filtered: bool = False,
               table: str | None = None) -> list[RouteEntry]:
        """BIRD's reader's ``routes`` for the lab's scenario runner: ``protocol`` is a session name
        (the neighbour's descr), ``filtered`` the rejected routes instead of the accepted ones;
        ``table`` is BIRD's (master4/6) and selects nothing here."""
        del table
        if protocol is not None:
            found = [self.session(protocol)]
        else:
            found = self.sessions()
        out: list[RouteEntry] = []
        for s in found:
            if s.neighbor:
                out += self.neighbor_routes(s.neighbor, accepted=not filtered, filtered=filtered)
        if prefix is not None:
            want = ip_network(prefix, strict=False)
            out = [r for r in out if ip_network(r.prefix, strict=False) == want]
        return out

    def neighbor_routes(self, neighbor: str, *, accepted: bool = True, filtered: bool = False) -> list[RouteEntry]:
        """One neighbour's routes:

        - accepted: its paths in the Loc-RIB;
        - filtered: its paths in the ``Rejected`` RIB, with the reason tag (RS, 65520, code); the
          paths bgpd treated as withdrawn (``show rib in error``: attributes["bgpd"] = "error", no
          tag); and any other path of its Adj-RIB-In that reached neither RIB (attributes["bgpd"]
          = "filtered": a config without reject_policy.keep_filtered, no tag either).
        """
        loc = self.rib(neighbor=neighbor)
        out = loc if accepted else []
        if not filtered:
            return out
        try:
            rejected = self.rib(rejected=True, neighbor=neighbor)
        except BgpctlError as exc:  # a config without reject_policy.keep_filtered has no such RIB
            if "table" not in exc.message.lower() and "rib" not in exc.message.lower():
                raise
            rejected = []
        errors = [_route(r, "Adj-RIB-In", True) for r in
                  self.query("show", "rib", "in", "error", "neighbor", neighbor, "detail").get("rib", [])]
        for e in errors:
            e.attributes["bgpd"] = "error"
        seen = {r.prefix for r in loc + rejected + errors}
        rest = [_route(r, "Adj-RIB-In", True) for r in
                self.query("show", "rib", "in", "neighbor", neighbor, "detail").get("rib", [])
                if str(r.get("prefix")) not in seen]
        for r in rest:
            r.attributes["bgpd"] = "filtered"
        return out + rejected + errors + rest


def _run_bounded(argv: list[str], timeout: float, max_bytes: int) -> tuple[int | None, str, str]:
    """Run bgpctl and read at most ``max_bytes`` of its output: (exit code, stdout, stderr), the code
    None when the output went past the bound (bgpctl is killed then, nothing more is read)."""
    with tempfile.TemporaryFile() as err, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err) as proc:
        assert proc.stdout is not None
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + timeout
        try:
            with selectors.DefaultSelector() as sel:
                sel.register(proc.stdout, selectors.EVENT_READ)
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise subprocess.TimeoutExpired(argv, timeout)
                    if not sel.select(left):
                        continue
                    chunk = os.read(proc.stdout.fileno(), 1 << 16)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        return None, "", ""
                    chunks.append(chunk)
            code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
        err.seek(0)
        return code, b"".join(chunks).decode("utf-8", "replace"), err.read(65536).decode("utf-8", "replace")


def _rtr_state(r: dict[str, Any]) -> str:
    """An RTR session's state: bgpctl 8.x says it ("state"); 7.7 does not, but only a session that
    received data has a session id and runs its refresh timer (otherwise it waits on the retry one)."""
    if r.get("state"):
        state = str(r["state"])
        return "Established" if state.lower() == "established" else state
    timers = {str(t.get("name", "")) for t in r.get("timers", []) if isinstance(t, dict)}
    return "Established" if "session_id" in r and "RTR RefreshTimer" in timers else "Connect"


def parse_neighbors(data: dict[str, Any]) -> list[Session]:
    """``bgpctl -j show neighbor`` (already decoded) as Sessions (deploy reads it over ssh)."""
    return [_session(n) for n in data.get("neighbors", [])]


def _neighbor_name(r: dict[str, Any]) -> str:
    neighbor = r.get("neighbor") or {}
    return str(neighbor.get("description") or neighbor.get("remote_addr"))


def _since(n: dict[str, Any]) -> str | None:
    """bgpctl gives the age of the last state change ("last_updown_sec"); BIRD a time: made one."""
    age = n.get("last_updown_sec")
    if not isinstance(age, int) or age < 0 or age > 10 ** 9:  # bgpd says "Never" as no number
        return None
    return (datetime.now() - timedelta(seconds=age)).strftime("%Y-%m-%d %H:%M:%S")


def _channel(n: dict[str, Any]) -> ChannelStats:
    """One ChannelStats per neighbour (ixpctl renders one neighbour per address family)."""
    config, stats = n.get("config") or {}, n.get("stats") or {}
    prefixes = stats.get("prefixes") or {}
    family = "ipv6" if ":" in str(n.get("remote_addr", "")) else "ipv4"
    limit = config.get("max_prefix")
    restart = config.get("max_prefix_restart")
    received, sent = int(prefixes.get("received", 0) or 0), int(prefixes.get("sent", 0) or 0)
    return ChannelStats(family, str(n.get("state", "?")), exported=sent,
                        import_limit=int(limit) if limit else None,
                        limit_action=(f"restart {restart} min" if restart else "disable") if limit else None,
                        import_updates={"received": received})


def _session(n: dict[str, Any]) -> Session:
    state = str(n.get("state", "?"))
    error = n.get("last_error") or n.get("last_error_received") or n.get("last_error_sent")
    shutdown = n.get("last_shutdown_communication") or n.get("shutdown_communication")
    return Session(str(n.get("description") or n.get("remote_addr")), "BGP", n.get("group"),
                   "up" if state == "Established" else "down", _since(n), state,
                   message=str(shutdown) if shutdown else None, description=n.get("description"),
                   bgp_state=state, neighbor=n.get("remote_addr"),
                   neighbor_asn=int(n["remote_as"]) if str(n.get("remote_as", "")).isdigit() else None,
                   neighbor_id=n.get("bgpid"), last_error=str(error) if error else None,
                   channels=[_channel(n)])


def _community(text: str) -> tuple[int, int]:
    if text in _WELL_KNOWN:
        return _WELL_KNOWN[text]
    a, b = text.split(":")
    return int(a), int(b)


def _ext(text: str) -> tuple[str, int, int] | None:
    kind, _, value = text.partition(" ")
    parts = value.split(":")
    if kind not in _EXT or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None  # not an AS-based route target / origin: RouteEntry keeps those only
    return _EXT[kind], int(parts[0]), int(parts[1])


def _route(r: dict[str, Any], table: str, filtered: bool) -> RouteEntry:
    neighbor = r.get("neighbor") or {}
    ext = [e for e in (_ext(str(x)) for x in r.get("extended_communities", [])) if e]
    return RouteEntry(
        prefix=str(r["prefix"]), protocol=str(neighbor.get("description") or neighbor.get("remote_addr")),
        table=table, primary=bool(r.get("best", False)), filtered=filtered, since=r.get("last_update"),
        as_path=parse_as_path(str(r.get("aspath", ""))), next_hop=r.get("exit_nexthop"),
        local_pref=r.get("localpref"), origin=r.get("origin"),
        communities=[_community(str(c)) for c in r.get("communities", [])],
        large_communities=[tuple(int(p) for p in str(c).split(":")) for c in r.get("large_communities", [])],  # type: ignore[misc]
        med=r.get("metric"), ext_communities=ext, attributes={"med": "0 or none"} if not r.get("metric") else {},
    )


__all__ = ["BgpctlClient", "BgpctlError", "parse_neighbors"]
