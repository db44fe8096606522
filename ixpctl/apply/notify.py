"""Who hears about a run: members (their routes that became filtered or were fixed, in their
language, at most ``apply.notifications.per_member_per_day`` e-mails a day, opt-out with
``members[].notify: false``) and the operator (alerts: a refused guard, a failed deploy, a stale
source, a session down for longer than ``apply.alerts.session_down_minutes``).

The reasons and fixes are the route servers' own texts, the ones `ixpctl check` prints
(``analysis.selfcheck``: the chain's title and fix in English and French, plus details such as the
ROA that makes a route invalid, also in both languages: ``details`` / ``details_fr``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..analysis.selfcheck import Announcement, PrefixResult, self_check
from ..base.fsutil import write_atomic
from ..inventory.models import Inventory, Member
from ..policy.intent import RouteServerIntent
from ..sources.facts import Facts
from .mail import message, post_webhook, read_secret, send_mail

_TEXT = {
    "en": {
        "subject": "[{ixp} route servers] AS{asn}: {filtered} route(s) now filtered, {fixed} fixed",
        "hello": "Hello {name},",
        "intro": "the {ixp} route servers took a new configuration today ({run}). For your network AS{asn}:",
        "filtered": "Routes the route servers now filter (not sent to the other members):",
        "fixed": "Routes accepted again (fixed):",
        "why": "why:", "fix": "how to fix:", "path": "AS path",
        "check": "Before announcing a new prefix, {support} can check it for you (ixpctl check {asn} --prefix <prefix>).",
        "optout": "You receive this because you peer with the {ixp} route servers. To stop these e-mails, ask {support} "
                  "(inventory: notify: false).",
    },
    "fr": {
        "subject": "[Serveurs de routes {ixp}] AS{asn} : {filtered} route(s) désormais filtrée(s), {fixed} corrigée(s)",
        "hello": "Bonjour {name},",
        "intro": "les serveurs de routes de {ixp} ont reçu une nouvelle configuration aujourd'hui ({run}). "
                 "Pour votre réseau AS{asn} :",
        "filtered": "Routes désormais filtrées par les serveurs de routes (non transmises aux autres membres) :",
        "fixed": "Routes de nouveau acceptées (corrigées) :",
        "why": "pourquoi :", "fix": "comment corriger :", "path": "chemin d'AS",
        "check": "Avant d'annoncer un nouveau préfixe, {support} peut le vérifier pour vous "
                 "(ixpctl check {asn} --prefix <préfixe>).",
        "optout": "Vous recevez ce message parce que vous êtes connecté aux serveurs de routes de {ixp}. Pour ne plus "
                  "le recevoir, écrivez à {support} (inventaire : notify: false).",
    },
}


@dataclass
class MemberNews:
    asn: int
    filtered: list[PrefixResult] = field(default_factory=list)
    fixed: list[Announcement] = field(default_factory=list)


def explain(intent: RouteServerIntent, facts: Facts, asn: int, routes: list[tuple[str, list[int]]]) -> list[PrefixResult]:
    """The routes' verdicts with the reasons and fixes of `ixpctl check` (same function)."""
    anns = [Announcement(prefix, path or [asn]) for prefix, path in routes]
    return self_check(intent, facts, asn, anns).results if anns else []


def member_body(inv: Inventory, member: Member, news: MemberNews, language: str, run_id: str) -> tuple[str, str]:
    t = _TEXT[language]
    ixp = inv.ixp.name
    support = inv.ixp.support_email or inv.apply.notifications.reply_to or ("l'IXP" if language == "fr" else "the IXP")
    subject = t["subject"].format(ixp=ixp, asn=member.asn, filtered=len(news.filtered), fixed=len(news.fixed))
    lines = [t["hello"].format(name=member.name), "", t["intro"].format(ixp=ixp, run=run_id, asn=member.asn), ""]
    if news.filtered:
        lines.append(t["filtered"])
        for r in news.filtered:
            reason = (r.reason_fr if language == "fr" else r.reason) or r.reason or r.check or "?"
            fix = (r.fix_fr if language == "fr" else r.fix) or r.fix or ""
            lines.append(f"  - {r.prefix}  ({t['path']} {' '.join(map(str, r.path))})")
            lines.append(f"      {t['why']} {reason}" + (f" [{r.code}]" if r.code is not None else ""))
            if fix:
                lines.append(f"      {t['fix']} {fix}")
            # the detail sentences in the member's language (selfcheck writes both); English only
            # when a French one is missing (a result held back by an older ixpctl has none)
            details = r.details_fr if language == "fr" and r.details_fr else r.details
            lines += [f"      {d}" for d in details]
        lines.append("")
    if news.fixed:
        lines.append(t["fixed"])
        lines += [f"  - {a.prefix}  ({t['path']} {' '.join(map(str, a.path))})" for a in news.fixed]
        lines.append("")
    lines += [t["check"].format(asn=member.asn, support=support), "", "-- ", t["optout"].format(ixp=ixp, support=support)]
    return subject, "\n".join(lines) + "\n"


