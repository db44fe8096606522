"""Render a RouteServerIntent to a BIRD configuration with the Jinja2 templates in templates/bird/, for
the route server's target version (``bird_versions.Capabilities``: syntax and features per version).

Safety: every ``{{ }}`` output passes ``_finalize``, which refuses strings that could carry BIRD
syntax (quotes, backslashes, newlines, braces, ';'). Member-supplied text reaches the config only
through the ``bird_string`` / ``bird_comment`` filters, which neutralise those characters.
"""

from __future__ import annotations

import os
import re
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from ..base.paths import templates_dir
from ..errors import BuildError, InputError
from ..policy.chain import CHAIN
from ..policy.intent import RouteServerIntent, SessionIntent
from ..sources.facts import PrefixRange
from .bird_communities import BirdCommunities
from .bird_versions import Capabilities, parse_version
from .secrets import Md5Secret, check_md5_secret
from .text_guard import finalizer, fold_text, one_line


class _SafeText(str):
    """A string produced by one of our escaping filters: allowed through _finalize."""


_UNSAFE = re.compile(r'["\\\n\r{};#]')


_finalize = finalizer(_SafeText, _UNSAFE, "a BIRD config", "bird_string")


def bird_string(value: Any) -> _SafeText:
    """Text for inside a BIRD "..." string: UTF-8 kept, quotes/backslashes/control chars replaced.

    An MD5 secret is the exception: it is a key, not prose, so it is written byte for byte (folding
    it to ASCII made a different key and the session never came up). It was checked when it was
    resolved (``check_md5_secret``: no quotes, backslashes or control characters, <= 80 bytes)."""
    if isinstance(value, Md5Secret):
        return _SafeText(value)
    return _SafeText(fold_text(value, {'"': "'", "\\": "/"}, 120, keep_utf8=True))


def bird_comment(value: Any) -> _SafeText:
    """Text for a '#' comment: one line, nothing that could end the comment."""
    return _SafeText(one_line(value, 200))


_PREFIX_RE = re.compile(r"^[0-9a-fA-F:.]+/(\d{1,3})$")
_PREFIX_LIST_RE = re.compile(r"[0-9a-fA-F:.]+/\d{1,3}(?:\n[0-9a-fA-F:.]+/\d{1,3})*")


def _prefix_item(p: str, lo: int, hi: int, afi: int) -> str:
    """One prefix-set entry. Prefixes come from validated facts; the regex keeps anything else out
    of the config without paying for a full ip_network() parse per entry (800 k at 1000 members)."""
    m = _PREFIX_RE.match(p)
    if not m:
        raise BuildError(f"refusing to write {p!r} into a prefix set: not a prefix")
    length = int(m.group(1))
    top = 32 if afi == 4 else 128
    if lo == hi == length:
        return p
    if lo == length and hi == top:
        return f"{p}+"
    return f"{p}{{{int(lo)},{int(hi)}}}"


def prefix_ranges(entries: list[PrefixRange], afi: int) -> _SafeText:
    if not entries:
        return _SafeText(" " + ("0.0.0.0/32" if afi == 4 else "::/128"))
    # Same text as _prefix_item per entry, without a function call and a regex match per entry
    # (760 k entries at 1000 members): all prefixes are checked by one regex over the joined list.
    joined = "\n".join([e[0] for e in entries])
    if not _PREFIX_LIST_RE.fullmatch(joined) or joined.count("\n") != len(entries) - 1:
        for p, lo, hi in entries:
            _prefix_item(p, lo, hi, afi)  # raises on the offending entry
    top = 32 if afi == 4 else 128
    out = []
    append = out.append
    for p, lo, hi in entries:
        length = int(p[p.rindex("/") + 1:])
        if lo == hi == length:
            append(p)
        elif lo == length and hi == top:
            append(f"{p}+")
        else:
            append(f"{p}{{{int(lo)},{int(hi)}}}")
    return _SafeText("\n  " + ",\n  ".join(out))


def roa_routes(vrps: list[tuple[str, int, int]]) -> _SafeText:
    """The ``route P max M as A;`` lines of a static ROA table, in one call: a Jinja loop over
    ~600 k VRPs costs seconds. Each prefix is checked like a prefix-set entry."""
    out = []
    for p, max_len, asn in vrps:
        if not _PREFIX_RE.match(p):
            raise BuildError(f"refusing to write {p!r} into a ROA table: not a prefix")
        out.append(f"\n  route {p} max {int(max_len)} as {int(asn)};")
    return _SafeText("".join(out))


def aspa_routes(aspas: list[tuple[int, tuple[int, ...]]]) -> _SafeText:
    """The ``route aspa C providers P, Q;`` lines of a static ASPA table (``transit``: no provider)."""
    out = []
    for customer, providers in aspas:
        what = f"providers {', '.join(str(int(p)) for p in providers)}" if providers else "transit"
        out.append(f"\n  route aspa {int(customer)} {what};")
    return _SafeText("".join(out))


def prefix_set_items(prefixes: list[str], suffix: str = "") -> _SafeText:
    return _SafeText(", ".join(f"{ip_network(p)}{suffix}" for p in prefixes))


