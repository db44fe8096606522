"""Write a report: JSON (the numbers, language-neutral), Markdown and HTML in French and English.

The HTML is one self-contained page per language (inline SVG charts, inline CSS, no JavaScript):
it can be mailed, put on a USB stick for a ministry meeting, or published as it is. The charts are
also written as files under ``charts/`` for slides. Templates: ``templates/report/`` (Jinja2,
autoescaped for HTML: member names are member-supplied text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from ..base.fsutil import write_atomic
from ..base.paths import templates_dir
from . import charts
from .assemble import Report
from .i18n import LANGS, Lang, Words, number, percent
from .impact import TITLES

FORMATS = ("html", "md", "json")


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir() / "report")),
                             autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["md"] = _md_cell
    return env


def _md_cell(value: object) -> str:
    """Member and operator text in a Markdown table cell: one line, no cell break, no raw HTML."""
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _reason(name: str, lang: Lang) -> str:
    en, fr = TITLES.get(name, (name, name))
    return fr if lang == "fr" else en


def impact_charts(report: Report, lang: Lang) -> dict[str, str]:
    t, imp = Words(lang), report.impact
    shares = imp.shares
    country = imp.country or "?"
    out = {"shares": charts.share_bars(
        [t.bar_asn_members, t.bar_asn_sending, t.bar_space4, t.bar_space6],
        [shares["members_of_country_asns"], shares["sending_of_country_asns"], shares["space4"], shares["space6"]],
        t("shares_chart", country=country))}
    members = [m for m in imp.per_member if m.accepted or m.filtered][:25]
    if members:
        out["routes"] = charts.stacked_routes([f"AS{m.asn}" for m in members], [m.accepted for m in members],
                                              [m.filtered for m in members], t.routes_chart, (t.accepted, t.filtered))
    out["reasons"] = charts.reason_pie({_reason(k, lang): v for k, v in imp.filtered_by_reason.items()},
                                       t.reasons_chart)
    if len(report.trends) > 1:
        dates = [p.date for p in report.trends]
        out["trend_members"] = charts.trend_lines(dates, {t.trends_members: [p.members for p in report.trends]},
                                                  t.trends_members, "")
        out["trend_shares"] = charts.trend_lines(dates, {
            t.trend_registered: [_pct(p.registered_share4) for p in report.trends],
            t.trend_reachable: [_pct(p.reachable_share4) for p in report.trends],
            t.trend_filtered: [_pct(p.filtered_share) for p in report.trends]}, t.trends_shares, "%")
        if sum(p.accepted_routes is not None for p in report.trends) > 1:
            out["trend_routes"] = charts.trend_lines(dates, {t.trend_routes: [p.accepted_routes for p in report.trends]},
                                                     t.trend_routes, "")
    return out


def _pct(value: float | None) -> float | None:
    return None if value is None else 100 * value


def _context(report: Report, lang: Lang) -> dict[str, Any]:
    prov = report.country_provenance
    return {"r": report, "i": report.impact, "t": Words(lang), "lang": lang,
            "other": "fr" if lang == "en" else "en", "prov": prov,
            "colon": "\u00a0:" if lang == "fr" else ":",  # French typography: a (non-breaking) space before
            "num": lambda v: number(v, lang), "pct": lambda v: percent(v, lang),
            "reason": lambda name: _reason(name, lang),
            "v6_48s": lambda addresses: number(addresses >> 80, lang)}


def render_impact(report: Report, lang: Lang, fmt: str, svgs: dict[str, str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(report.impact_json(), indent=1, ensure_ascii=False) + "\n"
    context = _context(report, lang)
    context["charts"] = svgs if svgs is not None else (impact_charts(report, lang) if fmt == "html" else {})
    return _env(fmt == "html").get_template(f"impact.{fmt}.j2").render(**context)


def render_manrs(report: Report, lang: Lang, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.manrs_json(), indent=1, ensure_ascii=False) + "\n"
    return _env(fmt == "html").get_template(f"manrs.{fmt}.j2").render(**_context(report, lang))


def write(report: Report, out_dir: Path, kinds: Iterable[str], langs: Iterable[Lang] = LANGS,
          formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write the chosen reports; returns the files written (JSON once, the others per language)."""
    out_dir = Path(out_dir)
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    formats = list(formats)
    for kind in kinds:
        if "json" in formats:
            path = out_dir / f"{kind}.json"
            text = render_impact(report, "en", "json") if kind == "impact" else render_manrs(report, "en", "json")
            write_atomic(path, text)
            written.append(path)
        for lang in langs:
            svgs = impact_charts(report, lang) if kind == "impact" and "html" in formats else {}
            for name, svg in svgs.items():
                path = out_dir / "charts" / f"impact-{name}.{lang}.svg"
                write_atomic(path, svg)
                written.append(path)
            for fmt in (f for f in formats if f != "json"):
                path = out_dir / f"{kind}.{lang}.{fmt}"
                text = render_impact(report, lang, fmt, svgs) if kind == "impact" else render_manrs(report, lang, fmt)
                write_atomic(path, text)
                written.append(path)
    return written
