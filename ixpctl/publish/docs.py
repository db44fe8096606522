"""The published route-server policy for members, built from the same data as the BIRD config.

``ixpctl docs`` must never say something the route servers do not do. So nothing here restates the
policy by hand: the document model is computed from the loaded inventory and policy (every knob of
``policies/default.yml``) and from ``ixpctl.policy.chain`` (the check order, codes and member-facing
texts the BIRD templates also use). Wording lives in ``templates/docs/policy.<lang>.md.j2``; the HTML
page is the same Markdown rendered by markdown-it-py, so there is one source of truth per language.

Member- and operator-supplied strings (IXP name, LAN names, ...) are untrusted: every ``{{ }}`` in a
Markdown template is escaped for Markdown unless a filter marked it safe (like Jinja's autoescape),
and markdown-it runs with raw HTML disabled, so a hostile name ends up as text in both outputs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from .. import __version__
from ..base.paths import templates_dir
from ..inventory.models import Inventory
from ..policy import communities
from ..policy.chain import BY_NAME, CHAIN
from ..policy.communities import CONTROL, active_patterns
from ..policy.intent import ASPA_MIN_BIRD, ASPA_MIN_OPENBGPD
from ..policy.loader import LoadedPolicy
from ..policy.model import MEMBER_OVERRIDABLE, Policy

LANGS: tuple[str, ...] = ("en", "fr")
FORMATS: tuple[str, ...] = ("md", "html")
Mode = Literal["reject", "tag", "off"]

# Checks that the BIRD templates (templates/bird/checks/) can run in "tag" mode: the route is accepted
# and tagged (RS, 65521, code) instead of rejected. Every other check only rejects.
TAG_CAPABLE: frozenset[str] = frozenset({"transit_free", "irr_origin", "irr_prefix", "rpki_invalid", "aspa"})

# Which policy knob a member may override for each check (looked up in MEMBER_OVERRIDABLE, so the
# published "may differ per member" marks follow the loader's rules).
_CHECK_KNOB: dict[str, tuple[str, str | None]] = {
    "next_hop": ("next_hop", "policy"),
    "prefix_length": ("prefixes", "length"),
    "as_path_length": ("as_path", "max_length"),
    "irr_origin": ("irr", "enforce_origin"),
    "irr_prefix": ("irr", "enforce_prefix"),
    "rpki_invalid": ("rpki", "reject_invalid"),
    "blackhole_not_allowed": ("blackhole", "enabled"),
    "black_list": ("lists", "black_list_prefixes"),
}


@dataclass(frozen=True)
class RouteServerDoc:
    name: str
    lan: str | None
    ipv4: str | None
    ipv6: str | None


@dataclass(frozen=True)
class LanDoc:
    name: str
    vlan: int | None
    ipv4: str | None
    ipv6: str | None


@dataclass(frozen=True)
class CheckDoc:
    """One import check as published: chain texts, whether it runs and with which parameters."""

    position: int  # 1-based, in chain order
    name: str
    code: int
    mode: Mode  # what the IXP-wide policy does when the check fails
    params: dict[str, Any]
    per_member: bool  # members may have an exception (override) for this check
    title: str
    title_fr: str
    explain: str
    explain_fr: str
    fix: str
    fix_fr: str
    reject_community: str  # RS:65520:code
    tag_community: str | None  # RS:65521:code where the check has a tag mode


@dataclass(frozen=True)
class CommunityDoc:
    """One community and what it means, in both languages (like the texts of chain.CHAIN)."""

    value: str
    kind: Literal["standard", "large", "extended"]
    en: str
    fr: str


@dataclass(frozen=True)
class PolicyDoc:
    ixp_name: str
    ixp_long_name: str | None
    city: str | None
    country: str | None
    website: str | None  # only http(s) URLs are kept, so a link can never carry a script
    support_email: str | None
    rs_asn: int
    rs_asn_16bit: bool
    lans: list[LanDoc]
    route_servers: list[RouteServerDoc]
    session: dict[str, Any]
    keep_filtered: bool
    max_prefix: dict[str, Any]
    checks: list[CheckDoc]
    control: list[CommunityDoc]  # announcement control, only what the export function implements
    standard_reason: str | None  # why standard control communities are absent: "policy" | "asn32"
    info: list[CommunityDoc]
    reject_reasons: list[CheckDoc]  # every check, sorted by code
    scrub_own: bool
    graceful_shutdown: dict[str, Any]
    blackhole: dict[str, Any]
    well_known: list[CommunityDoc]
    reject_base: int
    tag_base: int
    bogons4: list[str]
    bogons6: list[str]
    demo_mode: bool
    version: str = __version__

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- building the model ---------------------------------------------------------------------------

def build_policy_doc(inventory: Inventory, loaded: LoadedPolicy) -> PolicyDoc:
    """The document model: a pure function of (inventory, policy) so docs and configs cannot diverge."""
    policy = loaded.policy
    ixp = inventory.ixp
    rs = ixp.rs_asn
    std_ok = policy.communities.standard and rs <= 65535
    checks = [_check_doc(i, c.name, policy, inventory) for i, c in enumerate(CHAIN, start=1)]
    return PolicyDoc(
        ixp_name=ixp.name, ixp_long_name=ixp.long_name, city=ixp.city, country=ixp.country,
        website=ixp.website if ixp.website and _SAFE_URL.match(ixp.website) else None,
        support_email=ixp.support_email, rs_asn=rs, rs_asn_16bit=rs <= 65535,
        lans=[LanDoc(lan.name, lan.vlan, _str(lan.ipv4), _str(lan.ipv6)) for lan in ixp.lans],
        route_servers=[RouteServerDoc(s.name, s.lan or (lan.name if (lan := inventory.lan_of(None)) else None),
                                      _str(s.ipv4), _str(s.ipv6)) for s in inventory.route_servers],
        session=policy.session.model_dump(mode="json"),
        keep_filtered=policy.reject_policy.keep_filtered,
        max_prefix=_max_prefix(policy),
        checks=checks,
        control=control_communities(policy, rs),
        standard_reason=None if std_ok else ("policy" if not policy.communities.standard else "asn32"),
        info=info_communities(policy, rs),
        reject_reasons=sorted(checks, key=lambda c: c.code),
        scrub_own=policy.communities.scrub_own,
        graceful_shutdown=policy.graceful_shutdown.model_dump(mode="json"),
        blackhole=policy.blackhole.model_dump(mode="json"),
        well_known=well_known_communities(policy, rs),
        reject_base=policy.communities.reject_reason_base, tag_base=policy.communities.tag_reason_base,
        bogons4=[str(p) for p in loaded.bogons4], bogons6=[str(p) for p in loaded.bogons6],
        demo_mode=bool(ixp.fictional_resources and ixp.fictional_resources.enabled),
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d+)?(/[A-Za-z0-9._~/%-]*)?$")


def _per_member(name: str) -> bool:
    knob = _CHECK_KNOB.get(name)
    if knob is None or knob[0] not in MEMBER_OVERRIDABLE:
        return False
    keys = MEMBER_OVERRIDABLE[knob[0]]
    return keys is None or knob[1] in keys


def _check_doc(position: int, name: str, policy: Policy, inventory: Inventory) -> CheckDoc:
    mode, params = check_settings(name, policy, inventory)
    c = BY_NAME[name]
    rs = inventory.ixp.rs_asn
    return CheckDoc(
        position=position, name=name, code=c.code, mode=mode, params=params, per_member=_per_member(name),
        title=c.title, title_fr=c.title_fr, explain=c.explain, explain_fr=c.explain_fr, fix=c.fix, fix_fr=c.fix_fr,
        reject_community=f"{rs}:{policy.communities.reject_reason_base}:{c.code}",
        tag_community=f"{rs}:{policy.communities.tag_reason_base}:{c.code}" if name in TAG_CAPABLE else None,
    )


def _on(flag: bool) -> Mode:
    return "reject" if flag else "off"


def _reject_or_tag(reject: bool) -> Mode:
    return "reject" if reject else "tag"


def check_settings(name: str, policy: Policy, inventory: Inventory) -> tuple[Mode, dict[str, Any]]:
    """Mode and parameters of one check, mirroring the conditions of templates/bird/checks/<name>.j2.

    Checks the templates always render (next hop, default route, bogons, first AS, ...) are "reject"
    whatever a knob says: the document describes what the config does.
    """
    p = policy
    if name == "next_hop":
        return "reject", {"policy": p.next_hop.policy}
    if name == "default_route":
        # templates/bird/checks/default_route.j2 rejects unconditionally (prefixes.reject_default_route
        # is not consulted there), so the published policy says so too.
        return "reject", {}
    if name == "bogon":
        return "reject", {}
    if name == "peering_lan":
        lans = [str(n) for lan in inventory.ixp.lans for n in (lan.ipv4, lan.ipv6) if n is not None]
        return _on(p.prefixes.reject_peering_lan), {"prefixes": lans}
    if name == "prefix_length":
        return "reject", {"ipv4_min": p.prefixes.length.ipv4.min, "ipv4_max": p.prefixes.length.ipv4.max,
                          "ipv6_min": p.prefixes.length.ipv6.min, "ipv6_max": p.prefixes.length.ipv6.max,
                          "blackhole_ipv4_max": p.blackhole.max_length_ipv4,
                          "blackhole_ipv6_max": p.blackhole.max_length_ipv6}
    if name == "ipv6_global_unicast":
        return _on(p.prefixes.ipv6_global_unicast_only), {}
    if name == "first_as":
        return "reject", {}
    if name == "as_path_length":
        return "reject", {"max_length": p.as_path.max_length}
    if name == "invalid_asn":
        return _on(p.as_path.reject_invalid_asns), {}
    if name == "as_set":
        return _on(p.as_path.reject_as_sets), {}
    if name == "transit_free":
        members = {m.asn for m in inventory.members}  # as in policy.intent: members are never "transit-free"
        asns = sorted(set(p.as_path.transit_free.asns) - members)
        return (_reject_or_tag(p.as_path.transit_free.action == "reject") if asns else "off"), {"asns": asns}
    if name == "never_via_rs":
        nv = p.as_path.never_via_route_servers
        return "reject", {"peeringdb": nv.peeringdb, "asns": sorted(nv.asns)}
    if name == "irr_origin":
        return _reject_or_tag(p.irr.enforce_origin), {"empty_as_set": p.irr.empty_as_set}
    if name == "irr_prefix":
        return _reject_or_tag(p.irr.enforce_prefix), {
            "allow_more_specifics": p.irr.allow_more_specifics,
            "rpki_roas_as_route_objects": p.irr.rpki_roas_as_route_objects}
    if name == "rpki_invalid":
        if not p.rpki.enabled:
            return "off", {}
        return _reject_or_tag(p.rpki.reject_invalid), {}
    if name == "aspa":
        # the config runs it only where the daemon has ASPA: BIRD >= 2.16 (policy.intent.ASPA_MIN_BIRD),
        # OpenBGPD >= 8.0 with session roles (ASPA_MIN_OPENBGPD)
        def has_aspa(rs) -> bool:
            if rs.daemon == "bird":
                return rs.bird_version_tuple()[:2] >= ASPA_MIN_BIRD
            version = tuple(int(x) for x in rs.openbgpd_version.split(".")[:2])
            return version >= ASPA_MIN_OPENBGPD and p.session.role

        running = [rs.name for rs in inventory.route_servers if has_aspa(rs)]
        without = [rs.name for rs in inventory.route_servers if rs.name not in running]
        if not p.aspa.enabled or not running:
            return "off", {"enabled": p.aspa.enabled, "route_servers": running, "without": without}
        return _reject_or_tag(p.aspa.reject_invalid), {"enabled": True, "route_servers": running, "without": without}
    if name == "blackhole_not_allowed":
        return "reject", {"default_enabled": p.blackhole.enabled}
    if name == "black_list":
        return "reject", {}
    raise KeyError(f"check '{name}' of chain.CHAIN is not documented in ixpctl.publish.docs.check_settings")


def _max_prefix(policy: Policy) -> dict[str, Any]:
    mp = policy.max_prefix
    return {"peeringdb": mp.peeringdb, "absolute": mp.headroom.absolute, "relative": mp.headroom.relative,
            "default_ipv4": mp.default_ipv4, "default_ipv6": mp.default_ipv6, "action": mp.action,
            "restart_after": mp.restart_after, "per_member": _per_member_key("max_prefix", "action")}


def _per_member_key(section: str, key: str) -> bool:
    keys = MEMBER_OVERRIDABLE.get(section, set())
    return section in MEMBER_OVERRIDABLE and (keys is None or key in keys)


def _community_docs(policy: Policy, rs: int, names: tuple[str, ...]) -> list[CommunityDoc]:
    """The forms in force of these communities, with their values as members type them: exactly
    the forms the BIRD config tests (``policy.communities.active_patterns``), so docs and config
    cannot drift apart."""
    comm = policy.communities.model_dump(mode="json")
    out: list[CommunityDoc] = []
    for name in names:
        d = communities.BY_NAME[name]
        for p in active_patterns(comm, name, rs):
            value = ":".join("peer-as" if f == "peer" else str(rs) if f == "rs" else str(f) for f in p.fields)
            value = f"{p.ext_type}:{value}" if p.ext_type else value
            out.append(CommunityDoc(value, _KIND[p.kind], d.meaning[0].upper() + d.meaning[1:] + ".",
                                    d.meaning_fr[0].upper() + d.meaning_fr[1:] + "."))
    return out


_KIND: dict[str, Literal["standard", "large", "extended"]] = {"std": "standard", "large": "large",
                                                              "ext": "extended"}


def control_communities(policy: Policy, rs: int) -> list[CommunityDoc]:
    """Announcement control: every community rs_export_to (templates/bird/functions.j2) acts on."""
    return _community_docs(policy, rs, CONTROL)


def info_communities(policy: Policy, rs: int) -> list[CommunityDoc]:
    """The informational tags the import checks add (rpki_invalid.j2, irr_prefix.j2)."""
    if not policy.communities.info_tags:
        return []
    names = []
    if policy.rpki.enabled and policy.rpki.tag_valid_and_not_found:
        names += ["rpki_valid", "rpki_not_found"]
    names.append("irr_registered")
    if policy.irr.rpki_roas_as_route_objects and policy.rpki.enabled:
        names.append("irr_via_roa")
    return _community_docs(policy, rs, tuple(names))


def well_known_communities(policy: Policy, rs: int) -> list[CommunityDoc]:
    """RFC 8326 / RFC 7999 communities (and the IXP's own blackhole form) as the import treats them."""
    out: list[CommunityDoc] = []
    if policy.graceful_shutdown.enabled:
        lp = policy.graceful_shutdown.local_pref
        out += [CommunityDoc(c.value, c.kind, f"GRACEFUL_SHUTDOWN (RFC 8326): the route server sets local-pref {lp}.",
                             f"GRACEFUL_SHUTDOWN (RFC 8326) : le serveur de routes fixe la local-pref à {lp}.")
                for c in _community_docs(policy, rs, ("graceful_shutdown",))]
    out += [CommunityDoc(c.value, c.kind, "BLACKHOLE (RFC 7999): accepted only from members with blackholing "
                         "enabled.", "BLACKHOLE (RFC 7999) : accepté uniquement des membres ayant le blackholing "
                         "activé.") for c in _community_docs(policy, rs, ("blackhole", "blackhole_local"))]
    if policy.blackhole.add_no_export:
        out.append(CommunityDoc("65535:65281", "standard",
                                "NO_EXPORT: added by the route server to every blackhole route it announces.",
                                "NO_EXPORT : ajouté par le serveur de routes à chaque route blackhole annoncée."))
    return out


# --- rendering --------------------------------------------------------------------------------------

class _Md(str):
    """Markdown produced by a filter below: let through ``_finalize`` unescaped."""


# Inline Markdown syntax, plus '-', '+', '=' at the start of a value (list items, setext headings).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|&~])|^([-+=])")


def md_escape(value: Any) -> _Md:
    """Untrusted text for Markdown: one line, every punctuation mark that Markdown could read escaped."""
    if isinstance(value, _Md):
        return value
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value))
    return _Md(_MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or m.group(2)), text))


