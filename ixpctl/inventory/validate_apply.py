"""Checks of the inventory's ``apply:`` section (`ixpctl apply`) that need more than one field:
secrets that must be there, alerts that could never be sent. Run by ``validate_inventory``."""

from __future__ import annotations

from pathlib import Path

from ..errors import Report
from .models import Inventory


def check_apply(inv: Inventory, report: Report, at, base_dir: Path) -> None:
    from .validate import _check_secret  # the same rules as members' MD5 secrets

    settings = inv.apply
    smtp = settings.smtp
    if settings.alerts.email and smtp is None:
        report.warning("apply.alerts.email is set but apply.smtp is not: alert e-mails cannot be sent",
                       fix="add apply.smtp (host, port, sender), or alert through apply.alerts.webhook",
                       **at("apply", "alerts", "email"))
    if smtp is not None and smtp.user and smtp.password is None:
        report.error("apply.smtp.user is set without apply.smtp.password",
                     fix="add password: {env: SMTP_PASSWORD} (or {file: PATH}), or remove user",
                     **at("apply", "smtp", "user"))
    if smtp is not None and smtp.password is not None:
        _check_secret(smtp.password, report, at("apply", "smtp", "password"), base_dir, "apply.smtp.password")
    if settings.alerts.webhook_token is not None:
        _check_secret(settings.alerts.webhook_token, report, at("apply", "alerts", "webhook_token"), base_dir,
                      "apply.alerts.webhook_token")
