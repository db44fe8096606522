"""The BIRD versions ixpctl renders for, and what each one's config gets: one row per target.

A route server's ``bird_version`` (inventory) names the daemon that will load its config. Versions
of one *series* (major.minor: 2.0, 2.17, 3.1) take the same config text; the renderer asks the
target's :class:`Capabilities` whenever the syntax or a feature differs. Adding a version is one
row in ``TARGETS`` (and its Debian package in ``scripts/bird-versions.sh``, so the tests run it).

What differs, measured with Debian's bird2 2.0.12 (Debian 12), bird2 2.17.6 and bird3 3.1.8
(Debian 13) on the generated configs:

- Function return types. ``function f() -> bool`` is a syntax error on 2.0.12; 2.17 and 3.1 accept
  it and warn ("Inferring function ... return type") for every function returning a value without it.
- ``case`` branches. BIRD 3 refuses a branch of several statements unless it is a ``{ }`` block
  (2.0.12 and 2.17 take both forms).
- ``rs_client`` is a keyword in BIRD 3 (a RFC 9234 role name), so it cannot name the session template.
- AS_SETs. Every target accepts AS paths with AS_SET segments by default (``allow as sets``, "likely
  to be rejected in the future" says the 2.17/3.1 manual): where the option exists with that warning,
  the config says ``allow as sets on`` so such routes keep reaching the filter and stay visible,
  rejected with reason 19, whatever a later default becomes.
- ASPA (``aspa table``, ``aspa_check_upstream``, ``route aspa``, the RPKI protocol's ``aspa``
  channel): from 2.16 on; the same algorithm in 2.17.6 and 3.1.8 (draft-ietf-sidrops-aspa-verification).
- Worker threads (``threads N;``, BIRD 3): the BGP sessions, RPKI and pipes run in N threads
  (default 1; 3.1 keeps its separate "express" group for BFD). 3.1.8 takes the global option
  without a warning; ``thread group worker { ... }`` would replace the built-in groups.
- RTR version. 2.17 and 3.1 ask a cache for RTR version 2 (ASPA) first; Debian 13's StayRTR 0.6.2
  speaks at most 1, and BIRD 2.17.6 does not fall back (its session stays in Transport-Error, no
  VRPs; 3.1.8 falls back). So without ASPA over RTR the config says `max version 1`.
- RFC 9234 roles (and the OTC attribute, ``bgp_otc``, which BIRD sets and checks itself once
  ``local role`` is configured): from 2.0.11 on, the same on every target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BuildError


@dataclass(frozen=True)
class Target:
    """One supported series and the syntax its config needs."""

    series: tuple[int, int]
    debian: str  # where Debian ships it (scripts/bird-versions.sh fetches it from there)
    typed_functions: bool  # `function f() -> type` (2.0 refuses it; 2.14+ warn without it)
    case_blocks: bool  # several statements in one case branch need { } (BIRD 3)
    session_template: str  # the BGP template of member sessions (rs_client is a keyword in BIRD 3)
    explicit_as_sets: bool  # write `allow as sets on` (the manual announces the default may change)
    aspa: bool  # ASPA tables and aspa_check_upstream (BIRD >= 2.16)
    threads: bool = False  # `threads N;`: worker threads (BIRD 3)
    rtr_max_version: bool = False  # the rpki protocol's `max version` (2.16+)

    @property
    def name(self) -> str:
        return ".".join(map(str, self.series))


TARGETS: tuple[Target, ...] = (
    Target((2, 0), "bird2 in Debian 12 (bookworm)", typed_functions=False, case_blocks=False,
           session_template="rs_client", explicit_as_sets=False, aspa=False),
    # 2.17 gets 3.1's text wherever 2.17 takes it: moving a route server to BIRD 3 changes little.
    Target((2, 17), "bird2 in Debian 13 (trixie)", typed_functions=True, case_blocks=True,
           session_template="rs_member", explicit_as_sets=True, aspa=True, rtr_max_version=True),
    Target((3, 1), "bird3 in Debian 13 (trixie)", typed_functions=True, case_blocks=True,
           session_template="rs_member", explicit_as_sets=True, aspa=True, threads=True,
           rtr_max_version=True),
)
BY_SERIES = {t.series: t for t in TARGETS}


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def supported() -> str:
    return ", ".join(f"{t.name}.x ({t.debian})" for t in TARGETS)


def target_of(version: tuple[int, ...] | str) -> Target:
    """The target series of a version; BuildError naming the supported ones otherwise."""
    v = parse_version(version) if isinstance(version, str) else tuple(version)
    target = BY_SERIES.get(tuple(v[:2]))  # type: ignore[arg-type]
    if target is None:
        shown = ".".join(map(str, v)) or "?"
        raise BuildError(f"BIRD {shown} is not a version ixpctl renders configs for",
                         fix=f"set route_servers[].bird_version to one of: {supported()}")
    return target


@dataclass(frozen=True)
class Capabilities:
    """What the target BIRD version can run and how its config is written (``bird_version`` of the
    route server, checked against the ``bird --version`` of the binary that checks the config)."""

    version: tuple[int, ...]

    def __post_init__(self) -> None:
        target_of(self.version)  # unsupported versions fail here, before anything is rendered

    @property
    def target(self) -> Target:
        return target_of(self.version)

    @property
    def role(self) -> bool:  # RFC 9234 roles
        return self.version >= (2, 0, 11)

    @property
    def aspa(self) -> bool:
        return self.target.aspa

    @property
    def typed_functions(self) -> bool:
        return self.target.typed_functions

    @property
    def case_blocks(self) -> bool:
        return self.target.case_blocks

    @property
    def session_template(self) -> str:
        return self.target.session_template

    @property
    def rtr_max_version(self) -> bool:
        return self.target.rtr_max_version

    @property
    def threads(self) -> bool:
        return self.target.threads

    @property
    def explicit_as_sets(self) -> bool:
        return self.target.explicit_as_sets

    def returns(self, type_name: str) -> str:
        """The return-type suffix of a function definition (empty where the version has none)."""
        return f" -> {type_name}" if self.typed_functions else ""

    def left_out(self) -> list[str]:
        out = []
        if not self.aspa:
            out.append("ASPA path verification (needs BIRD >= 2.16)")
        if not self.role:
            out.append("RFC 9234 BGP roles (needs BIRD >= 2.0.11)")
        return out


def same_series(a: tuple[int, ...] | str, b: tuple[int, ...] | str) -> bool:
    """Whether a config for ``a`` is a config for ``b`` (same syntax and features)."""
    va = parse_version(a) if isinstance(a, str) else a
    vb = parse_version(b) if isinstance(b, str) else b
    return tuple(va[:2]) == tuple(vb[:2])
