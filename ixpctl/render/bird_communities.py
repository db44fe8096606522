"""BIRD expressions for the policy's communities (``ixpctl.policy.communities``), used by the templates.

The templates never spell a community value: they ask ``c.match("do_not_announce_to_peer")`` for a
boolean expression, ``c.add("rpki_valid")`` for statements, ``c.scrub()`` for the deletions before
export. Which forms exist follows the policy (``communities.standard`` / ``large`` switch whole
families off, ``prepend`` the prepend entries) and the ASNs involved: a standard community cannot
carry a 32-bit ASN, so a standard form naming the route server is left out when its ASN is 32-bit,
and a form naming ``peer`` is guarded by ``peer_is_16bit``.
"""

from __future__ import annotations

from typing import Any

from ..policy.communities import BY_NAME, CONTROL, Pattern, active_patterns, info_patterns, scrub_patterns

_ATTR = {"std": "bgp_community", "large": "bgp_large_community", "ext": "bgp_ext_community"}


class _Safe(str):
    """Marker type the renderer's finalize lets through (see render.bird._SafeText)."""


class BirdCommunities:
    """Community expressions for one route server (its ASN and the IXP-wide policy)."""

    def __init__(self, rs_asn: int, policy: dict[str, Any], safe: type[str] = _Safe):
        self.rs = rs_asn
        self.policy = policy["communities"]
        self.values = self.policy["values"]
        self._safe = safe

    def patterns(self, name: str) -> list[Pattern]:
        return active_patterns(self.policy, name, self.rs)

    # --- BIRD text -----------------------------------------------------------------------
    def _field(self, f: Any, peer: str) -> str:
        return "RS_ASN" if f == "rs" else (peer if f == "peer" else str(int(f)))

    def _literal(self, p: Pattern, peer: str = "peer_as") -> str:
        body = ", ".join(self._field(f, peer) for f in p.fields)
        return f"({p.ext_type}, {body})" if p.kind == "ext" else f"({body})"

    def _test(self, p: Pattern) -> str:
        expr = f"{self._literal(p)} ~ {_ATTR[p.kind]}"
        if p.has_peer and p.kind == "std":
            return f"(peer_is_16bit && {expr})"  # a 32-bit member has no standard form
        return expr

    def match(self, name: str) -> str:
        """A BIRD boolean: the route carries any form of community ``name`` (``false`` if none)."""
        tests = [self._test(p) for p in self.patterns(name)]
        if not tests:
            return self._safe("false")
        return self._safe(tests[0] if len(tests) == 1 else "(" + " || ".join(tests) + ")")

    def match_any(self, *names: str) -> str:
        parts = [m for n in names if (m := self.match(n)) != "false"]
        if not parts:
            return self._safe("false")
        return self._safe(parts[0] if len(parts) == 1 else " || ".join(parts))

    def call(self, name: str) -> str:
        """The call of the named community test function that :meth:`functions` defines."""
        args = "peer_as, peer_is_16bit" if BY_NAME[name].to_peer else ""
        return self._safe(f"community_{name}({args})")

    def call_any(self, *names: str) -> str:
        return self._safe(" || ".join(self.call(n) for n in names))

    def functions(self) -> list[dict[str, str]]:
        """One small BIRD function per control community: name, parameters, comment, expression."""
        out = []
        for name in CONTROL:
            d = BY_NAME[name]
            forms = ", ".join(p.text().replace("rs", "RS") for p in self.patterns(name)) or "switched off by the policy"
            out.append({"name": f"community_{name}",
                        "params": self._safe("int peer_as; bool peer_is_16bit" if d.to_peer else ""),
                        "comment": f"{d.meaning}: {forms}", "expr": self.match(name)})
        return out

    def has(self, name: str) -> bool:
        return bool(self.patterns(name))

    def add(self, name: str) -> str:
        """Statements adding every form of ``name`` (informational tags have no 'peer')."""
        return self._safe(" ".join(f"{_ATTR[p.kind]}.add({self._literal(p)});" for p in self.patterns(name)))

    def _wild(self, p: Pattern) -> str:
        body = ", ".join("*" if f == "peer" else self._field(f, "") for f in p.fields)
        return f"({p.ext_type}, {body})" if p.kind == "ext" else f"({body})"

    def _delete(self, patterns: list[Pattern]) -> list[str]:
        """One ``delete`` statement per attribute for these forms, 'peer' as a wildcard.

        A form another one already covers (``0:RS`` under ``0:*``) is left out: BIRD builds a
        community set as a tree of intervals, and with overlapping items it can miss values (seen
        with BIRD 2.0.12: ``[(0, RS_ASN), (0, *)]`` kept ``0:64506``)."""
        by_attr: dict[str, list[Pattern]] = {}
        for p in patterns:
            items = by_attr.setdefault(_ATTR[p.kind], [])
            if not any(_covers(q, p) for q in items):
                items[:] = [q for q in items if not _covers(p, q)] + [p]
        return [self._safe(f"{attr}.delete([{_wrap([self._wild(p) for p in items])}]);")
                for attr, items in by_attr.items()]

    def scrub(self) -> list[str]:
        """Before export: every control community, the IXP's own blackhole form, the info tags, and
        whatever else is in the route server's namespace (RS:*:*, and RS:* for a 16-bit RS ASN)."""
        own = [p for p in scrub_patterns(self.policy, self.rs)
               if not (p.fields[0] == "rs" and (p.kind == "large" or (p.kind == "std" and self.rs <= 0xFFFF)))]
        out = self._delete(own)
        if self.rs <= 0xFFFF:
            out.append(self._safe("bgp_community.delete([(RS_ASN, *)]);"))
        out.append(self._safe("bgp_large_community.delete([(RS_ASN, *, *)]);"))
        return out

    def delete_info(self) -> list[str]:
        """On import: informational tags a member might forge."""
        return self._delete(info_patterns(self.policy, self.rs))


def _wrap(items: list[str], width: int = 84) -> str:
    """A long set on several lines, aligned under its first item, as one would write it by hand."""
    lines, cur = [], ""
    for item in items:
        if cur and len(cur) + len(item) + 2 > width:
            lines.append(cur + ",")
            cur = item
        else:
            cur = f"{cur}, {item}" if cur else item
    lines.append(cur)
    return "\n      ".join(lines)


def _covers(a: Pattern, b: Pattern) -> bool:
    """Every community ``b`` deletes, ``a`` deletes too ('peer' is BIRD's ``*`` in a delete)."""
    return a.kind == b.kind and a.ext_type == b.ext_type and all(
        x == "peer" or x == y for x, y in zip(a.fields, b.fields, strict=True))
