"""Render a RouteServerIntent to an OpenBGPD ``bgpd.conf`` with the templates in templates/openbgpd/.

The same Intent the BIRD renderer reads, checked in the same order with the same reject codes.
OpenBGPD's filter language has no functions and no negation, so each check is written as filter
rules (``ixpctl.render.openbgpd_rules``): a check that rejects on a condition is one
``deny quick`` rule; a check that rejects when a condition does *not* hold marks the route with its
own reject community first, clears the mark when the condition holds, and denies what still
carries it. ``quick`` stops at the first failed check, so a rejected route carries one reason, as
with BIRD.

Rejected routes stay visible with their reason in a second RIB, ``Rejected`` (``no evaluate``: it
takes no part in route selection and exports nothing): OpenBGPD runs every RIB's own input
filters on each update, and that RIB's copy of the chain *allows* exactly what the Loc-RIB's
denies, tagged ``(RS, 65520, code)``. ``bgpctl show rib table Rejected`` lists them.

Safety: every ``{{ }}`` output passes ``_finalize``, which refuses strings that could carry
bgpd.conf syntax (quotes, backslashes, newlines, braces, ``#``, ``$`` macros). Member-supplied text
reaches the config only through ``bgpd_string`` / ``bgpd_comment``.
"""

from __future__ import annotations

import re
from ipaddress import ip_address
from typing import Any

import jinja2

from .. import __version__
from ..base.paths import templates_dir
from ..errors import BuildError
from ..policy.chain import CHAIN
from ..policy.intent import RouteServerIntent, SessionIntent
from ..sources.facts import PrefixRange
from .openbgpd_caps import OpenbgpdCapabilities, parse_version
from .openbgpd_communities import OpenbgpdCommunities
from .openbgpd_rules import REJECTED_RIB, Rules
from .secrets import Md5Secret
from .text_guard import finalizer, fold_text, one_line


class _SafeText(str):
    """A string produced by one of our filters or helpers: allowed through _finalize."""


_UNSAFE = re.compile(r'["\\\n\r{}#$]')


_finalize = finalizer(_SafeText, _UNSAFE, "a bgpd.conf", "bgpd_string")


def bgpd_string(value: Any) -> _SafeText:
    """Text for inside a bgpd.conf "..." string: ASCII, no quotes, backslashes, '$' or control
    characters. MD5 secrets are keys and written byte for byte: ``check_md5_secret`` already
    refused quotes, backslashes and control characters in them."""
    if isinstance(value, Md5Secret):
        if "$" in value:
            raise BuildError("an MD5 secret with '$' cannot be written into bgpd.conf (macro expansion)",
                             fix="choose a secret without '$' for OpenBGPD route servers")
        return _SafeText(value)
    return _SafeText(fold_text(value, {'"': "'", "\\": "/", "$": "S"}, 120))


def bgpd_comment(value: Any) -> _SafeText:
    """Text for a '#' comment: one line. bgpd.conf joins a line ending in a backslash with the next
    one even inside a comment, so backslashes go too."""
    return _SafeText(one_line(value, 200).replace("\\", "/"))


_PREFIX_RE = re.compile(r"^[0-9a-fA-F:.]+/(\d{1,3})$")


def prefix_items(entries: list[PrefixRange], afi: int) -> _SafeText:
    """The entries of a prefix-set, one per line: exact, ``or-longer``, or ``prefixlen lo - hi``."""
    top = 32 if afi == 4 else 128
    out = []
    for p, lo, hi in entries:
        m = _PREFIX_RE.match(p)
        if not m:
            raise BuildError(f"refusing to write {p!r} into a prefix-set: not a prefix")
        length = int(m.group(1))
        if lo == hi == length:
            out.append(p)
        elif lo == length and hi == top:
            out.append(f"{p} or-longer")
        else:
            out.append(f"{p} prefixlen {int(lo)} - {int(hi)}")
    return _SafeText("".join(f"\n  {item}" for item in out))


def roa_items(vrps: list[tuple[str, int, int]]) -> _SafeText:
    out = []
    for p, max_len, asn in vrps:
        if not _PREFIX_RE.match(p):
            raise BuildError(f"refusing to write {p!r} into a roa-set: not a prefix")
        out.append(f"\n  {p} maxlen {int(max_len)} source-as {int(asn)}")
    return _SafeText("".join(out))


def aspa_items(aspas: list[tuple[int, tuple[int, ...]]]) -> _SafeText:
    """``customer-as C provider-as { P Q }`` lines of an aspa-set; AS 0 as the provider: none (transit)."""
    out = []
    for customer, providers in aspas:
        ps = " ".join(str(int(p)) for p in providers) or "0"
        out.append(f"\n  customer-as {int(customer)} provider-as {{ {ps} }}")
    return _SafeText("".join(out))


def asn_items(asns: list[int]) -> _SafeText:
    items = [str(int(a)) for a in asns]
    return _SafeText("".join(f"\n  {' '.join(items[i:i + 12])}" for i in range(0, len(items), 12)))