class NotifyState:
    """Per member, the days it was e-mailed (for the daily limit) and the news held back by that
    limit (they go out with the member's next e-mail); a small JSON file."""

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "notified.json"
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = {}
        self.days: dict[str, list[str]] = data.get("days", {}) if isinstance(data.get("days"), dict) else {}
        self.held: dict[str, dict[str, Any]] = data.get("held", {}) if isinstance(data.get("held"), dict) else {}

    def _save(self) -> None:
        write_atomic(self.path, json.dumps({"days": self.days, "held": self.held}, indent=1) + "\n")

    def sent_today(self, asn: int, today: str) -> int:
        return sum(1 for day in self.days.get(str(asn), []) if day == today)

    def record(self, asn: int, today: str) -> None:
        days = [d for d in self.days.get(str(asn), []) if d >= today]  # older days are of no use
        self.days[str(asn)] = days + [today]
        self.held.pop(str(asn), None)
        self._save()

    def hold(self, news: MemberNews) -> None:
        self.held[str(news.asn)] = {"filtered": [r.to_json() for r in news.filtered],
                                    "fixed": [[a.prefix, a.path] for a in news.fixed]}
        self._save()

    def with_held(self, news: MemberNews) -> MemberNews:
        """``news`` plus what was held back; a prefix's latest state wins (filtered, then fixed, ...)."""
        held = self.held.get(str(news.asn))
        if not held:
            return news
        now_fixed = {a.prefix for a in news.fixed}
        now_filtered = {r.prefix for r in news.filtered}
        filtered = [PrefixResult(**d) for d in held.get("filtered", []) if d.get("prefix") not in now_fixed | now_filtered]
        fixed = [Announcement(p, list(path)) for p, path in held.get("fixed", []) if p not in now_filtered | now_fixed]
        return MemberNews(news.asn, filtered + news.filtered, fixed + news.fixed)


def notify_members(inv: Inventory, news: list[MemberNews], *, run_id: str, state_dir: Path, base_dir: Path,
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """One e-mail per member with news; what happened to each (sent / skipped and why) for the record."""
    settings = inv.apply
    today = (now or datetime.now(UTC)).strftime("%Y-%m-%d")
    state = NotifyState(state_dir)
    out: list[dict[str, Any]] = []
    for item in news:
        if not item.filtered and not item.fixed:
            continue
        member = inv.member(item.asn)
        if member is None:
            continue
        language = member.language or settings.notifications.default_language
        to = list(member.notify_emails) or ([member.contact] if member.contact else [])
        entry: dict[str, Any] = {"asn": item.asn, "to": to, "language": language,
                                 "filtered": [r.prefix for r in item.filtered],
                                 "fixed": [a.prefix for a in item.fixed]}
        out.append(entry)
        if not settings.notifications.enabled or not member.notify:
            entry["status"] = "skipped: notifications off" if member.notify else "skipped: the member opted out"
        elif not to:
            entry["status"] = "skipped: no contact e-mail (members[].contact or notify_emails)"
        elif settings.smtp is None:
            entry["status"] = "skipped: apply.smtp is not configured"
        elif state.sent_today(item.asn, today) >= settings.notifications.per_member_per_day:
            state.hold(state.with_held(item))
            entry["status"] = "held: the member was already e-mailed today (sent with its next e-mail)"
        else:
            item = state.with_held(item)
            try:
                subject, body = member_body(inv, member, item, language, run_id)
                # a header with a line break (a name from the inventory) raises here: recorded, not sent
                msg = message(settings.smtp.sender, to, subject, body, language=language,
                              reply_to=settings.notifications.reply_to or inv.ixp.support_email)
                send_mail(settings.smtp, msg, base_dir)
            except Exception as exc:  # noqa: BLE001 — recorded; a mail server never undoes a deploy
                entry["status"] = f"failed: {exc}"
            else:
                state.record(item.asn, today)
                entry["status"] = "sent"
    return out


def alert(inv: Inventory, kind: str, text: str, *, run_id: str, base_dir: Path,
          details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Tell the operator (e-mail to apply.alerts.email, POST to apply.alerts.webhook)."""
    cfg = inv.apply.alerts
    entry: dict[str, Any] = {"kind": kind, "text": text, "sent": []}
    if cfg.email and inv.apply.smtp is not None:
        subject = f"[{inv.ixp.name} ixpctl apply] {kind}: {text.splitlines()[0][:120]}"
        body = f"ixpctl apply run {run_id}\n\n{kind}\n\n{text}\n\nixpctl apply --history shows every run.\n"
        try:
            send_mail(inv.apply.smtp, message(inv.apply.smtp.sender, cfg.email, subject, body), base_dir)
            entry["sent"].append("email")
        except Exception as exc:  # noqa: BLE001 — recorded in the run
            entry["email_error"] = str(exc)
    if cfg.webhook:
        payload = {"ixp": inv.ixp.name, "run_id": run_id, "kind": kind, "text": text, **(details or {})}
        try:
            token = read_secret(cfg.webhook_token, base_dir, "apply.alerts.webhook_token") \
                if cfg.webhook_token else None
            post_webhook(cfg.webhook, payload, token)
            entry["sent"].append("webhook")
        except Exception as exc:  # noqa: BLE001
            entry["webhook_error"] = str(exc)
    return entry
