"""The welcome pack a new member receives: everything its NOC needs to bring the sessions up.

Like ``ixpctl docs``, nothing here restates configuration by hand: addresses come from the
inventory, session parameters and max-prefix limits from the compiled route-server intent (what
BIRD will run), the filtering policy and communities from ``ixpctl.publish.docs`` (computed from the
policy file and the filter chain), and the prefix verdicts from the member self-check — the route
server's own policy engine. Wording lives in ``templates/welcome/welcome.<lang>.md.j2``; HTML is the
same Markdown rendered by markdown-it-py with raw HTML disabled, so member-supplied names stay text.

Secrets never appear: for TCP MD5 the pack says that a password is configured and where the IXP
keeps it (the reference), and that it is sent through another channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from .. import __version__
from ..analysis.selfcheck import CheckReport
from ..base.fsutil import write_atomic
from ..base.paths import templates_dir
from ..inventory.models import Inventory, Member
from ..policy.chain import CHAIN
from ..policy.intent import RouteServerIntent
from ..policy.loader import LoadedPolicy
from .docs import md_code, md_escape, md_finalize

LANGS: tuple[str, ...] = ("en", "fr")
FORMATS: tuple[str, ...] = ("md", "html")


class TodoItem(Protocol):
    """A pre-flight result still to fix, as the pack prints it: one line in each language.

    ``ixpctl.onboard.model.CheckResult`` is one; publish does not import onboard (it sits above)."""

    @property
    def name(self) -> str: ...

    @property
    def verdict(self) -> str: ...

    @property
    def code(self) -> str: ...

    def line(self, lang: str = "en") -> str: ...


@dataclass
class WelcomePack:
    """Everything the templates print, as plain data (JSON-serialisable for ``--json``)."""

    ixp: dict[str, Any]
    asn: int
    name: str
    as_sets: list[str]
    connections: list[dict[str, Any]]
    rs_asn: int
    route_servers: list[dict[str, Any]]
    session: dict[str, Any]  # hold/keepalive, md5 (bool + reference), passive, max-prefix
    policy: list[dict[str, Any]]  # the import checks in order: title/explain in both languages, mode
    control: list[dict[str, Any]]  # announcement-control communities
    info: list[dict[str, Any]]  # informational communities the route servers add
    well_known: list[dict[str, Any]]
    self_check: dict[str, Any] | None  # counts + per-prefix verdicts (None: no session)
    # pre-flight warnings, for the member to fix: {"name", "verdict", "code", "en", "fr"}, one line per language
    todo: list[dict[str, Any]] = field(default_factory=list)
    demo_mode: bool = False
    version: str = __version__

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- building the model ---------------------------------------------------------------------------

def _connections(inv: Inventory, member: Member) -> list[dict[str, Any]]:
    out = []
    for conn in member.connections:
        lan = inv.lan_of(conn.lan)
        six = inv.family_lan(lan, 6) if lan else None  # per-family VLANs: the IPv6 is on another VLAN
        vlan: Any = lan.vlan if lan else None
        if lan and six is not lan:
            vlan = f"{lan.vlan or '—'} (IPv4), {six.vlan or '—'} (IPv6)"  # the same words in French
        out.append({
            "lan": lan.name if lan else conn.lan, "vlan": vlan, "mtu": lan.mtu if lan else None,
            "ipv4": f"{conn.ipv4}/{lan.ipv4.prefixlen}" if conn.ipv4 and lan and lan.ipv4 else conn.ipv4 and str(conn.ipv4),
            "ipv6": f"{conn.ipv6}/{six.ipv6.prefixlen}" if conn.ipv6 and six and six.ipv6 else conn.ipv6 and str(conn.ipv6),
            "switch": conn.switch, "ports": list(conn.ports), "lag": conn.lag, "speed": conn.speed,
            "macs": list(conn.macs), "route_server": conn.route_server,
        })
    return out


def _session(member: Member, intent: RouteServerIntent | None) -> dict[str, Any]:
    mi = intent.member(member.asn) if intent else None
    sessions = [s for s in intent.sessions if s.member_asn == member.asn] if intent else []
    ref = None
    if member.md5 is not None:
        ref = f"env {member.md5.env}" if member.md5.env else f"file {member.md5.file}"
    first = sessions[0] if sessions else None
    return {
        "sessions": len(sessions),
        "md5": member.md5 is not None, "md5_reference": ref,
        "hold_time": first.hold_time if first else None, "keepalive_time": first.keepalive_time if first else None,
        "passive": first.passive if first else None,
        "max_prefix4": mi.max_prefix4 if mi else None, "max_prefix6": mi.max_prefix6 if mi else None,
        "max_prefix_source": mi.max_prefix_source if mi else None, "limit_action": mi.limit_action if mi else None,
        "prefix_sets": ({"ipv4": len(intent.prefix_set(mi.prefix_set4).entries) if intent.prefix_set(mi.prefix_set4) else 0,
                         "ipv6": len(intent.prefix_set(mi.prefix_set6).entries) if intent.prefix_set(mi.prefix_set6) else 0}
                        if mi and intent else None),
    }


def _policy_and_communities(inv: Inventory, lpolicy: LoadedPolicy) -> tuple[list, list, list, list]:
    """From ``ixpctl.publish.docs`` (the published policy) when available, else from the chain alone."""
    try:
        from .docs import build_policy_doc
    except ImportError:  # docs not installed: a compact summary from the chain
        checks = [{"title": c.title, "title_fr": c.title_fr, "explain": c.explain, "explain_fr": c.explain_fr,
                   "code": c.code, "mode": "reject"} for c in CHAIN]
        rs = inv.ixp.rs_asn
        control = [{"value": f"{rs}:0:peer-as", "en": "Do not announce to peer-as.", "fr": "Ne pas annoncer à peer-as."},
                   {"value": f"{rs}:0:0", "en": "Do not announce to any peer.", "fr": "N'annoncer à aucun pair."},
                   {"value": f"{rs}:1:peer-as", "en": f"Announce to peer-as, with {rs}:0:0.",
                    "fr": f"Annoncer à peer-as, avec {rs}:0:0."}]
        return checks, control, [], []
    doc = build_policy_doc(inv, lpolicy)
    checks = [{"title": c.title, "title_fr": c.title_fr, "explain": c.explain, "explain_fr": c.explain_fr,
               "code": c.code, "mode": c.mode} for c in doc.checks]

    def comms(items: list) -> list[dict[str, Any]]:
        return [{"value": c.value, "en": c.en, "fr": c.fr} for c in items]

    return checks, comms(doc.control), comms(doc.info), comms(doc.well_known)


def _todo(item: TodoItem | str) -> dict[str, Any]:
    """A to-do line in every language: a pre-flight result words itself; a plain string stays as it is."""
    if isinstance(item, str):
        return {"name": None, "verdict": None, "code": None, **{lang: item for lang in LANGS}}
    return {"name": item.name, "verdict": item.verdict, "code": item.code or None,
            **{lang: item.line(lang) for lang in LANGS}}


def build_welcome(inv: Inventory, lpolicy: LoadedPolicy, asn: int, intent: RouteServerIntent | None,
                  report: CheckReport | None, *, todo: Sequence[TodoItem | str] | None = None) -> WelcomePack:
    """The pack for member ``asn`` of ``inv`` (which must list it), from the first route server's intent.

    ``todo``: the pre-flight results still to fix (warn/fail), printed in each pack's language.
    """
    member = inv.member(asn)
    if member is None:
        raise ValueError(f"AS{asn} is not in the inventory")
    ixp = inv.ixp
    checks, control, info, well_known = _policy_and_communities(inv, lpolicy)
    self_check = None
    if report is not None:
        self_check = {"route_server": report.route_server, "counts": report.counts,
                      "results": [r.to_json() for r in report.results], "notes": report.notes}
    return WelcomePack(
        ixp={"name": ixp.name, "long_name": ixp.long_name, "city": ixp.city, "country": ixp.country,
             "website": ixp.website, "support_email": ixp.support_email},
        asn=asn, name=member.name,
        as_sets=list(intent.member(asn).as_sets) if intent and intent.member(asn) else
        (list(member.as_sets) if isinstance(member.as_sets, list) else []),
        connections=_connections(inv, member), rs_asn=ixp.rs_asn,
        route_servers=[{"name": rs.name, "ipv4": str(rs.ipv4) if rs.ipv4 else None,
                        "ipv6": str(rs.ipv6) if rs.ipv6 else None} for rs in inv.route_servers],
        session=_session(member, intent), policy=checks, control=control, info=info, well_known=well_known,
        self_check=self_check, todo=[_todo(t) for t in todo or []],
        demo_mode=bool(ixp.fictional_resources and ixp.fictional_resources.enabled))


# --- rendering --------------------------------------------------------------------------------------

def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "welcome")),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True, autoescape=False, finalize=md_finalize)
    env.filters.update(code=md_code, esc=md_escape)
    return env


def filename(asn: int, lang: str, fmt: str) -> str:
    return f"AS{asn}.{lang}.{fmt}"


def render_markdown(pack: WelcomePack, lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGS)})")
    return _environment().get_template(f"welcome.{lang}.md.j2").render(p=pack, lang=lang)


_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def render_html(pack: WelcomePack, lang: str) -> str:
    body = _MD.render(render_markdown(pack, lang))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "welcome")),
                             undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True)
    title = {"en": "Welcome to", "fr": "Bienvenue à"}[lang]
    return env.get_template("page.html.j2").render(lang=lang, title=f"{title} {pack.ixp['name']} — AS{pack.asn}",
                                                   body=Markup(body))


def render_all(pack: WelcomePack) -> dict[str, str]:
    """File name → content: Markdown and HTML, English and French."""
    out = {}
    for lang in LANGS:
        out[filename(pack.asn, lang, "md")] = render_markdown(pack, lang)
        out[filename(pack.asn, lang, "html")] = render_html(pack, lang)
    return out


def write_all(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write each file through a temporary file and one rename (a reader never sees half a page)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        write_atomic(out_dir / name, text)
        paths.append(out_dir / name)
    return paths