def md_finalize(value: Any) -> Any:
    """Autoescape for Markdown: every string a template prints is escaped unless a filter made it."""
    if value is None:
        return ""
    if isinstance(value, _Md) or not isinstance(value, str):
        return value
    return md_escape(value)


def md_code(value: Any) -> _Md:
    """An inline code span (community values, prefixes): backticks removed so the span cannot end early."""
    text = re.sub(r"[\x00-\x1f\x7f`]+", " ", str(value))
    return _Md(f"`{text}`")


def md_text(value: Any) -> _Md:
    """Trusted project text (chain.py): only the characters that would change the table layout escaped."""
    return _Md(re.sub(r"([|\\<>*`\[\]])", r"\\\1", re.sub(r"\s+", " ", str(value))))


def md_link(label: Any, url: str) -> _Md:
    return _Md(f"[{md_escape(label)}]({url})") if _SAFE_URL.match(url) or _LOCAL.match(url) else md_escape(label)


_LOCAL = re.compile(r"^[A-Za-z0-9._-]+$")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "docs")),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        autoescape=False, finalize=md_finalize,
    )
    env.filters.update(code=md_code, text=md_text, link=md_link, esc=md_escape, raw=_Md)
    return env


def filename(lang: str, fmt: str) -> str:
    return f"policy.{lang}.{fmt}"