def asn_ranges(ranges: list[tuple[int, int]]) -> _SafeText:
    return _SafeText(", ".join(str(a) if a == b else f"{a}..{b}" for a, b in ranges) or "0")


def asn_list(asns: list[int]) -> _SafeText:
    items = [str(int(a)) for a in asns] or ["0"]
    lines = [", ".join(items[i:i + 12]) for i in range(0, len(items), 12)]
    return _SafeText((",\n    ").join(lines))


def as_label(asn: int) -> str:
    return f"AS{int(asn)}"


def bird_bool(value: bool) -> str:
    return "true" if value else "false"


def next_hop_expr(session: SessionIntent) -> _SafeText:
    """The NEXT_HOP condition for a session: the neighbour itself, plus allowed same-member addresses."""
    allowed = [session.neighbor] + list(session.next_hop_allowed)
    return _SafeText(" || ".join(f"bgp_next_hop = {ip_address(a)}" for a in allowed))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "bird")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters.update(bird_string=bird_string, bird_comment=bird_comment, prefix_ranges=prefix_ranges,
                       roa_routes=roa_routes, aspa_routes=aspa_routes, prefix_set_items=prefix_set_items, asn_ranges=asn_ranges, asn_list=asn_list,
                       as_label=as_label, bird_bool=bird_bool, next_hop_expr=next_hop_expr)
    return env


def resolve_passwords(intent: RouteServerIntent, base_dir: Path) -> dict[str, str]:
    """MD5 secrets from the environment or files; sessions whose secret is unavailable get none."""
    out: dict[str, str] = {}
    for s in intent.sessions:
        secret = None
        if s.md5_env:
            secret = os.environ.get(s.md5_env)
        elif s.md5_file:
            path = Path(s.md5_file)
            path = path if path.is_absolute() else base_dir / path
            if path.is_file():
                try:
                    secret = path.read_text(encoding="utf-8").strip()
                except UnicodeDecodeError:
                    raise InputError(f"MD5 secret for AS{s.member_asn} session {s.name} (file {s.md5_file}) "
                                     "is not valid UTF-8", fix=f"write the secret to {path} in UTF-8") from None
        if secret:
            source = f"environment variable {s.md5_env}" if s.md5_env else f"file {s.md5_file}"
            out[s.name] = check_md5_secret(secret, where=f"AS{s.member_asn} session {s.name}", source=source)
    return out


def chain_for(intent: RouteServerIntent) -> list:
    """The checks this config runs: the whole chain, minus ASPA where it does not run (the
    evaluator skips it the same way, on ``intent.aspa``)."""
    return [c for c in CHAIN if c.name != "aspa" or intent.aspa]


def left_out(intent: RouteServerIntent, caps: Capabilities) -> list[str]:
    """What the config does not do although the policy or the daemon family could: said out loud."""
    out = caps.left_out()
    if intent.threads and not caps.threads:  # a lab or test run of a BIRD 3 route server on BIRD 2
        out.append(f"{intent.threads} worker threads (route_servers[].threads needs BIRD 3)")
    return out


def render_route_server(intent: RouteServerIntent, *, capabilities: Capabilities | None = None,
                        passwords: dict[str, str] | None = None, disable_sessions: bool = False,
                        timers: dict[str, Any] | None = None) -> str:
    """The whole config. ``disable_sessions`` renders every BGP session ``disabled`` (test harness).

    ``timers`` (test lab only) sets the template's connect delay / connect retry / error wait times,
    e.g. ``{"connect_delay": 1, "connect_retry": 2, "error_wait": (1, 10)}``, so lab sessions come up
    in about a second. It changes no filtering: hold/keepalive are per-session Intent data.
    """
    caps = capabilities or Capabilities(parse_version(intent.bird_version))
    template = environment().get_template("rs.conf.j2")
    # sessions per member, computed once: a selectattr per member is O(members x sessions)
    sessions_of: dict[int, list[SessionIntent]] = {}
    for s in intent.sessions:
        sessions_of.setdefault(s.member_asn, []).append(s)
    return template.render(
        rs=intent, sessions_of=sessions_of, policy=_Obj(intent.policy), chain=chain_for(intent), cap=caps, left_out=left_out(intent, caps),
        version=__version__, passwords=passwords or {}, c=BirdCommunities(intent.rs_asn, intent.policy, _SafeText),
        disable_sessions=disable_sessions, timers=_Obj(timers) if timers else None,
    )


def render_import_call(intent: RouteServerIntent, session: SessionIntent) -> str:
    """Exactly the import-filter call the config uses for ``session`` (for the BIRD test harness)."""
    member = intent.member(session.member_asn)
    template = environment().get_template("import_call.j2")
    return template.render(s=session, member=member, afi=session.afi)


__all__ = ["Capabilities", "left_out", "parse_version", "render_import_call", "render_route_server"]


class _Obj(dict):
    """dict with attribute access, so templates read policy.rpki.enabled."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return _Obj(value) if isinstance(value, dict) else value
