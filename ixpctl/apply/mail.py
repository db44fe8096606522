"""Sending what `ixpctl apply` has to say: e-mail over SMTP (inventory ``apply.smtp``, password by
reference) and the operator's webhook (JSON POST, optional bearer token by reference). A message
that cannot be sent is recorded in the run, never a reason to stop or undo a deploy."""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inventory.apply_config import ApplySecret, Smtp


def read_secret(ref: ApplySecret, base_dir: Path, what: str) -> str:
    """The secret a reference names; InputError (exit 2) when it is not there."""
    if ref.env is not None:
        value = os.environ.get(ref.env)
        if not value:
            raise InputError(f"{what}: environment variable {ref.env} is not set",
                             fix=f"export {ref.env}=... where `ixpctl apply` runs (systemd: EnvironmentFile=)")
        return value
    path = Path(ref.file or "")
    path = path if path.is_absolute() else base_dir / path
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise InputError(f"{what}: cannot read the secret file {path}: {exc.strerror or exc}",
                         fix=f"create {path} (mode 600, one line) or fix the reference") from None


def message(sender: str, to: list[str], subject: str, body: str, *, language: str = "en",
            reply_to: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg.set_content(body)  # first: set_content replaces every Content-* header
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg["Content-Language"] = language
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    if reply_to:
        msg["Reply-To"] = reply_to
    return msg


def send_mail(smtp: Smtp, msg: EmailMessage, base_dir: Path) -> None:
    """Send one message; OSError / smtplib.SMTPException / InputError for the caller to record."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            if smtp.password is None:
                raise InputError("apply.smtp.user is set but apply.smtp.password is not",
                                 fix="add apply.smtp.password: {env: SMTP_PASSWORD} (or {file: ...})")
            client.login(smtp.user, read_secret(smtp.password, base_dir, "apply.smtp.password"))
        client.send_message(msg)


def post_webhook(url: str, payload: dict[str, Any], token: str | None = None, timeout: float = 15.0) -> int:
    data = json.dumps(payload, default=str).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "ixpctl-apply"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise OSError(f"webhook {url} answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise OSError(f"webhook {url}: {exc.reason}") from None
