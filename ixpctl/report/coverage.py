"""IRR and ROA coverage of routes: is a prefix registered by the member, is it covered by a ROA?

Longest-match trees (pytricia) over the VRPs and the members' IRR prefix ranges, walked up through
every covering entry: the same rules as the route servers' filters (RFC 6811 for ROV; an IRR range
``p^lo-hi`` covers a route inside ``p`` whose length is between lo and hi), recomputed here so that
a report over a route server in "tag" mode or with a filter switched off still shows coverage.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pytricia

from ..sources.facts import PrefixRange, Vrp

RoaState = Literal["valid", "invalid", "not-found"]


class _Tree:
    """One tree per family; each key holds a list of values (several VRPs may share a prefix)."""

    def __init__(self) -> None:
        self.trees = {4: pytricia.PyTricia(32), 6: pytricia.PyTricia(128)}

    def add(self, prefix: str, value: object) -> None:
        tree = self.trees[6 if ":" in prefix else 4]
        if tree.has_key(prefix):
            tree[prefix].append(value)
        else:
            tree[prefix] = [value]

    def covering(self, prefix: str) -> Iterable[tuple[str, list]]:
        tree = self.trees[6 if ":" in prefix else 4]
        key = tree.get_key(prefix)
        while key is not None:
            yield key, tree[key]
            key = tree.parent(key)


def _length(prefix: str) -> int:
    return int(prefix.rsplit("/", 1)[1])


class RoaIndex:
    def __init__(self, vrps: Iterable[Vrp]) -> None:
        self.tree = _Tree()
        for prefix, max_length, asn in vrps:
            self.tree.add(prefix, (max_length, asn))

    def state(self, prefix: str, origin: int | None) -> RoaState:
        length = _length(prefix)
        covered = False
        for _, entries in self.tree.covering(prefix):
            for max_length, asn in entries:
                covered = True
                if origin is not None and asn == origin and asn != 0 and length <= max_length:
                    return "valid"
        return "invalid" if covered else "not-found"


class IrrIndex:
    """The IRR prefix ranges of one member (every expansion of its AS-SETs)."""

    def __init__(self, ranges: Iterable[PrefixRange]) -> None:
        self.tree = _Tree()
        for prefix, low, high in ranges:
            self.tree.add(prefix, (low, high))

    def covers(self, prefix: str) -> bool:
        length = _length(prefix)
        return any(low <= length <= high for _, entries in self.tree.covering(prefix) for low, high in entries)
