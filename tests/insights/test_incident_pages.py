"""What insights adds to the pages of the incident record: related incidents, fix outcomes, hints."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import CauseFactory, IncidentFactory, RemediationActionFactory, ServiceFactory


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def test_incident_page_shows_related_incidents_and_whether_the_fix_worked(client_for, owner, outsider):
    api = ServiceFactory(name="api")
    first = IncidentFactory(
        started_at=at("2026-01-05"), detected_at=at("2026-01-05"), services=[api], title="First"
    )
    CauseFactory(incident=first, category="capacity")
    RemediationActionFactory(
        incident=first, kind="prevent", status="done", completed_at=at("2026-01-10"), completion_note="ok",
        title="Autoscale",
    )  # fmt: skip
    again = IncidentFactory(
        started_at=at("2026-02-05"), detected_at=at("2026-02-05"), services=[api], title="Again"
    )
    CauseFactory(incident=again, category="capacity")
    hidden = IncidentFactory(
        started_at=at("2026-03-05"),
        detected_at=at("2026-03-05"),
        services=[api],
        private=True,
        title="Hidden one",
    )
    CauseFactory(incident=hidden, category="capacity")

    body = client_for(outsider).get(first.get_absolute_url()).content.decode()
    assert 'id="related-incidents"' in body
    assert again.reference in body
    assert "2026-02-05" in body
    assert "Hidden one" not in body
    assert hidden.reference not in body
    assert "Did the fix work?" in body
    assert f"{again.reference}</a> <bdi>Again</bdi> started" in body


def test_action_form_asks_for_hints_as_it_is_written(client_for, owner, incident):
    # The incident page's box fetches the form with htmx; the form asks for hints as it is written.
    client = client_for(owner)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert f'hx-get="/incidents/{incident.reference}/actions/new/"' in page
    body = client.get(
        f"/incidents/{incident.reference}/actions/new/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-get="/actions/hints/"' in body
    assert 'hx-include="closest form"' in body


def test_hints_endpoint_reads_the_action_forms_prefixed_fields(client_for, owner):
    response = client_for(owner).get(
        "/actions/hints/",
        {
            "action-title": "Improve monitoring",
            "action-owner": "",
            "action-due_date": "",
            "action-priority": "P1",
        },
    )
    body = response.content.decode()
    assert "No owner" in body
    assert "No due date" in body
    assert "improve" in body


def test_hints_for_an_edited_item_measure_the_target_from_its_creation(client_for, owner, incident):
    action = RemediationActionFactory(
        incident=incident, owner=owner, priority="P1", title="Add disk alert at 85%"
    )
    action.created_at = at("2026-01-01")
    action.save(update_fields=["created_at"])
    response = client_for(owner).get(
        "/actions/hints/",
        {"action_id": action.pk, "action-title": action.title, "action-owner": owner.pk,
         "action-due_date": "2026-02-01", "action-priority": "P1"},
    )  # fmt: skip
    assert "past the P1 target of 14 days (2026-01-15)" in response.content.decode()


def test_navigation_links_to_insights_and_the_status_page(client_for, viewer):
    body = client_for(viewer).get("/").content.decode()
    assert 'href="/insights/"' in body
    assert 'href="/status/"' in body


def test_profile_links_to_the_calendar_feed(client_for, viewer):
    assert 'href="/profile/calendar/"' in client_for(viewer).get("/profile/").content.decode()
