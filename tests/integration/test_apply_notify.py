"""`ixpctl apply`'s member e-mails and operator alerts, delivered to a real SMTP server (aiosmtpd)
and a real HTTP server on 127.0.0.1: language, headers, reasons and fixes (the texts of `ixpctl
check`), the daily limit, the opt-out, the webhook's bearer token; and the inventory keys that
configure them, refused with file and line when wrong."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pytest

from ixpctl.analysis.selfcheck import Announcement
from ixpctl.apply.notify import MemberNews, alert, explain, notify_members
from ixpctl.errors import InputError
from ixpctl.inventory.loader import load_inventory
from tests.support.builders import base_inventory, make_member, write_inventory
from tests.support.mailbox import smtp_server, webhook_server  # noqa: F401
from tests.support.policy_cases import M1, M2, M3, policy_facts, policy_intent

pytestmark = pytest.mark.integration


def _inventory(tmp_path, port: int, hook: str | None = None, **member_overrides):
    data = base_inventory(members=0)
    data["ixp"]["support_email"] = "noc@testix.example"
    data["members"] = [make_member(1, language="fr", notify_emails=["peering@member1.example"]),
                       make_member(2), make_member(3, notify=False)]
    for m in data["members"]:
        m.update(member_overrides.get(m["asn"], {}))
    data["apply"] = {"state_dir": str(tmp_path / "state"),
                     "smtp": {"host": "127.0.0.1", "port": port, "sender": "rs@testix.example"},
                     "alerts": {"email": ["ops@testix.example"], **({"webhook": hook, "webhook_token": {
                         "env": "TESTIX_HOOK_TOKEN"}} if hook else {})}}
    return load_inventory(write_inventory(tmp_path / "inv", data)).inventory


def _news(tmp_path):
    intent = policy_intent(tmp_path / "intent")
    facts = policy_facts()
    return [
        MemberNews(M1, explain(intent, facts, M1, [("198.18.30.0/24", [M1])]), [Announcement("198.18.10.0/24", [M1])]),
        MemberNews(M2, explain(intent, facts, M2, [("198.18.99.0/24", [M2])])),
        MemberNews(M3, explain(intent, facts, M3, [("198.18.60.0/24", [M3])])),
    ]


def test_member_emails_language_reason_fix_limit_optout(tmp_path, smtp_server):  # noqa: F811
    inv = _inventory(tmp_path, smtp_server.port)
    now = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)
    sent = notify_members(inv, _news(tmp_path), run_id="RUN1", state_dir=tmp_path / "state", base_dir=tmp_path,
                          now=now)
    assert [(s["asn"], s["status"]) for s in sent] == [(M1, "sent"), (M2, "sent"),
                                                       (M3, "skipped: the member opted out")]
    fr = smtp_server.to("peering@member1.example")[0]
    assert fr["Content-Language"] == "fr" and fr["From"] == "rs@testix.example"
    assert fr["Auto-Submitted"] == "auto-generated" and fr["Reply-To"] == "noc@testix.example"
    assert fr["Subject"] == ("[Serveurs de routes TESTIX] AS64501 : 1 route(s) désormais filtrée(s), "
                             "1 corrigée(s)")
    body = fr.get_content()
    assert "Bonjour Member 1," in body and "198.18.30.0/24" in body
    assert "(chemin d'AS 64501)" in body and "pourquoi : RPKI invalide [14]" in body
    assert "comment corriger : Corrigez le ROA" in body and "le ROA 198.18.30.0/24 maxLength 24 autorise AS64999" in body
    assert "authorises" not in body and "why:" not in body  # every sentence in French, the details too
    assert "Routes de nouveau acceptées (corrigées) :" in body and "198.18.10.0/24" in body
    en = smtp_server.to("noc@member2.example")[0]  # no notify_emails: the contact; no language: English
    assert en["Content-Language"] == "en" and "now filtered" in en["Subject"]
    assert "why: prefix not registered in IRR [12]" in en.get_content()
    assert "how to fix: Create a route/route6 object" in en.get_content()
    assert "create the route object for 198.18.99.0/24 with origin AS64502 in" in en.get_content()  # English details
    assert "créez" not in en.get_content()
    assert not smtp_server.to("noc@member3.example")
    # the same day again: held, nothing sent; the next day: sent, with what was held back
    intent, facts = policy_intent(tmp_path / "intent2"), policy_facts()
    held = MemberNews(M1, explain(intent, facts, M1, [("198.18.77.0/24", [M1])]))
    again = notify_members(inv, [held], run_id="RUN2", state_dir=tmp_path / "state", base_dir=tmp_path, now=now)
    assert again[0]["status"].startswith("held: the member was already e-mailed today")
    assert len(smtp_server.to("peering@member1.example")) == 1
    later = notify_members(inv, _news(tmp_path)[:1], run_id="RUN3", state_dir=tmp_path / "state",
                           base_dir=tmp_path, now=now.replace(day=5))
    assert later[0]["status"] == "sent" and len(smtp_server.to("peering@member1.example")) == 2
    body = smtp_server.to("peering@member1.example")[1].get_content()
    assert "198.18.77.0/24" in body and "198.18.30.0/24" in body  # the held route and today's
    assert "2 route(s) désormais filtrée(s)" in str(smtp_server.to("peering@member1.example")[1]["Subject"])


def test_operator_alert_by_email_and_webhook(tmp_path, smtp_server, webhook_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TESTIX_HOOK_TOKEN", "tok-123")
    inv = _inventory(tmp_path, smtp_server.port, webhook_server.url)
    entry = alert(inv, "deploy failed", "rs1: 1 session(s) did not come back", run_id="RUN9", base_dir=tmp_path,
                  details={"route_server": "rs1"})
    assert entry["sent"] == ["email", "webhook"]
    mail = smtp_server.to("ops@testix.example")[0]
    assert str(mail["Subject"]).strip().startswith("[TESTIX ixpctl apply] deploy failed: rs1") and "RUN9" in mail.get_content()
    headers, body = webhook_server.posts[0]
    assert headers["Authorization"] == "Bearer tok-123"
    assert body == {"ixp": "TESTIX", "run_id": "RUN9", "kind": "deploy failed",
                    "text": "rs1: 1 session(s) did not come back", "route_server": "rs1"}


def test_unreachable_mail_server_is_recorded_not_raised(tmp_path):
    from tests.support.mailbox import free_port

    inv = _inventory(tmp_path, free_port())  # nothing listens there
    sent = notify_members(inv, _news(tmp_path)[:1], run_id="R", state_dir=tmp_path / "state", base_dir=tmp_path)
    assert sent[0]["status"].startswith("failed: ")


@pytest.mark.parametrize(("where", "value", "message"), [
    ("member", {"language": "de"}, "members[0].language"),
    ("member", {"notify_emails": ["not-an-address"]}, "members[0].notify_emails"),
    ("apply", {"guard": {"max_removed_share": 1.5}}, "apply.guard.max_removed_share"),
    ("apply", {"smtp": {"password": {"env": "X", "file": "y"}}}, "apply.smtp.password"),
    ("apply", {"alerts": {"webhok": "http://x"}}, "apply.alerts.webhok"),
])
def test_bad_apply_settings_name_file_and_line(tmp_path, where, value, message):
    data = base_inventory(members=1)
    if where == "member":
        data["members"][0].update(value)
    else:
        data["apply"] = value
    path = write_inventory(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    text = exc.value.format()
    assert message in text and f"{path}:" in text


def test_a_line_break_never_reaches_a_header(tmp_path, smtp_server):  # noqa: F811
    inv = _inventory(tmp_path, smtp_server.port)
    inv.ixp.name = "TESTIX\nBcc: everyone@example.net"  # inventory text ending up in the Subject
    sent = notify_members(inv, _news(tmp_path)[:1], run_id="R", state_dir=tmp_path / "state", base_dir=tmp_path)
    assert sent[0]["status"].startswith("failed: ") and smtp_server.messages == []


def test_validate_reports_apply_secrets_and_unsendable_alerts(tmp_path):
    from ixpctl.inventory.validate import validate_inventory

    data = base_inventory(members=1)
    data["apply"] = {"alerts": {"email": ["ops@testix.example"], "webhook": "http://127.0.0.1:9/h",
                                "webhook_token": {"file": "secrets/hook-token"}}}
    path = write_inventory(tmp_path, data)
    report = validate_inventory(load_inventory(path), base_dir=tmp_path)
    texts = [(p.severity, p.field, p.message) for p in report.problems if (p.field or "").startswith("apply")]
    assert ("warning", "apply.alerts.email",
            "apply.alerts.email is set but apply.smtp is not: alert e-mails cannot be sent") in texts
    assert any(s == "error" and f == "apply.alerts.webhook_token" and "secrets/hook-token for apply.alerts.webhook_token does not exist" in m
               for s, f, m in texts)
    assert all(p.file == str(path) and p.line for p in report.problems if (p.field or "").startswith("apply"))
    data["apply"] = {"smtp": {"user": "rs"}}
    report = validate_inventory(load_inventory(write_inventory(tmp_path, data)), base_dir=tmp_path)
    assert [p.field for p in report.errors] == ["apply.smtp.user"]


def test_smtp_login_with_the_password_by_reference(tmp_path, monkeypatch):
    """A real SMTP server that requires AUTH (aiosmtpd; plain text on loopback only, for the test)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from ixpctl.inventory.apply_config import ApplySecret
    from tests.support.mailbox import Mailbox, free_port

    seen: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"smtp-s3cret")

    box = Mailbox()
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")  # on purpose, see above
    controller = Controller(box, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        (tmp_path / "smtp-password").write_text("smtp-s3cret\n")
        (tmp_path / "smtp-password").chmod(0o600)
        inv = _inventory(tmp_path, controller.port)
        inv.apply.smtp.user = "route-servers"
        inv.apply.smtp.password = ApplySecret(file="smtp-password")  # relative: to the repository
        sent = notify_members(inv, _news(tmp_path)[:1], run_id="R", state_dir=tmp_path / "state", base_dir=tmp_path)
        assert sent[0]["status"] == "sent" and seen == [("route-servers", "smtp-s3cret")]
        assert len(box.to("peering@member1.example")) == 1
        monkeypatch.setenv("TESTIX_SMTP_PASSWORD", "wrong")
        inv.apply.smtp.password = ApplySecret(env="TESTIX_SMTP_PASSWORD")
        inv.apply.smtp.timeout = 2  # aiosmtpd does not answer a failed AUTH: the client's timeout ends it
        failed = notify_members(inv, _news(tmp_path)[1:2], run_id="R2", state_dir=tmp_path / "state",
                                base_dir=tmp_path)
        assert failed[0]["status"].startswith("failed: ") and "wrong" not in failed[0]["status"]
    finally:
        controller.stop()