def address(value: Any) -> _SafeText:
    try:
        return _SafeText(str(ip_address(str(value))))
    except ValueError:
        raise BuildError(f"refusing to write {value!r} into a bgpd.conf: bgpd needs an IP address here",
                         fix="give the RTR server as an IP address") from None


def prepend_mark(intent: RouteServerIntent) -> int:
    """The middle value of the route server's prepend marks (RS:mark:n, see export.j2): the first
    from 65522 up that no configured large community and no reason base uses."""
    comm = intent.policy["communities"]
    used = {comm["reject_reason_base"], comm["tag_reason_base"]}
    for spec in comm["values"].values():
        large = (spec or {}).get("large") if isinstance(spec, dict) else None
        if large:
            parts = str(large).split(":")
            if parts[1].isdigit():
                used.add(int(parts[1]))
    mark = 65522
    while mark in used:
        mark += 1
    return mark


def group_of(asn: int) -> _SafeText:
    """The filter's name for a member's sessions: its bgpd.conf group."""
    return _SafeText(f'group "AS{int(asn)}"')


def max_prefix(session: SessionIntent, restart_after: int) -> _SafeText:
    if session.limit_action == "restart":
        return _SafeText(f"max-prefix {int(session.import_limit)} restart {int(restart_after)}")
    if session.limit_action == "disable":
        return _SafeText(f"max-prefix {int(session.import_limit)}")
    if session.limit_action == "warn":
        return _SafeText("")
    raise BuildError(f"max_prefix.action {session.limit_action} (AS{session.member_asn}) has no OpenBGPD "
                     "equivalent: bgpd can only end the session (restart or disable)",
                     fix="use max_prefix.action: restart or disable for members of an OpenBGPD route server")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "openbgpd")),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=False,
        autoescape=False, finalize=_finalize,
    )
    env.filters.update(bgpd_string=bgpd_string, bgpd_comment=bgpd_comment, prefix_items=prefix_items,
                       roa_items=roa_items, aspa_items=aspa_items, asn_items=asn_items, group=group_of, max_prefix=max_prefix,
                       address=address)
    return env


def left_out(intent: RouteServerIntent, caps: OpenbgpdCapabilities) -> list[str]:
    """What this config does not do although the policy asks for it: said out loud."""
    out = []
    if intent.policy["aspa"]["enabled"] and not intent.aspa:
        out.append("ASPA path verification (needs OpenBGPD >= 8.0)" if not caps.aspa else
                   "ASPA path verification (OpenBGPD verifies ASPA only on sessions with an RFC 9234 role: "
                   "policy session.role is off)")
    if any(s.bfd for s in intent.sessions):
        out.append("BFD (OpenBGPD has none): sessions with session.bfd run without it")
    if any(s.extended_next_hop for s in intent.sessions):
        out.append("RFC 8950 IPv4 routes over IPv6 sessions (not rendered for OpenBGPD)")
    if any(s.limit_action == "warn" for s in intent.sessions):
        out.append("max-prefix action warn (OpenBGPD can only end the session): no limit on those sessions")
    if intent.log.get("to") == "file":
        out.append("log to a file (bgpd logs to syslog; route it there with the syslog daemon)")
    return out


def render_route_server(intent: RouteServerIntent, *, capabilities: OpenbgpdCapabilities | None = None,
                        passwords: dict[str, str] | None = None, socket: str | None = None,
                        timers: dict[str, Any] | None = None) -> str:
    """The whole bgpd.conf. ``socket`` (lab) puts the control socket elsewhere than the default
    /run/openbgpd/bgpd.sock; ``timers`` (lab) shortens connect-retry. Neither changes filtering."""
    caps = capabilities or OpenbgpdCapabilities(parse_version(intent.openbgpd_version))
    policy = _Obj(intent.policy)
    sessions_of: dict[int, list[SessionIntent]] = {}
    for s in intent.sessions:
        sessions_of.setdefault(s.member_asn, []).append(s)
    members = [m for m in intent.members if m.asn in sessions_of]
    comm = OpenbgpdCommunities(intent.rs_asn, intent.policy, _SafeText)
    ribs = [Rules(intent, None, _SafeText)]
    if policy.reject_policy.keep_filtered:
        ribs.append(Rules(intent, REJECTED_RIB, _SafeText))
    template = environment().get_template("bgpd.conf.j2")
    return template.render(
        rs=intent, policy=policy, members=members, sessions_of=sessions_of, chain=CHAIN, cap=caps,
        left_out=left_out(intent, caps), version=__version__, passwords=passwords or {}, c=comm,
        ribs=ribs, loc=ribs[0], socket=socket, timers=_Obj(timers) if timers else None,
        listen=sorted({s.local_address for s in intent.sessions if s.local_address}), prepend_mark=prepend_mark(intent),
        next_hops={m.asn: sorted({a for s in sessions_of[m.asn] for a in s.next_hop_allowed}) for m in members},
    )


class _Obj(dict):
    """dict with attribute access, so templates read policy.rpki.enabled."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return _Obj(value) if isinstance(value, dict) else value


__all__ = ["OpenbgpdCapabilities", "bgpd_comment", "bgpd_string", "left_out", "parse_version",
           "render_route_server"]
