"""One-click header controls and the detection offer, through Django's test client (the browser
tests in tests/browser/test_header_controls.py click the same controls in Chromium)."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import IncidentRole
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _change(client: Any, incident: Any, field: str, value: str, **extra: Any) -> Any:
    incident.refresh_from_db()
    data = {"field": field, "value": value, "version": incident.version, "tab": "overview", **extra}
    return client.post(reverse("incident-header", args=[incident.reference]), data, **HTMX)


def test_resolving_from_the_header_writes_its_entry_and_offers_to_correct_the_time(
    client_for, owner, incident
):
    client = client_for(owner)
    response = _change(client, incident, "status", "resolved")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "incident-changed"
    body = response.content.decode()
    assert 'id="incident-header"' in body
    assert "Resolved time set to" in body
    assert 'name="field" value="resolved_at"' in body
    assert 'id="milestones" aria-labelledby="milestones-heading" hx-swap-oob="true"' in body
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at is not None
    assert incident.events.filter(
        kind="status_change", body="Status changed from Investigating to Resolved."
    ).exists()

    # The prompt's form, sent with an earlier time, moves resolved_at through the same service.
    earlier = timezone.localtime(incident.resolved_at - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%S")
    response = _change(client, incident, "resolved_at", earlier)
    assert response.status_code == 200
    incident.refresh_from_db()
    assert timezone.localtime(incident.resolved_at).strftime("%Y-%m-%dT%H:%M:%S") == earlier
    assert incident.events.filter(kind="milestone", body__startswith="Resolved time changed").exists()


def test_identified_offers_to_mark_acknowledged_in_one_click(client_for, owner, incident):
    client = client_for(owner)
    body = _change(client, incident, "status", "identified").content.decode()
    assert "Mark acknowledged now" in body
    _change(client, incident, "acknowledged_at", "now")
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None


def test_severity_commander_and_roles_change_from_the_header(client_for, owner, incident):
    maya = UserFactory(username="maya", first_name="Maya", last_name="Chen", role="responder")
    client = client_for(owner)
    assert _change(client, incident, "severity", "SEV1").status_code == 200
    assert _change(client, incident, "commander", "maya").status_code == 200
    body = _change(client, incident, "role:scribe", "maya").content.decode()
    assert '<option value="maya" selected>' in body
    incident.refresh_from_db()
    assert (incident.severity, incident.commander) == ("SEV1", maya)
    assert IncidentRole.objects.get(incident=incident, kind__key="scribe").user == maya
    kinds = list(incident.events.filter(source="system").values_list("kind", flat=True))
    assert kinds.count("role_change") == 2
    assert "severity_change" in kinds


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("severity", "SEV9", "Choose one of SEV1"),
        ("status", "paused", "Choose one of investigating"),
        ("commander", "ghost", "No user called 'ghost'"),
        ("role:janitor", "maya", "No role called 'janitor'"),
        ("resolved_at", "yesterday-ish", "Give a date and time"),
        ("title", "Renamed", "cannot be changed from the header"),
    ],
)
def test_bad_input_is_a_message_in_the_header_and_changes_nothing(
    client_for, owner, incident, field, value, message
):
    client = client_for(owner)
    before = (incident.version, incident.events.count())
    response = _change(client, incident, field, value)
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert 'role="alert" id="header-error"' in response.content.decode()
    incident.refresh_from_db()
    assert (incident.version, incident.events.count()) == before


def test_a_stale_header_is_refused_with_409_and_shows_the_incident_as_it_is(client_for, owner, incident):
    client = client_for(owner)
    version = incident.version
    _change(client, incident, "severity", "SEV1")
    response = client.post(
        reverse("incident-header", args=[incident.reference]),
        {"field": "severity", "value": "SEV3", "version": version},
        **HTMX,
    )
    assert response.status_code == 409
    incident.refresh_from_db()
    assert incident.severity == "SEV1"


def test_viewers_see_plain_text_and_cannot_post(client_for, viewer, incident):
    client = client_for(viewer)
    page = client.get(reverse("incident-detail", args=[incident.reference])).content.decode()
    assert "header-control" not in page
    assert 'class="badge status status-investigating">Investigating<' in page
    assert ">Communications lead</dt>" in page
    assert _change(client, incident, "severity", "SEV1").status_code == 403


def test_without_javascript_a_header_change_redirects_back_to_the_page(client_for, owner, incident):
    response = client_for(owner).post(
        reverse("incident-header", args=[incident.reference]),
        {"field": "severity", "value": "SEV3", "version": incident.version},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.severity == "SEV3"


# ------------------------------------------------------------------ item 10: the detection offer


def _before_detected(incident: Any, minutes: int = 2) -> str:
    """A time between the start of impact and detection (the factory puts them 5 minutes apart)."""
    return timezone.localtime(incident.detected_at - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def _quick_add(client: Any, incident: Any, kind: str, when: str, **extra: Any) -> Any:
    return client.post(
        reverse("timeline-add", args=[incident.reference]),
        {"kind": kind, "body": "p99 latency alert fired", "when": when},
        **extra,
    )


def test_an_alert_earlier_than_detected_offers_to_move_detected_at_and_never_moves_it_alone(
    client_for, owner, incident
):
    client = client_for(owner)
    detected = incident.detected_at
    body = _quick_add(client, incident, "alert", _before_detected(incident), **HTMX).content.decode()
    assert 'name="field" value="detected_at_from_entry"' in body
    assert "is earlier than the incident's detected time" in html.unescape(body)
    incident.refresh_from_db()
    assert incident.detected_at == detected, "never silently"

    alert = incident.events.get(kind="alert")
    response = _change(client, incident, "detected_at_from_entry", str(alert.pk))
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.detected_at == alert.occurred_at
    assert incident.events.filter(kind="milestone", body__startswith="Detected time changed").exists()


def test_an_alert_before_the_start_of_impact_offers_to_move_both(client_for, owner, incident):
    client = client_for(owner)
    start = incident.started_at
    when = timezone.localtime(start - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    body = _quick_add(client, incident, "detection", when, **HTMX).content.decode()
    assert "Set detected and impact start to" in body
    event = incident.events.get(kind="detection")
    _change(client, incident, "detected_at_from_entry", str(event.pk))
    incident.refresh_from_db()
    assert incident.started_at == incident.detected_at == event.occurred_at


@pytest.mark.parametrize(("kind", "earlier"), [("note", True), ("alert", False)])
def test_notes_and_later_alerts_offer_nothing(client_for, owner, incident, kind, earlier):
    when = _before_detected(incident) if earlier else "now"
    body = _quick_add(client_for(owner), incident, kind, when, **HTMX).content.decode()
    assert "detected_at_from_entry" not in body


def test_only_alert_or_detection_entries_of_this_incident_can_set_detected(client_for, owner, incident):
    client = client_for(owner)
    _quick_add(client, incident, "note", _before_detected(incident), **HTMX)
    note = incident.events.get(kind="note")
    response = _change(client, incident, "detected_at_from_entry", str(note.pk))
    assert response.status_code == 422
    assert "not an alert or detection" in response.content.decode()


def test_without_javascript_the_offer_waits_on_the_incident_page(client_for, owner, incident):
    client = client_for(owner)
    response = _quick_add(client, incident, "alert", _before_detected(incident))
    assert response.status_code == 302
    assert "detected_from=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'name="field" value="detected_at_from_entry"' in page
