"""In-app notifications: the API, the bell, the list, mark read, snooze (also from an email link)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents.reminders.models import Delivery, Notification, Reminder, Snooze
from incidents.reminders.sweep import sweep
from tests.factories import IncidentFactory, RemediationActionFactory, UserFactory
from tests.reminders.conftest import notified, set_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(db):
    """No quiet hours, so these tests can run on the real clock at any hour."""
    return set_profile(UserFactory(username="dana", role="responder"), start=None, end=None, weekends=False)


@pytest.fixture
def reminded(dana):
    """Sweep now: dana gets one overdue reminder (in-app and email)."""
    incident = IncidentFactory(status="resolved")
    RemediationActionFactory(
        owner=dana, incident=incident, due_date=timezone.localdate() - timedelta(days=1), title="Fix DNS"
    )
    sweep(now=timezone.now())
    return Notification.objects.get(recipient=dana, rule="action_overdue")


def test_the_api_lists_the_callers_notifications_newest_first(api_client, dana, reminded):
    older = Notification.objects.create(
        recipient=dana, rule="action_due_soon", title="Older", created_at=timezone.now() - timedelta(days=2)
    )
    api_client.force_authenticate(dana)
    response = api_client.get("/api/v1/notifications/")
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids.index(reminded.pk) < ids.index(older.pk)
    row = next(row for row in response.json()["results"] if row["id"] == reminded.pk)
    assert row["title"].startswith("Overdue by 1 day: Fix DNS")
    assert row["read"] is False
    assert row["incident"] == reminded.incident.reference


def test_unread_filter_and_mark_read(api_client, dana, reminded):
    api_client.force_authenticate(dana)
    response = api_client.post(f"/api/v1/notifications/{reminded.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    unread = api_client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert reminded.pk not in [row["id"] for row in unread]
    assert reminded.pk in [row["id"] for row in api_client.get("/api/v1/notifications/").json()["results"]]


def test_another_users_notification_is_not_found(api_client, reminded, outsider):
    api_client.force_authenticate(outsider)
    assert api_client.post(f"/api/v1/notifications/{reminded.pk}/read/").status_code == 404
    assert (
        api_client.post(
            f"/api/v1/notifications/{reminded.pk}/snooze/", {"until": "1d"}, format="json"
        ).status_code
        == 404
    )
    assert api_client.get("/api/v1/notifications/").json()["count"] == 0
    reminded.refresh_from_db()
    assert reminded.read_at is None


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get("/api/v1/notifications/").status_code in (401, 403)


def test_snoozing_holds_the_reminder_back_and_brings_it_back_later(api_client, dana, reminded):
    until = timezone.now() + timedelta(days=1)
    api_client.force_authenticate(dana)
    response = api_client.post(
        f"/api/v1/notifications/{reminded.pk}/snooze/", {"until": until.isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert response.json()["snoozed_until"] is not None
    assert len(notified(dana)) == 1
    sweep(now=until - timedelta(minutes=1))
    assert len(notified(dana)) == 1
    sweep(now=until + timedelta(minutes=1))
    titles = notified(dana)
    assert len(titles) == 2
    assert titles[1] == titles[0]


@pytest.mark.parametrize("until", ["yesterday", "2020-01-01T00:00:00Z", "2026-12-01T09:00:00", ""])
def test_a_bad_snooze_time_is_a_400(api_client, dana, reminded, until):
    api_client.force_authenticate(dana)
    response = api_client.post(
        f"/api/v1/notifications/{reminded.pk}/snooze/", {"until": until}, format="json"
    )
    assert response.status_code == 400
    assert "until" in response.json()
    assert not Snooze.objects.exists()


def test_snoozing_by_a_week_from_the_page(client_for, dana, reminded):
    client = client_for(dana)
    response = client.post(f"/notifications/{reminded.pk}/snooze/", {"for": "1w"})
    assert response.status_code == 302
    snooze = Snooze.objects.get(recipient=dana)
    assert timedelta(days=6, hours=23) < snooze.until - timezone.now() <= timedelta(days=7)


def _snooze_link(email_body: str) -> str:
    return re.search(r"http://localhost:8000(/notifications/snooze/[^\s?]+)\?for=1d", email_body).group(1)


def test_the_email_snooze_link_works_without_signing_in(client, dana, reminded):
    link = _snooze_link(mail.outbox[0].body)
    page = client.get(link + "?for=1d")
    assert page.status_code == 200
    assert "Fix DNS" in page.content.decode()
    assert not Snooze.objects.exists()  # following the link (as mail scanners do) changes nothing
    done = client.post(link, {"for": "1d"})
    assert done.status_code == 200
    assert "Snoozed for a day" in done.content.decode()
    assert Snooze.objects.get(recipient=dana).object_id == reminded.reminder.object_id
    # The email delivery of the re-reminder waits too.
    later = Reminder.objects.get(window__startswith="snoozed-")
    assert later.deliver_after > timezone.now() + timedelta(hours=23)


def test_a_tampered_snooze_link_is_rejected(client, dana, reminded):
    link = _snooze_link(mail.outbox[0].body)
    tampered = link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]
    response = client.post(tampered, {"for": "1w"})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not Snooze.objects.exists()


def test_an_expired_snooze_link_is_rejected(client, dana, reminded, settings):
    link = _snooze_link(mail.outbox[0].body)
    settings.HINDSIGHT = {**settings.HINDSIGHT, "REMINDER_SNOOZE_LINK_MAX_AGE": timedelta(seconds=-1)}
    response = client.post(link, {"for": "1d"})
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Snooze.objects.exists()


def test_the_bell_counts_unread_notifications(client_for, dana, reminded):
    client = client_for(dana)
    response = client.get("/notifications/bell/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    unread = Notification.objects.filter(recipient=dana, read_at__isnull=True).count()  # a digest on Mondays
    assert f'data-count="{unread}"' in body
    assert 'hx-trigger="every 30s"' in body
    client.post(f"/notifications/{reminded.pk}/read/")
    assert f'data-count="{unread - 1}"' in client.get("/notifications/bell/").content.decode()


def test_the_notifications_page_lists_them_and_marks_them_read(client_for, dana, reminded):
    client = client_for(dana)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "Overdue by 1 day: Fix DNS" in page.content.decode()
    partial = client.get("/notifications/?unread=true", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert "Fix DNS" in partial
    client.post("/notifications/read-all/")
    assert "No unread notifications." in client.get("/notifications/?unread=true").content.decode()


def test_a_notification_about_an_incident_made_private_later_is_hidden(
    api_client, client_for, dana, reminded
):
    incident = reminded.incident
    incident.private = True
    incident.save()
    api_client.force_authenticate(dana)
    [row] = [r for r in api_client.get("/api/v1/notifications/").json()["results"] if r["id"] == reminded.pk]
    assert row["title"] == "A reminder about a private incident"
    assert row["incident"] is None
    assert row["url"] == ""
    assert "Fix DNS" not in client_for(dana).get("/notifications/").content.decode()


def test_notification_settings_page_saves_channels_per_rule(client_for, dana):
    client = client_for(dana)
    page = client.get("/profile/notifications/")
    assert page.status_code == 200
    assert "Action item overdue" in page.content.decode()
    response = client.post(
        "/profile/notifications/", {"action_due_soon__email": "on", "action_overdue__webhook": "on"}
    )
    assert response.status_code == 302
    prefs = {p.rule: (p.email, p.webhook) for p in dana.notification_preferences.all()}
    assert prefs["action_due_soon"] == (True, False)
    assert prefs["action_overdue"] == (False, True)
    RemediationActionFactory(
        owner=dana, incident=IncidentFactory(status="resolved"), due_date=timezone.localdate()
    )
    mail.outbox = []
    sweep(now=timezone.now())
    assert not [m for m in mail.outbox if "Due today" in m.subject]
    assert Delivery.objects.filter(channel="email", reminder__rule="action_overdue").count() == 0
