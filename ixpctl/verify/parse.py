"""Parsers for BIRD 2 and 3 ``show protocols all`` and ``show route ... all`` text (birdc's output, codes
stripped). pybird 1.2.0 loses the filtered count, multi-table replies and second paths: these do not.
Anything that does not look like BIRD 2 output raises ``ParseError`` instead of being skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .model import ChannelStats, RouteEntry, Segment, Session


class ParseError(ValueError):
    pass


_TIME = r"(?:\d{4}-\d\d-\d\d(?: \d\d:\d\d:\d\d(?:\.\d+)?)?|\d\d:\d\d:\d\d(?:\.\d+)?)"
_PROTO_LINE = re.compile(r"^(?P<name>\S+)\s+(?P<proto>\S+)\s+(?P<table>\S+)\s+(?P<state>\S+)\s+"
                         rf"(?P<since>{_TIME})\s*(?P<info>.*)$")
_ROUTES = re.compile(r"(\d+) (imported|filtered|exported|preferred)")


_UPDATE_COLUMNS = ("received", "rejected", "filtered", "ignored", "accepted")  # BIRD 2's, and the ones kept


def parse_protocols(text: str) -> list[Session]:
    """``show protocols all`` of BIRD 2 or 3 (BIRD 3 adds a capability list per session and two
    columns to the route change statistics: columns are read by their header's names)."""
    columns = list(_UPDATE_COLUMNS)
    sessions: list[Session] = []
    cur: Session | None = None
    chan: ChannelStats | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("Name ") and "Proto" in line:
            continue
        if line.startswith("BIRD ") and line.rstrip().endswith("ready."):
            continue  # birdc's banner, when the text comes from the birdc client
        if not line[0].isspace():
            m = _PROTO_LINE.match(line)
            if not m:
                raise ParseError(f"not a BIRD 2 protocol line: {line!r}")
            info, _, message = m["info"].strip().partition("  ")  # "Idle   Automatic shutdown: ..."
            cur = Session(m["name"], m["proto"], None if m["table"] == "---" else m["table"], m["state"],
                          m["since"], info.strip(), message=message.strip() or None)
            chan = None
            sessions.append(cur)
            continue
        if cur is None:
            raise ParseError(f"detail line before any protocol: {line!r}")
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if line.startswith("  Channel "):
            chan = ChannelStats(line.split()[1])
            columns = list(_UPDATE_COLUMNS)
            cur.channels.append(chan)
            continue
        if key == "Description":
            cur.description = value
        elif key == "BGP state":
            cur.bgp_state = value
        elif key == "Neighbor address":
            cur.neighbor = value.split("%")[0]
        elif key == "Neighbor AS":
            cur.neighbor_asn = int(value)
        elif key == "Local AS":
            cur.local_asn = int(value)
        elif key == "Neighbor ID":
            cur.neighbor_id = value
        elif key == "Last error":
            cur.last_error = value
        elif key == "Message" and not cur.message:
            cur.message = value
        elif chan is not None:
            if key == "State":
                chan.state = value
            elif key == "Routes":
                for n, kind in _ROUTES.findall(value):
                    setattr(chan, kind, int(n))
            elif key == "Import limit":
                chan.import_limit = int(value.split()[0])
            elif key == "Action" and chan.import_limit is not None and chan.limit_action is None:
                chan.limit_action = value
            elif key == "Route change stats":
                columns = value.split()
            elif key == "Import updates":
                nums = [int(x) if x != "---" else 0 for x in value.split()]
                # by the header's column names: BIRD 3 adds "RX limit" and "limit" before "accepted"
                named = dict(zip([c for c in columns if c != "RX"], nums))
                chan.import_updates = {k: named.get(k, 0) for k in _UPDATE_COLUMNS}
    return sessions


# 198.18.0.0/22        unicast [AS64496_1_v4 2026-11-22 20:01:02.123] * (100) [AS64496i]
_ROUTE_HEAD = re.compile(r"^(?P<prefix>\S+)?\s+(?P<kind>unicast|blackhole|unreachable|prohibited|\w+)\s+"
                         r"\[(?P<proto>\S+)(?: (?P<since>[^\]]*?))?(?: from [^\]]*)?\]\s*(?P<primary>\*)?"
                         r"(?:\s*\((?P<pref>\d+)(?:/\S*)?\))?.*$")


def parse_as_path(text: str) -> tuple[Segment, ...]:
    """BIRD's ``BGP.as_path:`` value: ``64496 {64510 64511} 64499`` → segments."""
    segments: list[Segment] = []
    for m in re.finditer(r"\{([^}]*)\}|\(([^)]*)\)|(\d+)", text):
        if m.group(1) is not None or m.group(2) is not None:
            body = m.group(1) if m.group(1) is not None else m.group(2)
            asns = tuple(int(a) for a in re.findall(r"\d+", body))
            segments.append(("set", asns))
        else:
            asn = int(m.group(3))
            if segments and segments[-1][0] == "seq":
                segments[-1] = ("seq", segments[-1][1] + (asn,))
            else:
                segments.append(("seq", (asn,)))
    return tuple(segments)


_BIRD3_ATTRS = {"bgp_path": "as_path"}


def parse_routes(text: str, *, filtered: bool = False) -> list[RouteEntry]:
    """``show route [filtered] ... all``; every table of the reply, every path of every prefix."""
    return list(iter_routes(text.splitlines(), filtered=filtered))


def iter_routes(lines: Iterable[str], *, filtered: bool = False) -> Iterator[RouteEntry]:
    """The routes of a ``show route ... all`` reply one by one, as its lines arrive: a reader of a
    500 000-route table holds one route at a time, not the whole reply (``serve`` streams the
    control socket through this). A route is yielded once its next route (or the end) is seen."""
    table: str | None = None
    prefix: str | None = None
    cur: RouteEntry | None = None
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("Table "):
            table = line.split()[1].rstrip(":")
            prefix = None
            continue
        if _is_attribute(line):
            if cur is None:
                raise ParseError(f"attribute line before any route: {line!r}")
            _attribute(cur, line.strip())
            continue
        m = _ROUTE_HEAD.match(line)
        if not m:
            raise ParseError(f"not a BIRD 2 route line: {line!r}")
        if m["prefix"]:
            prefix = m["prefix"]
        if prefix is None:
            raise ParseError(f"continuation path without a prefix: {line!r}")
        if cur is not None:
            yield cur
        cur = RouteEntry(prefix, m["proto"], table, bool(m["primary"]), filtered, m["since"])
    if cur is not None:
        yield cur


def _is_attribute(line: str) -> bool:
    return line.startswith(("\t", "        \t")) or (line.startswith(" ") and "[" not in line)


def is_route_head(line: str) -> bool:
    """Whether a reply line starts a route (a path of a prefix): what ``iter_routes`` yields one
    route for, so a reader can count routes it does not build."""
    return bool(line.strip()) and not line.startswith("Table ") and not _is_attribute(line)


def _attribute(cur: RouteEntry, body: str) -> None:
    key, _, value = body.partition(":")
    value = value.strip()
    if body.startswith("via "):
        cur.next_hop = cur.next_hop or body.split()[1]
    elif key.startswith(("BGP.", "bgp_")):
        # BIRD 2 writes "BGP.as_path:", BIRD 3 the filter names: "bgp_path:", "bgp_community:"
        attr = _BIRD3_ATTRS.get(key, key[4:])
        cur.attributes[attr] = value
        if attr == "as_path":
            cur.as_path = parse_as_path(value)
        elif attr == "next_hop":
            cur.next_hop = value.split()[0] if value else None
        elif attr == "local_pref":
            cur.local_pref = int(value)
        elif attr == "origin":
            cur.origin = value
        elif attr == "community":
            cur.communities = sorted({(int(a), int(b)) for a, b in re.findall(r"\((\d+),\s*(\d+)\)", value)})
        elif attr == "med":
            cur.med = int(value)
        elif attr == "ext_community":  # (rt, 64496, 1); IPv4-address-based ones are kept raw only
            cur.ext_communities = sorted({(k, int(a), int(b)) for k, a, b in
                                          re.findall(r"\((\w+),\s*(\d+),\s*(\d+)\)", value)})
        elif attr == "large_community":
            cur.large_communities = sorted({(int(a), int(b), int(c)) for a, b, c in
                                            re.findall(r"\((\d+),\s*(\d+),\s*(\d+)\)", value)})
