"""Every form saves good input and rejects bad input with a message, changing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import ApiToken, Cause, Incident, RemediationAction, StatusUpdate
from tests.factories import UserFactory
from timeline.models import TimelineEvent

LOCAL = "%Y-%m-%dT%H:%M:%S"


def edit_data(incident: Incident, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser would post it, untouched, plus `changes`."""
    local = timezone.localtime

    def stamp(value: Any) -> str:
        return local(value).strftime(LOCAL) if value else ""

    data = {
        "version": incident.version,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "commander": incident.commander.username if incident.commander else "",
        "services": ", ".join(s.name for s in incident.services.all()),
        "started_at": stamp(incident.started_at),
        "detected_at": stamp(incident.detected_at),
        "acknowledged_at": stamp(incident.acknowledged_at),
        "mitigated_at": stamp(incident.mitigated_at),
        "resolved_at": stamp(incident.resolved_at),
        "summary": incident.summary,
        "impact": incident.impact,
        "duplicate_of": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


# Declare


def test_declaring_needs_only_a_title_and_a_severity(client_for: Any, owner: Any) -> None:
    response = client_for(owner).post(
        reverse("incident-declare"), {"title": "Search is down", "severity": "SEV1"}
    )
    incident = Incident.objects.get(title="Search is down")
    assert response.status_code == 302
    assert response.url == reverse("incident-detail", args=[incident.reference])
    assert incident.reporter == owner
    assert incident.commander == owner
    assert incident.status == "investigating"


def test_declaring_with_services_private_and_a_back_dated_start(client_for: Any, owner: Any) -> None:
    started = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client_for(owner).post(
        reverse("incident-declare"),
        {
            "title": "Leaked key",
            "severity": "SEV1",
            "services": "auth, api",
            "private": "on",
            "started_at": started,
        },
    )
    incident = Incident.objects.get(title="Leaked key")
    assert incident.private
    assert sorted(s.name for s in incident.services.all()) == ["api", "auth"]
    assert timezone.localtime(incident.started_at).strftime("%Y-%m-%dT%H:%M") == started


def test_declaring_without_title_or_severity_is_refused(client_for: Any, owner: Any) -> None:
    count = Incident.objects.count()
    response = client_for(owner).post(reverse("incident-declare"), {"title": "  ", "severity": ""})
    assert response.status_code == 422
    assert response.content.decode().count("This field is required.") == 2
    assert Incident.objects.count() == count


def test_declaring_with_an_unknown_commander_names_the_field(client_for: Any, owner: Any) -> None:
    response = client_for(owner).post(
        reverse("incident-declare"), {"title": "X", "severity": "SEV3", "commander": "ghost"}
    )
    assert response.status_code == 422
    assert "No user called &#x27;ghost&#x27;." in response.content.decode()
    assert not Incident.objects.filter(title="X").exists()


def test_declaring_with_detection_before_start_is_refused(client_for: Any, owner: Any) -> None:
    now = timezone.localtime()
    response = client_for(owner).post(
        reverse("incident-declare"),
        {
            "title": "Out of order",
            "severity": "SEV3",
            "started_at": (now - timedelta(minutes=10)).strftime(LOCAL),
            "detected_at": (now - timedelta(minutes=20)).strftime(LOCAL),
        },
    )
    assert response.status_code == 422
    assert "cannot be detected" in response.content.decode()
    assert not Incident.objects.filter(title="Out of order").exists()


def test_viewers_cannot_declare(client_for: Any, viewer: Any) -> None:
    response = client_for(viewer).post(reverse("incident-declare"), {"title": "Nope", "severity": "SEV4"})
    assert response.status_code == 403
    assert not Incident.objects.filter(title="Nope").exists()


# Edit


def test_editing_severity_saves_and_writes_a_system_event(client_for: Any, owner: Any, incident: Any) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("incident-edit", args=[incident.reference]), edit_data(incident, severity="SEV1")
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.severity == "SEV1"
    assert incident.events.filter(kind="severity_change").count() == 1
    # Untouched milestones are not rewritten (the form drops their microseconds).
    assert not incident.events.filter(kind="milestone").exists()


def test_a_stale_edit_form_is_refused_and_changes_nothing(client_for: Any, owner: Any, incident: Any) -> None:
    client = client_for(owner)
    stale = edit_data(incident, title="My title")
    client.post(reverse("incident-edit", args=[incident.reference]), edit_data(incident, severity="SEV1"))
    response = client.post(reverse("incident-edit", args=[incident.reference]), stale)
    assert response.status_code == 409
    assert "Someone else changed this incident" in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Search latency"


def test_milestones_out_of_order_are_refused_next_to_the_field(
    client_for: Any, owner: Any, incident: Any
) -> None:
    early = timezone.localtime(incident.started_at - timedelta(hours=1)).strftime(LOCAL)
    response = client_for(owner).post(
        reverse("incident-edit", args=[incident.reference]), edit_data(incident, acknowledged_at=early)
    )
    assert response.status_code == 422
    assert "cannot be acknowledged" in response.content.decode()
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    assert incident.version == 1


def test_editing_to_resolved_fills_the_resolved_time(client_for: Any, owner: Any, incident: Any) -> None:
    client_for(owner).post(
        reverse("incident-edit", args=[incident.reference]), edit_data(incident, status="resolved")
    )
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at is not None


def test_duplicate_of_an_unknown_incident_is_refused(client_for: Any, owner: Any, incident: Any) -> None:
    response = client_for(owner).post(
        reverse("incident-edit", args=[incident.reference]), edit_data(incident, duplicate_of="INC-424242")
    )
    assert response.status_code == 422
    assert "No incident" in response.content.decode()
    incident.refresh_from_db()
    assert incident.duplicate_of is None


def test_marking_a_duplicate_and_a_false_alarm(
    client_for: Any, owner: Any, incident: Any, busy_incident: Any
) -> None:
    client_for(owner).post(
        reverse("incident-edit", args=[incident.reference]),
        edit_data(incident, duplicate_of=busy_incident.reference, false_alarm="on"),
    )
    incident.refresh_from_db()
    assert incident.duplicate_of == busy_incident
    assert incident.false_alarm
    page = client_for(owner).get(reverse("incident-detail", args=[incident.reference])).content.decode()
    assert f'duplicate of <a href="/incidents/{busy_incident.reference}/"' in page


def test_viewers_cannot_edit(client_for: Any, viewer: Any, incident: Any) -> None:
    response = client_for(viewer).post(
        reverse("incident-edit", args=[incident.reference]), edit_data(incident, title="Hijacked")
    )
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.title == "Search latency"


# Causes


def test_adding_a_cause_with_evidence(client_for: Any, owner: Any, busy_incident: Any, event: Any) -> None:
    response = client_for(owner).post(
        reverse("cause-add", args=[busy_incident.reference]),
        {
            "cause-category": "dependency",
            "cause-role": "contributing",
            "cause-status": "suspected",
            "cause-description": "Upstream DNS flapped.",
            "cause-evidence": [str(event.pk)],
        },
    )
    cause = Cause.objects.get(description="Upstream DNS flapped.")
    assert response.status_code == 302
    assert list(cause.evidence.all()) == [event]


def test_a_cause_without_description_or_with_a_bad_category_is_refused(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    count = Cause.objects.count()
    response = client_for(owner).post(
        reverse("cause-add", args=[busy_incident.reference]),
        {
            "cause-category": "gremlins",
            "cause-role": "trigger",
            "cause-status": "suspected",
            "cause-description": "",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "This field is required." in page
    assert Cause.objects.count() == count


def test_confirming_a_cause(client_for: Any, owner: Any, busy_incident: Any) -> None:
    cause = busy_incident.causes.get()
    response = client_for(owner).post(
        reverse("cause-edit", args=[busy_incident.reference, cause.pk]),
        {
            "cause-category": cause.category,
            "cause-role": cause.role,
            "cause-status": "confirmed",
            "cause-description": cause.description,
        },
    )
    assert response.status_code == 302
    cause.refresh_from_db()
    assert cause.status == "confirmed"
    page = client_for(owner).get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    assert "cstatus-confirmed" in page


# Action items


def test_adding_an_action_item_defaults_its_due_date(client_for: Any, owner: Any, busy_incident: Any) -> None:
    response = client_for(owner).post(
        reverse("action-add", args=[busy_incident.reference]),
        {"action-title": "Alert on pool saturation", "action-kind": "detect", "action-priority": "P1",
         "action-status": "open", "action-owner": owner.username},
    )  # fmt: skip
    action = RemediationAction.objects.get(title="Alert on pool saturation")
    assert response.status_code == 302
    assert action.due_date == timezone.localdate() + timedelta(days=14)
    assert action.owner == owner


def test_an_action_item_with_a_bad_ticket_link_or_owner_is_refused(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    count = RemediationAction.objects.count()
    client = client_for(owner)
    bad_link = client.post(
        reverse("action-add", args=[busy_incident.reference]),
        {"action-title": "X", "action-kind": "detect", "action-priority": "P1", "action-status": "open",
         "action-ticket_url": "javascript:alert(1)"},
    )  # fmt: skip
    assert bad_link.status_code == 422
    assert "Give a full http(s) link to the ticket." in bad_link.content.decode()
    bad_owner = client.post(
        reverse("action-add", args=[busy_incident.reference]),
        {"action-title": "X", "action-kind": "detect", "action-priority": "P1", "action-status": "open",
         "action-owner": "nobody-here"},
    )  # fmt: skip
    assert bad_owner.status_code == 422
    assert "No user called" in bad_owner.content.decode()
    assert RemediationAction.objects.count() == count


def test_closing_an_item_needs_a_note(client_for: Any, owner: Any, busy_incident: Any) -> None:
    action = busy_incident.actions.get()
    url = reverse("action-close", args=[busy_incident.reference, action.pk])
    client = client_for(owner)
    refused = client.post(url, {"close-status": "done", "close-completion_note": ""})
    assert refused.status_code == 422
    assert "This field is required." in refused.content.decode()
    action.refresh_from_db()
    assert action.status == "open"

    done = client.post(url, {"close-status": "done", "close-completion_note": "Shipped in PR 881"})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    assert action.completion_note == "Shipped in PR 881"
    assert action.completed_at is not None


def test_editing_an_action_item_to_wont_do_without_reason_is_refused(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    action = busy_incident.actions.get()
    response = client_for(owner).post(
        reverse("action-edit", args=[busy_incident.reference, action.pk]),
        {"action-title": action.title, "action-kind": action.kind, "action-priority": action.priority,
         "action-status": "wont_do", "action-owner": owner.username,
         "action-due_date": action.due_date.isoformat()},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Give the reason it will not be done." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"


# Status updates


def test_posting_a_public_update_also_writes_a_communication_entry(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    response = client_for(owner).post(
        reverse("status-update-post", args=[busy_incident.reference]),
        {"update-audience": "public", "update-message": "Checkout is recovering."},
    )
    assert response.status_code == 302
    update = StatusUpdate.objects.get(message="Checkout is recovering.")
    assert update.audience == "public"
    assert update.event is not None
    assert update.event.kind == "communication"


def test_an_empty_update_is_refused(client_for: Any, owner: Any, busy_incident: Any) -> None:
    count = StatusUpdate.objects.count()
    events = TimelineEvent.objects.count()
    response = client_for(owner).post(
        reverse("status-update-post", args=[busy_incident.reference]),
        {"update-audience": "public", "update-message": ""},
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert StatusUpdate.objects.count() == count
    assert TimelineEvent.objects.count() == events


def test_viewers_get_403_on_every_write(client_for: Any, viewer: Any, busy_incident: Any, event: Any) -> None:
    client = client_for(viewer)
    ref = busy_incident.reference
    cause = busy_incident.causes.get()
    action = busy_incident.actions.get()
    for url in (
        reverse("cause-add", args=[ref]),
        reverse("cause-edit", args=[ref, cause.pk]),
        reverse("action-add", args=[ref]),
        reverse("action-edit", args=[ref, action.pk]),
        reverse("action-close", args=[ref, action.pk]),
        reverse("status-update-post", args=[ref]),
        reverse("timeline-add", args=[ref]),
        reverse("timeline-event-pin", args=[ref, event.pk]),
        reverse("timeline-event-edit", args=[ref, event.pk]),
        reverse("timeline-event-delete", args=[ref, event.pk]),
        reverse("timeline-event-restore", args=[ref, event.pk]),
    ):
        assert client.post(url, {"is_key": "1"}).status_code == 403, url
    event.refresh_from_db()
    assert not event.is_key
    assert not event.is_deleted


# Profile and API tokens


def test_the_profile_saves_timezone_and_quiet_hours(client_for: Any, owner: Any) -> None:
    response = client_for(owner).post(
        reverse("profile"),
        {"timezone": "Europe/Paris", "quiet_hours_start": "22:00", "quiet_hours_end": "07:30"},
    )
    assert response.status_code == 302
    owner.profile.refresh_from_db()
    assert owner.profile.timezone == "Europe/Paris"
    assert owner.profile.quiet_hours_start.strftime("%H:%M") == "22:00"
    assert owner.profile.quiet_weekends is False


def test_the_profile_refuses_an_unknown_timezone_and_half_quiet_hours(client_for: Any, owner: Any) -> None:
    client = client_for(owner)
    bad_zone = client.post(
        reverse("profile"), {"timezone": "Mars/Olympus", "quiet_hours_start": "", "quiet_hours_end": ""}
    )
    assert bad_zone.status_code == 422
    assert "Select a valid choice" in bad_zone.content.decode()
    half = client.post(
        reverse("profile"), {"timezone": "UTC", "quiet_hours_start": "22:00", "quiet_hours_end": ""}
    )
    assert half.status_code == 422
    assert "Give both ends of the quiet hours, or neither." in half.content.decode()
    owner.profile.refresh_from_db()
    assert owner.profile.timezone == "UTC"
    assert owner.profile.quiet_hours_start.strftime("%H:%M") == "20:00"


def test_times_follow_the_profile_timezone(client_for: Any, owner: Any, incident: Any) -> None:
    client = client_for(owner)
    client.post(
        reverse("profile"), {"timezone": "Asia/Kolkata", "quiet_hours_start": "", "quiet_hours_end": ""}
    )
    page = client.get(reverse("incident-detail", args=[incident.reference])).content.decode()
    local = timezone.localtime(incident.started_at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Kolkata"))
    assert local.strftime("%Y-%m-%d %H:%M") in page
    assert "Times are shown in Asia/Kolkata." in page


def test_an_api_token_key_is_shown_once_and_works(client_for: Any, owner: Any, api_client: Any) -> None:
    client = client_for(owner)
    response = client.post(reverse("api-token-create"), {"token-name": "deploy script"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=owner, name="deploy script")
    assert client.get(reverse("profile")).content.decode().count(key) == 0
    assert token.prefix in client.get(reverse("profile")).content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/me/").status_code == 200


def test_an_unnamed_token_is_refused(client_for: Any, owner: Any) -> None:
    response = client_for(owner).post(reverse("api-token-create"), {"token-name": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.filter(user=owner).exists()


def test_revoking_a_token_and_nobody_elses(client_for: Any, owner: Any) -> None:
    from incidents import services

    mine, _ = services.api_token_create(user=owner, name="mine")
    someone = UserFactory(username="someone", role="responder")
    theirs, _ = services.api_token_create(user=someone, name="theirs")
    client = client_for(owner)
    assert client.post(reverse("api-token-revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api-token-revoke", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None


# The incident page's add boxes fetch their forms when opened


@pytest.mark.parametrize(
    ("name", "field", "heading"),
    [
        ("cause-add", "cause-description", "Add a cause"),
        ("action-add", "action-title", "Add an action item"),
        ("status-update-post", "update-message", "Post a status update"),
    ],
)
def test_each_add_box_fetches_its_form_and_works_without_js(
    client_for: Any,
    owner: Any,
    viewer: Any,
    outsider: Any,
    private_incident: Any,
    name: str,
    field: str,
    heading: str,
) -> None:
    client = client_for(owner)
    url = reverse(name, args=[private_incident.reference])
    page = client.get(private_incident.get_absolute_url()).content.decode()
    # The page carries the box (htmx fetches the form) and a link for browsers without JS, not the form.
    assert f'hx-get="{url}"' in page
    assert f'<a href="{url}">Open the form</a>' in page
    assert f'name="{field}"' not in page
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert f'name="{field}"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    full = client.get(url)
    assert full.status_code == 200
    assert heading in full.content.decode()
    assert "<html" in full.content.decode()
    # Nobody else gets the form: a viewer may not write, an outsider does not see the incident.
    assert client_for(viewer).get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert client_for(outsider).get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_the_fetched_action_form_brings_its_owner_suggestions(
    client_for: Any, owner: Any, incident: Any
) -> None:
    body = (
        client_for(owner)
        .get(reverse("action-add", args=[incident.reference]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert 'list="usernames"' in body
    assert '<datalist id="usernames">' in body
    assert f'<option value="{owner.username}">' in body


def test_a_viewer_of_a_public_incident_is_refused_the_forms(
    client_for: Any, viewer: Any, incident: Any
) -> None:
    client = client_for(viewer)
    for name in ("cause-add", "action-add", "status-update-post"):
        assert client.get(reverse(name, args=[incident.reference])).status_code == 403
    assert "Open the form" not in client.get(incident.get_absolute_url()).content.decode()
