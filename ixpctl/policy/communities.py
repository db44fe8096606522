"""BGP communities as policy data: every control and informational community, its configurable value.

An IXP that migrates has published values its members' routers depend on, so no value is hard-coded
in a template: ``communities.values`` in the policy file gives each community in up to three forms —
standard (``A:B``), large (``A:B:C``) and extended (``rt:A:B`` / ``ro:A:B``) — where a field is a
number, ``rs`` (the route server's ASN) or, for the "to peer" controls, ``peer`` (the ASN of the
member the route is exported to). The BIRD templates, the Python evaluator and the published docs
all read this catalogue, so they cannot disagree about a value.

A ``peer`` field stands for a member ASN, which is never 0 and never the route server's ASN: that is
what lets ``0:peer`` and ``0:rs`` coexist. Values that could match the same community are refused
(:func:`overlap_problems`), because the route server could not tell which action a member meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

Kind = Literal["std", "large", "ext"]
FieldValue = int | Literal["rs", "peer"]

_MAX = {"std": (0xFFFF, 0xFFFF), "large": (0xFFFFFFFF,) * 3, "ext": (0xFFFF, 0xFFFFFFFF)}
_EXT_TYPES = ("rt", "ro")


@dataclass(frozen=True)
class Pattern:
    """One form of a community: ``std (0, 'peer')``, ``large ('rs', 101, 0)``, ``ext rt ('rs', 'peer')``."""

    kind: Kind
    fields: tuple[FieldValue, ...]
    ext_type: str | None = None  # 'rt' | 'ro' for extended communities

    @property
    def has_peer(self) -> bool:
        return "peer" in self.fields

    @property
    def has_rs(self) -> bool:
        return "rs" in self.fields

    def text(self) -> str:
        body = ":".join(str(f) for f in self.fields)
        return f"{self.ext_type}:{body}" if self.ext_type else body

    def concrete(self, rs: int, peer: int | None = None) -> tuple | None:
        """The community value for this RS (and receiving peer); None when it cannot be formed
        (a 32-bit ASN in a 16-bit field: such a form simply does not exist for that peer)."""
        values: list[int] = []
        limits = _MAX[self.kind]
        for f, limit in zip(self.fields, limits, strict=True):
            if f == "rs":
                v = rs
            elif f == "peer":
                if peer is None:
                    return None
                v = peer
            else:
                v = int(f)
            if v > limit:
                return None
            values.append(v)
        return (self.ext_type, *values) if self.kind == "ext" else tuple(values)

    def matches(self, value: tuple, rs: int, any_peer: bool = False) -> bool:
        """Does a community on a route match this pattern, with ``peer`` standing for a member ASN
        (``any_peer``: any value at all, like the ``*`` of BIRD's delete)?"""
        if self.kind == "ext":
            if len(value) != 3 or value[0] != self.ext_type:
                return False
            value = value[1:]
        if len(value) != len(self.fields):
            return False
        for f, v in zip(self.fields, value, strict=True):
            if f == "rs":
                if v != rs:
                    return False
            elif f == "peer":
                if v in (0, rs) and not any_peer:
                    return False
            elif v != f:
                return False
        return True


_PART = r"(\d+|rs|peer)"
_STD = re.compile(rf"^{_PART}:{_PART}$")
_LARGE = re.compile(rf"^{_PART}:{_PART}:{_PART}$")
_EXT = re.compile(rf"^(rt|ro):{_PART}:{_PART}$")


def parse_pattern(kind: Kind, text: str) -> Pattern:
    """Parse ``"0:peer"`` (std), ``"rs:101:0"`` (large), ``"rt:0:peer"`` (ext); ValueError says why."""
    text = str(text).strip()
    rx = {"std": _STD, "large": _LARGE, "ext": _EXT}[kind]
    m = rx.match(text)
    if not m:
        shape = {"std": "A:B", "large": "A:B:C", "ext": "rt:A:B or ro:A:B"}[kind]
        raise ValueError(f"'{text}' is not a {kind} community: write {shape}, where each part is a number, "
                         f"'rs' (the route server's ASN) or 'peer' (the receiving member's ASN)")
    groups = list(m.groups())
    ext_type = groups.pop(0) if kind == "ext" else None
    fields: list[FieldValue] = []
    for part, limit in zip(groups, _MAX[kind], strict=True):
        if part in ("rs", "peer"):
            fields.append(part)  # type: ignore[arg-type]
            continue
        value = int(part)
        if value > limit:
            raise ValueError(f"'{text}': {value} is out of range for a {kind} community field (max {limit})")
        fields.append(value)
    if fields.count("peer") > 1:
        raise ValueError(f"'{text}': 'peer' may appear once")
    if kind == "ext" and fields[0] == "peer":
        raise ValueError(f"'{text}': 'peer' cannot be the 16-bit global administrator of an extended "
                         "community (32-bit members could not be named): put it in the last field")
    return Pattern(kind, tuple(fields), ext_type)


class CommunitySpec(BaseModel):
    """The forms of one community; null = that form is not offered."""

    model_config = ConfigDict(extra="forbid")
    std: str | None = None
    large: str | None = None
    ext: str | None = None

    @field_validator("std", "large", "ext")
    @classmethod
    def _parse(cls, value: str | None, info) -> str | None:
        if value is None:
            return None
        parse_pattern(info.field_name, value)
        return str(value).strip()

    def patterns(self) -> list[Pattern]:
        return [parse_pattern(kind, text) for kind, text in (("std", self.std), ("large", self.large),
                                                               ("ext", self.ext)) if text is not None]


def _spec(std: str | None = None, large: str | None = None, ext: str | None = None) -> CommunitySpec:
    return CommunitySpec(std=std, large=large, ext=ext)


@dataclass(frozen=True)
class Definition:
    name: str
    group: Literal["control", "inbound", "info"]
    to_peer: bool  # may name the receiving member with 'peer'
    default: CommunitySpec
    meaning: str
    meaning_fr: str


# The catalogue: order = the order of the published docs. Defaults are ixpctl's historical values
# plus arouteserver's conventions for the standard prepend forms (65501..65513).
DEFINITIONS: tuple[Definition, ...] = (
    Definition("do_not_announce_to_any", "control", False, _spec("0:rs", "rs:0:0"),
               "do not announce the route to any member", "n'annoncer la route à aucun membre"),
    Definition("do_not_announce_to_peer", "control", True, _spec("0:peer", "rs:0:peer"),
               "do not announce the route to this member", "ne pas annoncer la route à ce membre"),
    Definition("announce_to_peer", "control", True, _spec("rs:peer", "rs:1:peer"),
               "announce the route to this member (with 'do not announce to any': only to it)",
               "annoncer la route à ce membre (avec « n'annoncer à aucun » : à lui seul)"),
    Definition("prepend_once_to_any", "control", False, _spec("65501:rs", "rs:101:0"),
               "prepend the announcing member's ASN once, to every member",
               "ajouter une fois l'ASN du membre annonceur, vers tous les membres"),
    Definition("prepend_twice_to_any", "control", False, _spec("65502:rs", "rs:102:0"),
               "prepend the announcing member's ASN twice, to every member",
               "ajouter deux fois l'ASN du membre annonceur, vers tous les membres"),
    Definition("prepend_thrice_to_any", "control", False, _spec("65503:rs", "rs:103:0"),
               "prepend the announcing member's ASN three times, to every member",
               "ajouter trois fois l'ASN du membre annonceur, vers tous les membres"),
    Definition("prepend_once_to_peer", "control", True, _spec("65511:peer", "rs:101:peer"),
               "prepend the announcing member's ASN once, to this member",
               "ajouter une fois l'ASN du membre annonceur, vers ce membre"),
    Definition("prepend_twice_to_peer", "control", True, _spec("65512:peer", "rs:102:peer"),
               "prepend the announcing member's ASN twice, to this member",
               "ajouter deux fois l'ASN du membre annonceur, vers ce membre"),
    Definition("prepend_thrice_to_peer", "control", True, _spec("65513:peer", "rs:103:peer"),
               "prepend the announcing member's ASN three times, to this member",
               "ajouter trois fois l'ASN du membre annonceur, vers ce membre"),
    Definition("add_no_export_to_any", "control", False, _spec("65507:rs", "rs:900:0"),
               "add NO_EXPORT (65535:65281) when announcing to every member",
               "ajouter NO_EXPORT (65535:65281) en annonçant à tous les membres"),
    Definition("add_no_export_to_peer", "control", True, _spec("65517:peer", "rs:900:peer"),
               "add NO_EXPORT (65535:65281) when announcing to this member",
               "ajouter NO_EXPORT (65535:65281) en annonçant à ce membre"),
    Definition("add_no_advertise_to_any", "control", False, _spec("65509:rs", "rs:901:0"),
               "add NO_ADVERTISE (65535:65282) when announcing to every member",
               "ajouter NO_ADVERTISE (65535:65282) en annonçant à tous les membres"),
    Definition("add_no_advertise_to_peer", "control", True, _spec("65519:peer", "rs:901:peer"),
               "add NO_ADVERTISE (65535:65282) when announcing to this member",
               "ajouter NO_ADVERTISE (65535:65282) en annonçant à ce membre"),
    Definition("blackhole", "inbound", False, _spec("65535:666"),
               "BLACKHOLE (RFC 7999): discard traffic to this prefix (members that opted in)",
               "BLACKHOLE (RFC 7999) : jeter le trafic vers ce préfixe (membres inscrits)"),
    Definition("blackhole_local", "inbound", False, _spec(),
               "the IXP's own blackhole community, treated as BLACKHOLE",
               "la communauté de blackhole propre à l'IXP, traitée comme BLACKHOLE"),
    Definition("graceful_shutdown", "inbound", False, _spec("65535:0"),
               "GRACEFUL_SHUTDOWN (RFC 8326): the route gets the lowest preference",
               "GRACEFUL_SHUTDOWN (RFC 8326) : la route reçoit la préférence la plus basse"),
    Definition("rpki_valid", "info", False, _spec(large="rs:1000:1"),
               "added: the route is RPKI valid", "ajoutée : la route est valide RPKI"),
    Definition("rpki_not_found", "info", False, _spec(large="rs:1000:2"),
               "added: no ROA covers the route (RPKI not found)",
               "ajoutée : aucun ROA ne couvre la route (RPKI inconnu)"),
    Definition("irr_registered", "info", False, _spec(large="rs:1001:1"),
               "added: the prefix is registered in the IRR (route object of the AS-SET)",
               "ajoutée : le préfixe est enregistré dans l'IRR (objet route de l'AS-SET)"),
    Definition("irr_via_roa", "info", False, _spec(large="rs:1001:2"),
               "added: the prefix has no route object but an RPKI ROA authorises it",
               "ajoutée : le préfixe n'a pas d'objet route mais un ROA RPKI l'autorise"),
)

BY_NAME = {d.name: d for d in DEFINITIONS}
CONTROL = tuple(d.name for d in DEFINITIONS if d.group == "control")
INFO = tuple(d.name for d in DEFINITIONS if d.group == "info")
PREPENDS = {  # name → (count, to_peer)
    "prepend_once_to_any": (1, False), "prepend_twice_to_any": (2, False), "prepend_thrice_to_any": (3, False),
    "prepend_once_to_peer": (1, True), "prepend_twice_to_peer": (2, True), "prepend_thrice_to_peer": (3, True),
}


class CommunityValues(BaseModel):
    """``communities.values``: one entry per community of :data:`DEFINITIONS`."""

    model_config = ConfigDict(extra="forbid")
    do_not_announce_to_any: CommunitySpec = BY_NAME["do_not_announce_to_any"].default
    do_not_announce_to_peer: CommunitySpec = BY_NAME["do_not_announce_to_peer"].default
    announce_to_peer: CommunitySpec = BY_NAME["announce_to_peer"].default
    prepend_once_to_any: CommunitySpec = BY_NAME["prepend_once_to_any"].default
    prepend_twice_to_any: CommunitySpec = BY_NAME["prepend_twice_to_any"].default
    prepend_thrice_to_any: CommunitySpec = BY_NAME["prepend_thrice_to_any"].default
    prepend_once_to_peer: CommunitySpec = BY_NAME["prepend_once_to_peer"].default
    prepend_twice_to_peer: CommunitySpec = BY_NAME["prepend_twice_to_peer"].default
    prepend_thrice_to_peer: CommunitySpec = BY_NAME["prepend_thrice_to_peer"].default
    add_no_export_to_any: CommunitySpec = BY_NAME["add_no_export_to_any"].default
    add_no_export_to_peer: CommunitySpec = BY_NAME["add_no_export_to_peer"].default
    add_no_advertise_to_any: CommunitySpec = BY_NAME["add_no_advertise_to_any"].default
    add_no_advertise_to_peer: CommunitySpec = BY_NAME["add_no_advertise_to_peer"].default
    blackhole: CommunitySpec = BY_NAME["blackhole"].default
    blackhole_local: CommunitySpec = BY_NAME["blackhole_local"].default
    graceful_shutdown: CommunitySpec = BY_NAME["graceful_shutdown"].default
    rpki_valid: CommunitySpec = BY_NAME["rpki_valid"].default
    rpki_not_found: CommunitySpec = BY_NAME["rpki_not_found"].default
    irr_registered: CommunitySpec = BY_NAME["irr_registered"].default
    irr_via_roa: CommunitySpec = BY_NAME["irr_via_roa"].default


# --- validation -------------------------------------------------------------------------------

def _fields_overlap(a: FieldValue, b: FieldValue) -> bool:
    if a == b:
        return True
    if "peer" in (a, b):
        other = b if a == "peer" else a
        return other not in (0, "rs")  # a member ASN is never 0 nor the route server's ASN
    return False  # rs vs a number: refused separately (a literal RS ASN is ambiguous on its own)


def patterns_overlap(a: Pattern, b: Pattern) -> bool:
    if a.kind != b.kind or a.ext_type != b.ext_type or len(a.fields) != len(b.fields):
        return False
    return all(_fields_overlap(x, y) for x, y in zip(a.fields, b.fields, strict=True))


WELL_KNOWN_HIGH = 65535  # 65535:x are well-known (RFC 1997, 7999, 8326): only inbound entries use them


def overlap_problems(values: CommunityValues, reject_base: int, tag_base: int,
                     locate: Callable[[tuple], int | None]) -> Iterator[tuple[str, tuple, int | None, str]]:
    """(message, field path, line, fix) for every ambiguous value; ``locate`` gives a field's line."""
    seen: list[tuple[str, str, Pattern]] = []
    for d in DEFINITIONS:
        spec: CommunitySpec = getattr(values, d.name)
        for kind, text in (("std", spec.std), ("large", spec.large), ("ext", spec.ext)):
            if text is None:
                continue
            p = parse_pattern(kind, text)  # type: ignore[arg-type]
            path = ("communities", "values", d.name, kind)
            where = f"'{text}'"
            problem = _value_problem(d, p, where, reject_base, tag_base)
            if problem is None:
                clash = next(((name, t) for name, t, other in seen if patterns_overlap(p, other)), None)
                if clash:
                    message = f"{where} overlaps {clash[0]} ('{clash[1]}'): a route carrying it would ask for both"
                    problem = (message, "give each community a value no other one can match")
            if problem:
                yield problem[0], path, locate(path), problem[1]
                continue
            seen.append((d.name, text, p))


def _value_problem(d: Definition, p: Pattern, where: str, reject_base: int,
                   tag_base: int) -> tuple[str, str] | None:
    """(message, fix) when one value is wrong on its own."""
    if p.has_peer and not d.to_peer:
        return (f"{where} names 'peer', but {d.name} does not target one member",
                "use 'rs' or a number, or the *_to_peer entry")
    if d.to_peer and not p.has_peer:
        return f"{where} must contain 'peer' (the member it targets)", "e.g. 0:peer or rs:0:peer"
    if d.group == "control" and p.kind == "std" and p.fields[0] == WELL_KNOWN_HIGH:
        return f"{where} is in the well-known range 65535:x", "pick a value outside 65535:x (RFC 1997)"
    if p.kind == "large" and p.fields[0] == "rs" and p.fields[1] in (reject_base, tag_base):
        return (f"{where} collides with the reject-reason communities rs:{p.fields[1]}:code",
                "pick another middle value")
    return None


def spec_patterns(values: CommunityValues | dict, name: str) -> list[Pattern]:
    spec = values[name] if isinstance(values, dict) else getattr(values, name)
    if isinstance(spec, dict):
        spec = CommunitySpec(**spec)
    return spec.patterns()


def concrete_values(patterns: Iterable[Pattern], rs: int, peer: int | None = None) -> list[tuple]:
    return [v for p in patterns if (v := p.concrete(rs, peer)) is not None]


# --- which forms are in force: shared by the BIRD renderer and the Python evaluator -------------

def fits(p: Pattern, rs: int) -> bool:
    """A form exists for this RS only if the RS ASN fits the field it is written in."""
    return all(not (f == "rs" and rs > limit) for f, limit in zip(p.fields, _MAX[p.kind], strict=True))


def active_patterns(comm: dict, name: str, rs: int) -> list[Pattern]:
    """The forms of ``name`` the route server acts on, given the policy's ``communities`` section:
    ``standard`` / ``large`` switch whole control families off, ``prepend`` the prepend entries."""
    d = BY_NAME[name]
    out = []
    for p in spec_patterns(comm["values"], name):
        if d.group == "control" and ((p.kind == "std" and not comm["standard"]) or
                                     (p.kind == "large" and not comm["large"]) or
                                     (name in PREPENDS and not comm["prepend"])):
            continue
        if fits(p, rs):
            out.append(p)
    return out


def scrub_patterns(comm: dict, rs: int) -> list[Pattern]:
    """What export removes: every control form (also those switched off), the IXP's own blackhole
    form and the informational tags — everything the route server gives a meaning to."""
    return [p for name in (*CONTROL, "blackhole_local", *INFO)
            for p in spec_patterns(comm["values"], name) if fits(p, rs)]


def info_patterns(comm: dict, rs: int) -> list[Pattern]:
    return [p for name in INFO for p in spec_patterns(comm["values"], name) if fits(p, rs)]


class Communities:
    """The evaluator's view of the communities: the same forms the BIRD config tests, adds, deletes.

    Routes carry three sets: standard ``(a, b)``, large ``(a, b, c)``, extended ``(type, a, b)``.
    """

    def __init__(self, comm: dict, rs: int):
        self.comm = comm
        self.rs = rs
        self._active = {d.name: active_patterns(comm, d.name, rs) for d in DEFINITIONS}
        self._scrub = scrub_patterns(comm, rs)
        self._info = info_patterns(comm, rs)

    @staticmethod
    def _pick(p: Pattern, std: set, large: set, ext: set) -> set:
        return {"std": std, "large": large, "ext": ext}[p.kind]

    def has(self, name: str, std: set, large: set, ext: set, peer: int | None = None) -> bool:
        """Does a route carry community ``name``? For a *_to_peer entry, ``peer`` is the receiver."""
        for p in self._active[name]:
            value = p.concrete(self.rs, peer)
            if value is not None and value in self._pick(p, std, large, ext):
                return True
        return False

    def carries_any(self, names: tuple[str, ...], std: set, large: set, ext: set) -> bool:
        """Does a route carry any form of these communities, for any peer at all? A superset of
        ``has`` for every receiver: False means ``has`` is False whoever receives."""
        for name in names:
            for p in self._active[name]:
                if any(p.matches(v, self.rs, any_peer=True) for v in self._pick(p, std, large, ext)):
                    return True
        return False

    def add(self, name: str, std: set, large: set, ext: set) -> None:
        for p in self._active[name]:
            value = p.concrete(self.rs)
            if value is not None:
                self._pick(p, std, large, ext).add(value)

    def _without(self, patterns: list[Pattern], std: set, large: set, ext: set) -> tuple[set, set, set]:
        def keep(values: set, kind: str) -> set:
            mine = [p for p in patterns if p.kind == kind]
            return {v for v in values if not any(p.matches(v, self.rs, any_peer=True) for p in mine)}
        return keep(std, "std"), keep(large, "large"), keep(ext, "ext")

    def without_info(self, std: set, large: set, ext: set) -> tuple[set, set, set]:
        return self._without(self._info, std, large, ext)

    def scrubbed(self, std: set, large: set, ext: set) -> tuple[set, set, set]:
        """Export's scrub: every form the route server gives a meaning to, then RS_ASN:* itself."""
        std, large, ext = self._without(self._scrub, std, large, ext)
        large = {v for v in large if v[0] != self.rs}
        if self.rs <= 0xFFFF:
            std = {v for v in std if v[0] != self.rs}
        return std, large, ext


def reason_bases(policy: dict) -> tuple[int, int]:
    """(reject, tag) middle values of the reason communities (RS, base, code) of a policy dump."""
    comm = policy["communities"]
    return comm["reject_reason_base"], comm["tag_reason_base"]