def render_markdown(doc: PolicyDoc, lang: str, *, link_ext: str = "md") -> str:
    """The published policy in ``lang``; ``link_ext`` makes the cross-language link point at .md or .html."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGS)})")
    others = [(other, filename(other, link_ext)) for other in LANGS if other != lang]
    return environment().get_template(f"policy.{lang}.md.j2").render(d=doc, lang=lang, others=others)


_MD = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def render_html(doc: PolicyDoc, lang: str) -> str:
    """A self-contained HTML page: the Markdown of the same language, raw HTML disabled, in page.html.j2."""
    body = _MD.render(render_markdown(doc, lang, link_ext="html"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "docs")),
                             undefined=jinja2.StrictUndefined, autoescape=True, keep_trailing_newline=True)
    title = {"en": "Route-server policy", "fr": "Politique des serveurs de routes"}[lang]
    return env.get_template("page.html.j2").render(lang=lang, title=f"{doc.ixp_name} — {title}",
                                                   body=Markup(body))


def render(doc: PolicyDoc, lang: str, fmt: str) -> str:
    if fmt == "md":
        return render_markdown(doc, lang)
    if fmt == "html":
        return render_html(doc, lang)
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def render_all(doc: PolicyDoc, langs: list[str] | tuple[str, ...] = LANGS,
               formats: list[str] | tuple[str, ...] = FORMATS) -> dict[str, str]:
    """File name → content for every (language, format) asked for."""
    return {filename(lang, fmt): render(doc, lang, fmt) for lang in langs for fmt in formats}
