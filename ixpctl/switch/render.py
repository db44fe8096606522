"""Render a SwitchIntent to config text with the templates in ``templates/switch/<platform>/``.

Each platform folder holds three templates, each rendered per item so a push can be limited to one
port: ``global.j2`` (VLANs, shared filters), ``port.j2`` (one member connection: port or LAG and its
filters) and ``unused.j2`` (one unused port). The result keeps those sections apart (``Section``).

Safety: member names and descriptions are member-supplied. Every ``{{ }}`` output passes
``_finalize``, which lets through only numbers, values already escaped by one of our filters
(``desc``, ``comment``, ``quoted``, ``json``) and identifier-like strings (interface names, MACs,
ACL names). Anything else — a space, a quote, a newline, a brace, ';', '#', '!' — is a BuildError,
so a hostile description can never add a config line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

import jinja2

from .. import __version__
from ..base.paths import templates_dir
from ..errors import BuildError
from .intent import PortGroup, SwitchIntent
from .platforms import CAPABILITIES, capability_lines

SectionKind = Literal["header", "global", "port", "unused"]


@dataclass(frozen=True)
class Section:
    kind: SectionKind
    key: str  # "" for header/global, else the logical interface
    ports: frozenset[str]  # every interface name this section configures
    text: str


@dataclass(frozen=True)
class RenderedSwitch:
    intent: SwitchIntent
    sections: tuple[Section, ...]

    @property
    def name(self) -> str:
        return self.intent.name

    @property
    def text(self) -> str:
        if self.intent.platform.document == "json":
            return _json_document(self.sections)
        return "".join(s.text for s in self.sections)

    def limited(self, ports: set[str] | None) -> RenderedSwitch:
        """Only the header, the shared part and the sections touching ``ports`` (None = everything)."""
        if ports is None:
            return self
        keep = tuple(s for s in self.sections if s.kind in ("header", "global") or s.ports & ports)
        return RenderedSwitch(self.intent, keep)

    def section_keys(self) -> list[str]:
        return [s.key for s in self.sections if s.kind in ("port", "unused")]


def _json_document(sections: tuple[Section, ...]) -> str:
    """JSON platforms: each template renders one JSON object; the document is assembled here so a
    limited push (one port) is still one valid document."""
    doc: dict[str, Any] = {}
    ports: dict[str, Any] = {}
    for s in sections:
        if s.kind == "header":
            doc["comment"] = [line[2:] if line.startswith("# ") else line.lstrip("#")
                              for line in s.text.splitlines()]
            continue
        try:
            obj = json.loads(s.text)
        except ValueError as exc:
            raise BuildError(f"template output for {s.key or s.kind} is not JSON: {exc}",
                             fix="fix the linux_bridge template") from None
        if s.kind == "global":
            doc.update(obj)
        else:
            ports[s.key] = obj
    doc["ports"] = ports
    return json.dumps(doc, indent=2) + "\n"


class _SafeText(str):
    """Produced by an escaping filter: allowed through _finalize."""


_IDENT = re.compile(r"^[A-Za-z0-9/._:@+,-]*$")


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise BuildError("a template printed a boolean", fix="this is a template bug: use {% if %}")
    if isinstance(value, (_SafeText, int)):
        return value
    if isinstance(value, str) and _IDENT.match(value):
        return value
    raise BuildError(f"refusing to write {value!r} into a switch config: it is not an identifier",
                     fix="this is a template bug: pass member text through |desc, |comment or |quoted")


_TEXT_OK = re.compile(r"[^A-Za-z0-9 .,:_()/@+=-]")


def clean_text(value: Any, limit: int = 64) -> str:
    """Member text reduced to characters every dialect reads literally, on one line.

    Accents are folded to ASCII (Ségou → Segou); anything else outside ``A-Z a-z 0-9 space . , : _ ( ) /
    @ + = -`` becomes a space (quotes, braces, ';', '#', '!', '?', backslashes, control characters).
    """
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    text = _TEXT_OK.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit].strip() or "-"


def desc(value: Any) -> _SafeText:
    """An interface description (unquoted dialects: EOS, IOS, NX-OS)."""
    return _SafeText(clean_text(value, 64))


def comment(value: Any) -> _SafeText:
    """Text after a comment marker: one line, no markup characters."""
    return _SafeText(clean_text(value, 100))


def quoted(value: Any) -> _SafeText:
    """A double-quoted string (Junos): the cleaned text cannot contain quotes or backslashes."""
    return _SafeText('"' + clean_text(value, 64) + '"')


def json_value(value: Any) -> _SafeText:
    """A JSON literal (linux_bridge documents); json.dumps escapes everything that matters."""
    return _SafeText(json.dumps(value, ensure_ascii=True, sort_keys=True))


def block(value: Any) -> _SafeText:
    """The output of a template macro. Safe by construction: every value inside the macro already
    went through _finalize when the macro was rendered. Never apply it to data."""
    return _SafeText(value)


def mac_dotted(mac: str) -> str:
    """02:00:00:64:96:01 → 0200.0064.9601 (Cisco/Arista notation)."""
    digits = mac.replace(":", "")
    return ".".join(digits[i:i + 4] for i in range(0, 12, 4))


def mac_huawei(mac: str) -> str:
    """02:00:00:64:96:01 → 0200-0064-9601 (Huawei VRP notation)."""
    return mac_dotted(mac).replace(".", "-")


def port_description(group: PortGroup) -> str:
    prefix = {"active": "", "planned": "PLANNED ", "disabled": "DISABLED "}[group.state]
    return f"{prefix}AS{group.member_asn} {group.member_name}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_finalize,
    )
    env.filters.update(desc=desc, comment=comment, quoted=quoted, json=json_value, mac_dotted=mac_dotted, mac_huawei=mac_huawei,
                       block=block)
    env.globals.update(port_description=port_description)
    return env


def _header(intent: SwitchIntent) -> str:
    c = intent.platform.comment
    p = intent.platform
    lines = [
        f"{intent.name} ({p.title}) - peering LAN member ports of {clean_text(intent.ixp_name)}",
        f"generated by ixpctl {__version__} from the inventory; do not edit on the device",
        f"management: {clean_text(intent.mgmt_host)}" + (f", site: {clean_text(intent.site)}" if intent.site else ""),
        (f"NAPALM driver: {p.napalm_driver}; commit-confirm: {'yes' if p.commit_confirm else 'no'}; "
         f"templates tested: {p.tested_on}"),
        "",
        "LAN hygiene this platform enforces on member ports (Euro-IX):",
        *capability_lines(p),
        "",
        "uplinks (not managed here): " + (", ".join(intent.uplinks) or "none"),
    ]
    if intent.lldp_transmit:
        lines.append("LLDP transmit toward members: ON (inventory switches[].lldp_transmit)")
    return "".join(f"{c} {line}".rstrip() + "\n" for line in lines)


def render_switch(intent: SwitchIntent) -> RenderedSwitch:
    """Pure: the same intent always gives the same text."""
    env = environment()
    folder = intent.platform.template_dir
    try:
        t_global = env.get_template(f"{folder}/global.j2")
        t_port = env.get_template(f"{folder}/port.j2")
        t_unused = env.get_template(f"{folder}/unused.j2")
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"switch templates missing for platform {intent.platform.name}: {exc.name}",
                         fix=f"add templates/switch/{intent.platform.name}/global.j2, port.j2 and unused.j2") from None
    ctx = {"sw": intent, "platform": intent.platform, "opts": intent.options, "capabilities": CAPABILITIES}
    sections = [Section("header", "", frozenset(), _header(intent)),
                Section("global", "", frozenset(), t_global.render(**ctx))]
    for group in intent.groups:
        sections.append(Section("port", group.interface, group.port_names, t_port.render(g=group, **ctx)))
    for port in intent.unused:
        sections.append(Section("unused", port.name, frozenset({port.name}), t_unused.render(p=port, **ctx)))
    return RenderedSwitch(intent, tuple(sections))


def render_inventory(inv, options=None) -> list[RenderedSwitch]:
    from .intent import switch_intents
    return [render_switch(i) for i in switch_intents(inv, options)]
