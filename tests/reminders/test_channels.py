"""Channels: email (text and HTML), the signed webhook, preferences, and private incidents."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core import mail

from incidents.reminders.delivery import SIGNATURE_HEADER
from incidents.reminders.models import Delivery, DeliveryStatus, NotificationPreference, Webhook
from incidents.reminders.sweep import sweep
from tests.factories import IncidentFactory, RemediationActionFactory, ServiceFactory, UserFactory
from tests.reminders.conftest import WEDNESDAY, notified

pytestmark = pytest.mark.django_db

TODAY = WEDNESDAY.date()
SECRET = "s3cret-for-tests"


class Receiver:
    """A real HTTP server on 127.0.0.1 standing in for Slack (the outside world)."""

    def __init__(self, statuses: list[int]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = statuses
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Return the JSON bodies whose signature checks out with `secret`."""
        good = []
        for request in self.requests:
            expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
            if hmac.compare_digest(request["headers"].get(SIGNATURE_HEADER, ""), expected):
                good.append(json.loads(request["body"]))
        return good


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(statuses=[])
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def dana(db):
    return UserFactory(username="dana", role="responder")


def test_the_email_has_a_subject_a_text_body_and_an_html_body(dana):
    incident = IncidentFactory(status="resolved", title="Checkout <down>")
    RemediationActionFactory(
        owner=dana, incident=incident, due_date=TODAY - timedelta(days=3), title="Add <b>alarm</b>"
    )
    sweep(now=WEDNESDAY)
    [email] = mail.outbox
    assert email.to == ["dana@example.com"]
    assert email.subject == f"[Hindsight] Overdue by 3 days: Add <b>alarm</b> ({incident.reference})"
    assert "Overdue by 3 days: Add <b>alarm</b>" in email.body
    assert f"http://localhost:8000/incidents/{incident.reference}/" in email.body
    assert "/notifications/snooze/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Add &lt;b&gt;alarm&lt;/b&gt;" in html  # escaped, never rendered as markup
    assert "Checkout &lt;down&gt;" in html
    assert "for a week</a>" in html


def test_the_weekly_digest_email_lists_the_items(dana):
    RemediationActionFactory(owner=dana, due_date=TODAY - timedelta(days=1), title="Late thing")
    monday = WEDNESDAY + timedelta(days=5)
    sweep(now=monday)
    digest = [email for email in mail.outbox if "Your week" in email.subject]
    assert len(digest) == 1
    assert "Late thing" in digest[0].body
    assert "overdue" in digest[0].alternatives[0][0]


def test_a_user_can_turn_email_off_for_a_rule(dana):
    NotificationPreference.objects.create(user=dana, rule="action_overdue", email=False, webhook=False)
    RemediationActionFactory(owner=dana, due_date=TODAY)
    sweep(now=WEDNESDAY)
    assert mail.outbox == []
    assert len(notified(dana)) == 1  # in-app is always on


def test_a_team_webhook_gets_signed_slack_compatible_json(dana, receiver):
    payments = ServiceFactory(name="payments")
    hook = Webhook.objects.create(name="Payments team", url=receiver.url, secret=SECRET)
    hook.services.add(payments)
    incident = IncidentFactory(status="resolved", services=[payments])
    RemediationActionFactory(owner=dana, incident=incident, due_date=TODAY, title="Rotate keys")
    RemediationActionFactory(owner=dana, due_date=TODAY, title="Other team's item")
    sweep(now=WEDNESDAY)
    [payload] = receiver.verified(SECRET)
    assert payload["text"].startswith(f"Due today: Rotate keys ({incident.reference}) — for @dana")
    assert payload["hindsight"]["rule"] == "action_overdue"
    assert receiver.verified("wrong-secret") == []
    assert len(receiver.requests) == 1


def test_the_global_webhook_from_settings_is_retried_with_backoff(dana, receiver, settings):
    settings.HINDSIGHT = {
        **settings.HINDSIGHT,
        "REMINDER_WEBHOOK_URL": receiver.url,
        "REMINDER_WEBHOOK_SECRET": SECRET,
    }
    receiver.statuses = [503]
    RemediationActionFactory(owner=dana, incident=IncidentFactory(status="resolved"), due_date=TODAY)
    sweep(now=WEDNESDAY)
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == DeliveryStatus.PENDING
    assert "503" in delivery.last_error
    sweep(now=WEDNESDAY + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(receiver.verified(SECRET)) == 2  # the failed attempt and the successful one
    sweep(now=WEDNESDAY + timedelta(hours=1))
    assert len(receiver.requests) == 2


def test_webhooks_never_post_about_private_incidents(owner, receiver, settings):
    settings.HINDSIGHT = {
        **settings.HINDSIGHT,
        "REMINDER_WEBHOOK_URL": receiver.url,
        "REMINDER_WEBHOOK_SECRET": SECRET,
    }
    incident = IncidentFactory(private=True, status="resolved", commander=owner)
    RemediationActionFactory(owner=owner, incident=incident, due_date=TODAY)
    sweep(now=WEDNESDAY)
    assert receiver.requests == []
    assert len(notified(owner)) == 1


def test_a_reminder_never_reveals_a_private_incident_its_recipient_cannot_see(dana, owner):
    secret_incident = IncidentFactory(
        private=True, status="resolved", commander=owner, title="Credential leak", reference="INC-9", number=9
    )
    RemediationActionFactory(owner=dana, incident=secret_incident, due_date=TODAY, title="Purge leaked keys")
    sweep(now=WEDNESDAY)
    [title] = notified(dana)
    assert "Purge leaked keys" not in title
    assert "INC-9" not in title
    assert "private incident" in title
    [email] = mail.outbox
    for text in (email.subject, email.body, email.alternatives[0][0]):
        assert "Credential leak" not in text
        assert "Purge leaked keys" not in text
        assert "INC-9" not in text
