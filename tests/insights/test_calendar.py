"""The personal iCalendar feed of action-item due dates, at a secret, revocable URL."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar

from incidents.models import Profile
from incidents.services.accounts import calendar_token_reset
from tests.factories import IncidentFactory, RemediationActionFactory


def events_of(response) -> dict[str, date]:
    calendar = Calendar.from_ical(response.content)
    return {str(event.get("summary")): event.decoded("dtstart") for event in calendar.walk("VEVENT")}


def test_feed_lists_the_owners_open_items_on_their_due_dates(client, owner, incident, outsider):
    RemediationActionFactory(
        incident=incident, owner=owner, title="Add queue alarm", due_date=date(2026, 12, 4)
    )
    RemediationActionFactory(
        incident=incident, owner=owner, title="Write runbook", due_date=date(2027, 1, 15)
    )
    RemediationActionFactory(
        incident=incident, owner=owner, title="Already done", status="done", completion_note="ok"
    )
    RemediationActionFactory(incident=incident, owner=outsider, title="Not mine")
    token = calendar_token_reset(user=owner).calendar_token
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = events_of(response)
    assert events == {
        f"Due: Add queue alarm ({incident.reference})": date(2026, 12, 4),
        f"Due: Write runbook ({incident.reference})": date(2027, 1, 15),
    }
    calendar = Calendar.from_ical(response.content)
    first = calendar.walk("VEVENT")[0]
    assert first.decoded("dtend") - first.decoded("dtstart") == timedelta(days=1)
    assert f"{incident.reference} Search latency" in str(first.get("description"))


def test_feed_leaves_out_items_of_incidents_the_owner_can_no_longer_see(
    client, participant, private_incident
):
    RemediationActionFactory(incident=private_incident, owner=participant, title="Rotate keys")
    token = calendar_token_reset(user=participant).calendar_token
    assert "Rotate keys" in " ".join(events_of(client.get(f"/calendar/{token}.ics")))
    private_incident.participants.remove(participant)
    assert events_of(client.get(f"/calendar/{token}.ics")) == {}


def test_a_revoked_or_regenerated_token_is_404(client, owner):
    old = calendar_token_reset(user=owner).calendar_token
    new = calendar_token_reset(user=owner).calendar_token
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    calendar_token_reset(user=owner, revoke=True)
    assert client.get(f"/calendar/{new}.ics").status_code == 404


def test_an_unknown_or_empty_token_is_404(client, owner):
    assert client.get("/calendar/nothing-here.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404


def test_an_inactive_user_feed_is_404(client, owner):
    token = calendar_token_reset(user=owner).calendar_token
    owner.is_active = False
    owner.save()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_profile_page_creates_regenerates_and_revokes_the_url(client_for, owner):
    client = client_for(owner)
    page = client.get("/profile/calendar/")
    assert page.status_code == 200
    assert "Create calendar address" in page.content.decode()
    client.post("/profile/calendar/", {"action": "regenerate"})
    first = Profile.objects.get(user=owner).calendar_token
    assert first
    assert f"/calendar/{first}.ics" in client.get("/profile/calendar/").content.decode()
    client.post("/profile/calendar/", {"action": "regenerate"})
    second = Profile.objects.get(user=owner).calendar_token
    assert second
    assert second != first
    client.post("/profile/calendar/", {"action": "revoke"})
    assert Profile.objects.get(user=owner).calendar_token == ""
    assert client.get(f"/calendar/{second}.ics").status_code == 404


def test_profile_calendar_page_needs_a_sign_in(client, db):
    assert client.get("/profile/calendar/").status_code == 302
    assert client.post("/profile/calendar/", {"action": "regenerate"}).status_code == 302


def test_one_users_token_never_shows_another_users_items(client, owner, outsider):
    incident = IncidentFactory()
    RemediationActionFactory(incident=incident, owner=outsider, title="Oscar's item")
    token = calendar_token_reset(user=owner).calendar_token
    assert events_of(client.get(f"/calendar/{token}.ics")) == {}
