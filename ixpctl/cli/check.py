"""`ixpctl check <ASN>`: which of a member's prefixes the route servers accept, and why."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..analysis.selfcheck import Announcement, CheckReport, read_announcements, self_check
from ..errors import InputError
from ..policy.intent import compile_route_server
from .common import Context, console, console_err, json_option, print_json
from .facts import dropped, facts_options, load_facts


@click.command()
@click.argument("asn")
@click.option("--prefix", "prefixes", multiple=True,
              help="A prefix to check (repeatable); 'P AS<origin>' sets the origin.")
@click.option("--from-file", "from_file", type=click.Path(path_type=Path),
              help="Routes file: 'prefix [origin] [path...]' per line, or a `birdc show route all` dump.")
@click.option("--html", "html_out", type=click.Path(path_type=Path), help="Also write an HTML report (EN + FR).")
@click.option("--rs", "rs_name", default=None, help="Route server whose config to check against (default: first).")
@facts_options
@json_option
@click.pass_obj
def check(ctx: Context, asn: str, prefixes: tuple[str, ...], from_file: Path | None, html_out: Path | None,
          rs_name: str | None, snapshot: Path | None, as_json: bool) -> None:
    """Run a member's routes through the route-server policy: accepted, or rejected with the reason
    and how to fix it. Exit 0 when every route is accepted, 1 when some are rejected."""
    from ..inventory.asn import parse_asn

    try:
        member_asn = parse_asn(asn)
    except ValueError as exc:
        raise InputError(str(exc), fix="give the member's ASN, e.g. 64496 or AS64496") from None
    loaded = ctx.loaded_inventory()
    policy = ctx.loaded_policy()
    facts = load_facts(ctx, snapshot)
    servers = loaded.inventory.route_servers
    rs = next((r for r in servers if r.name == rs_name), None) if rs_name else servers[0]
    if rs is None:
        raise InputError(f"unknown route server {rs_name}", fix=f"use one of {', '.join(r.name for r in servers)}")
    intent = compile_route_server(loaded, policy, facts, rs)
    announcements: list[Announcement] | None = None
    if from_file:
        announcements = read_announcements(from_file, member_asn)
    if prefixes:
        from ..analysis.selfcheck import parse_announcements
        announcements = (announcements or []) + parse_announcements("\n".join(prefixes), member_asn,
                                                                    source="--prefix")
    report = self_check(intent, facts, member_asn, announcements)
    if html_out:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render_html(report, loaded.inventory.ixp.name))
    for warning in dropped(facts):  # facts left out: the verdicts below do not count on them
        console_err.print(f"[yellow]warning:[/] {escape(warning)}")
    if as_json:
        print_json({**report.to_json(), "warnings": dropped(facts)})
    else:
        print_report(report)
    sys.exit(0 if report.counts["rejected"] == 0 else 1)


def print_report(report: CheckReport) -> None:
    table = Table(title=f"AS{report.asn} {escape(report.name)} — checked against {report.route_server}",
                  title_justify="left")
    for col in ("prefix", "AS path", "verdict", "why / how to fix"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        path = " ".join(map(str, r.path)) + (" (origin assumed)" if r.origin_assumed else "")
        if r.accepted:
            states = [f"RPKI {r.rpki}" if r.rpki else "", f"ASPA {r.aspa}" if r.aspa else ""]
            shown = ", ".join(x for x in states if x)
            verdict = "[green]accepted[/]" + (f" ({shown})" if shown else "")
            why = escape(export_summary(r, "en"))
            if r.details:
                why += "\n[dim]" + escape("; ".join(r.details)) + "[/]"
        else:
            verdict = f"[red]rejected[/] ({r.code})" if r.code else "[red]rejected[/]"
            why = f"{escape(r.reason or '')}\n[dim]{escape(r.fix or '')}[/]"
            if r.details:
                why += "\n[dim]" + escape("; ".join(r.details)) + "[/]"
        table.add_row(r.prefix, path, verdict, why)
    console.print(table)
    c = report.counts
    console.print(f"{c['accepted']} accepted, {c['rejected']} rejected of {c['total']}")
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/]")


def export_summary(r, lang: str) -> str:
    """Who receives an accepted route: the route servers' export rules (communities, blackholes)."""
    if r.receivers is None:
        return ""
    got = r.receivers - len(r.not_exported_to)
    if not r.not_exported_to:
        return f"sent to all {got} other members" if lang == "en" else f"envoyée aux {got} autres membres"
    names = ", ".join(f"AS{a}" for a in r.not_exported_to)
    return (f"sent to {got} of {r.receivers} other members, not to {names}" if lang == "en" else
            f"envoyée à {got} des {r.receivers} autres membres, pas à {names}")


def render_html(report: CheckReport, ixp_name: str) -> str:
    """A self-contained page a member can read without an engineer, English then French."""
    e = html.escape

    def rows(lang: str) -> str:
        out = []
        for r in report.results:
            reason = (r.reason if lang == "en" else r.reason_fr) or export_summary(r, lang)
            fix = (r.fix if lang == "en" else r.fix_fr) or ""
            verdict = ("accepted" if lang == "en" else "accepté") if r.accepted else \
                (("rejected" if lang == "en" else "rejeté") + (f" ({r.code})" if r.code else ""))
            cls = "ok" if r.accepted else "ko"
            details = (r.details_fr or r.details) if lang == "fr" else r.details
            out.append(f"<tr class='{cls}'><td>{e(r.prefix)}</td><td>{e(' '.join(map(str, r.path)))}</td>"
                       f"<td>{e(verdict)}</td><td>{e(reason)}<br><small>{e(fix)}"
                       f"{'<br>' + e('; '.join(details)) if details else ''}</small></td></tr>")
        return "\n".join(out)

    c = report.counts
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{e(ixp_name)} — AS{report.asn} prefix check</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:.3em;text-align:left;vertical-align:top}}tr.ok td:nth-child(3){{color:#060}}
tr.ko td:nth-child(3){{color:#a00}}small{{color:#555}}</style></head><body>
<h1>{e(ixp_name)} route servers — AS{report.asn} {e(report.name)}</h1>
<section lang="en"><h2>Which of your prefixes the route servers accept</h2>
<p>{c['accepted']} accepted, {c['rejected']} rejected of {c['total']}.</p>
<table><tr><th>Prefix</th><th>AS path</th><th>Verdict</th><th>Reason and fix</th></tr>
{rows('en')}</table></section>
<section lang="fr"><h2>Les préfixes acceptés par les serveurs de routes</h2>
<p>{c['accepted']} acceptés, {c['rejected']} rejetés sur {c['total']}.</p>
<table><tr><th>Préfixe</th><th>Chemin d'AS</th><th>Verdict</th><th>Raison et correction</th></tr>
{rows('fr')}</table></section></body></html>
"""
