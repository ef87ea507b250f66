"""What Hindsight and monitoring wrote stays as written: in the service, the API, the UI and the admin.

A `system` entry (status, severity, role and milestone changes) can be pinned, nothing else, by
anyone, admins included; a `webhook` entry's body is what the alert said.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from incidents.models import Incident
from tests.factories import TimelineEventFactory
from timeline.models import TimelineEvent
from timeline.services import (
    system_event_add,
    timeline_event_add,
    timeline_event_delete,
    timeline_event_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def system_entry(incident: Incident) -> TimelineEvent:
    return system_event_add(
        incident=incident, actor=None, kind="severity_change", body="Severity SEV3 → SEV2"
    )


@pytest.fixture
def alert_entry(incident: Incident) -> TimelineEvent:
    return timeline_event_add(
        incident=incident,
        actor=None,
        kind="alert",
        body="**Firing:** HighErrorRate",
        source="webhook",
        external_id="am:abc:firing:20261205T100000Z",
    )


def _unchanged(event: TimelineEvent) -> None:
    saved = TimelineEvent.all_objects.get(pk=event.pk)
    assert (saved.body, saved.kind, saved.occurred_at, saved.deleted_at, saved.edited_at) == (
        event.body,
        event.kind,
        event.occurred_at,
        None,
        None,
    )


# ---------------------------------------------------------------- service


@pytest.mark.parametrize(
    "data",
    [
        {"body": "Severity stayed SEV3"},
        {"kind": "note"},
        {"occurred_at": None},
        {"body": "x", "is_key": True},
    ],
)
def test_the_service_refuses_to_rewrite_a_system_entry_even_for_an_admin(
    admin_user: Any, system_entry: TimelineEvent, data: dict[str, Any]
) -> None:
    if "occurred_at" in data:
        data = {"occurred_at": system_entry.occurred_at.replace(year=system_entry.occurred_at.year - 1)}
    with pytest.raises(PermissionDenied):
        timeline_event_update(event=system_entry, actor=admin_user, data=data)
    _unchanged(system_entry)
    assert not TimelineEvent.objects.get(pk=system_entry.pk).is_key


def test_the_service_refuses_to_delete_a_system_entry(admin_user: Any, system_entry: TimelineEvent) -> None:
    with pytest.raises(PermissionDenied):
        timeline_event_delete(event=system_entry, actor=admin_user)
    _unchanged(system_entry)


def test_a_system_entry_can_be_pinned(owner: Any, system_entry: TimelineEvent) -> None:
    timeline_event_update(event=system_entry, actor=owner, data={"is_key": True})
    assert TimelineEvent.objects.get(pk=system_entry.pk).is_key


def test_a_webhook_entry_keeps_its_text_but_can_be_reclassified_and_pinned(
    owner: Any, alert_entry: TimelineEvent
) -> None:
    with pytest.raises(PermissionDenied):
        timeline_event_update(event=alert_entry, actor=owner, data={"body": "It was nothing"})
    timeline_event_update(
        event=alert_entry, actor=owner, data={"body": alert_entry.body, "kind": "detection", "is_key": True}
    )
    saved = TimelineEvent.objects.get(pk=alert_entry.pk)
    assert (saved.body, saved.kind, saved.is_key) == ("**Firing:** HighErrorRate", "detection", True)


# ---------------------------------------------------------------- API


def test_the_api_answers_403_to_a_patch_of_a_system_entrys_body(
    client_as: Any, admin_user: Any, system_entry: TimelineEvent
) -> None:
    response = client_as(admin_user).patch(
        f"/api/v1/timeline-events/{system_entry.pk}/", {"body": "Severity stayed SEV3"}, format="json"
    )
    assert response.status_code == 403
    assert "pinned, not edited" in response.json()["detail"]
    _unchanged(system_entry)


def test_the_api_answers_403_to_deleting_a_system_entry(as_owner: Any, system_entry: TimelineEvent) -> None:
    response = as_owner.delete(f"/api/v1/timeline-events/{system_entry.pk}/")
    assert response.status_code == 403
    assert "cannot be deleted" in response.json()["detail"]
    _unchanged(system_entry)
    assert as_owner.get(f"/api/v1/timeline-events/{system_entry.pk}/").status_code == 200


def test_the_api_pins_a_system_entry(as_owner: Any, system_entry: TimelineEvent) -> None:
    response = as_owner.patch(f"/api/v1/timeline-events/{system_entry.pk}/", {"is_key": True}, format="json")
    assert response.status_code == 200
    assert response.json()["is_key"] is True
    assert response.json()["body"] == "Severity SEV3 → SEV2"


def test_the_api_answers_403_to_a_patch_of_a_webhook_entrys_body(
    as_owner: Any, alert_entry: TimelineEvent
) -> None:
    response = as_owner.patch(
        f"/api/v1/timeline-events/{alert_entry.pk}/", {"body": "Nothing"}, format="json"
    )
    assert response.status_code == 403
    assert "what the alert said" in response.json()["detail"]
    _unchanged(alert_entry)


# ---------------------------------------------------------------- UI


def test_the_edit_form_of_a_webhook_entry_keeps_its_text(
    client_for: Any, owner: Any, incident: Incident, alert_entry: TimelineEvent
) -> None:
    url = reverse("timeline-event-edit", args=[incident.reference, alert_entry.pk])
    client = client_for(owner)
    assert "cannot be edited" in client.get(url).content.decode()

    response = client.post(url, {"when": "-1m", "kind": "detection", "body": "Rewritten"})

    assert response.status_code == 302
    saved = TimelineEvent.objects.get(pk=alert_entry.pk)
    assert (saved.body, saved.kind) == ("**Firing:** HighErrorRate", "detection")


def test_an_admin_cannot_delete_a_system_entry_in_the_ui(
    client_for: Any, admin_user: Any, incident: Incident, system_entry: TimelineEvent
) -> None:
    response = client_for(admin_user).post(
        reverse("timeline-event-delete", args=[incident.reference, system_entry.pk])
    )
    assert response.status_code == 403
    _unchanged(system_entry)


# ---------------------------------------------------------------- Django admin


@pytest.fixture
def superuser(db: Any) -> Any:
    from tests.factories import UserFactory

    user = UserFactory(username="root", role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_the_admin_shows_a_system_entry_read_only_but_for_its_pin(
    client_for: Any, superuser: Any, system_entry: TimelineEvent
) -> None:
    client = client_for(superuser)
    url = reverse("admin:timeline_timelineevent_change", args=[system_entry.pk])
    page = client.get(url).content.decode()
    assert 'name="is_key"' in page
    assert 'name="body"' not in page
    assert 'name="kind"' not in page

    response = client.post(url, {"is_key": "on", "body": "Rewritten", "kind": "note", "source": "web"})

    assert response.status_code == 302
    saved = TimelineEvent.objects.get(pk=system_entry.pk)
    assert saved.is_key
    assert (saved.body, saved.kind, saved.source) == ("Severity SEV3 → SEV2", "severity_change", "system")


def test_the_admin_cannot_delete_a_system_entry(
    client_for: Any, superuser: Any, system_entry: TimelineEvent
) -> None:
    client = client_for(superuser)
    url = reverse("admin:timeline_timelineevent_delete", args=[system_entry.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert TimelineEvent.objects.filter(pk=system_entry.pk).exists()
    changelist = client.get(reverse("admin:timeline_timelineevent_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_the_admin_keeps_a_webhook_entrys_body(
    client_for: Any, superuser: Any, alert_entry: TimelineEvent
) -> None:
    page = (
        client_for(superuser)
        .get(reverse("admin:timeline_timelineevent_change", args=[alert_entry.pk]))
        .content.decode()
    )
    assert 'name="body"' not in page
    assert 'name="kind"' in page


def test_a_person_can_still_delete_their_own_entry(owner: Any, incident: Incident) -> None:
    event = TimelineEventFactory(incident=incident, author=owner, body="Wrong incident")
    timeline_event_delete(event=event, actor=owner)
    assert TimelineEvent.all_objects.get(pk=event.pk).is_deleted
