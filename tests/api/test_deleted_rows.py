"""Deleted timeline entries, causes and action items are reachable: admins list them with
`?deleted=true` and restore them with `POST …/{id}/restore/`; nobody else can."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.models import Cause, Incident, RemediationAction
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate
from incidents.services import action_delete, action_update, cause_delete, cause_restore, cause_update
from tests.factories import CauseFactory, RemediationActionFactory, TimelineEventFactory, UserFactory
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

KINDS: dict[str, tuple[str, str, Callable[[Incident], Any], type]] = {
    # kind: (nested list, own endpoint, make a row, model)
    "entry": (
        "timeline",
        "timeline-events",
        lambda incident: TimelineEventFactory(incident=incident, body="Paged the wrong team"),
        TimelineEvent,
    ),
    "cause": (
        "causes",
        "causes",
        lambda incident: CauseFactory(incident=incident, description="Cosmic rays"),
        Cause,
    ),
    "action": (
        "actions",
        "actions",
        lambda incident: RemediationActionFactory(incident=incident, title="Buy a bigger box"),
        RemediationAction,
    ),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request: Any) -> str:
    return str(request.param)


def _deleted(kind: str, incident: Incident, as_owner: Any) -> Any:
    nested, own, make, _ = KINDS[kind]
    row = make(incident)
    assert as_owner.delete(f"/api/v1/{own}/{row.pk}/").status_code == 204
    return row


def _ids(response: Any) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_a_deleted_row_leaves_the_list_and_an_admin_lists_it_with_who_and_when(
    kind: str, as_owner: Any, client_as: Any, admin_user: Any, incident: Incident
) -> None:
    nested, own, _, model = KINDS[kind]
    row = _deleted(kind, incident, as_owner)
    admin = client_as(admin_user)

    assert row.pk not in _ids(as_owner.get(f"/api/v1/incidents/{incident.reference}/{nested}/"))
    assert as_owner.get(f"/api/v1/{own}/{row.pk}/").status_code == 404
    listed = admin.get(f"/api/v1/incidents/{incident.reference}/{nested}/?deleted=true")

    assert listed.status_code == 200
    assert _ids(listed) == [row.pk]
    item = listed.json()["results"][0]
    assert item["deleted_by"] == "olivia"
    assert item["deleted_at"].endswith("Z")
    assert model.all_objects.get(pk=row.pk).is_deleted


def test_an_admin_restores_a_deleted_row(
    kind: str, as_owner: Any, client_as: Any, admin_user: Any, incident: Incident
) -> None:
    nested, own, _, model = KINDS[kind]
    row = _deleted(kind, incident, as_owner)

    response = client_as(admin_user).post(f"/api/v1/{own}/{row.pk}/restore/")

    assert response.status_code == 200
    assert response.json()["id"] == row.pk
    assert not model.all_objects.get(pk=row.pk).is_deleted
    assert row.pk in _ids(as_owner.get(f"/api/v1/incidents/{incident.reference}/{nested}/"))
    assert as_owner.get(f"/api/v1/{own}/{row.pk}/").status_code == 200


def test_a_responder_can_neither_list_nor_restore_deleted_rows(
    kind: str, as_owner: Any, incident: Incident
) -> None:
    nested, own, _, model = KINDS[kind]
    row = _deleted(kind, incident, as_owner)

    listed = as_owner.get(f"/api/v1/incidents/{incident.reference}/{nested}/?deleted=true")
    restored = as_owner.post(f"/api/v1/{own}/{row.pk}/restore/")

    assert listed.status_code == 403
    assert listed.json()["detail"] == "Only admins can see deleted entries."
    assert restored.status_code == 403
    assert restored.json()["detail"] == "Only admins can restore deleted entries."
    assert model.all_objects.get(pk=row.pk).is_deleted


def test_an_outsider_learns_nothing_about_a_private_incidents_deleted_rows(
    kind: str, client_as: Any, owner: Any, outsider: Any, private_incident: Incident
) -> None:
    nested, own, _, model = KINDS[kind]
    row = _deleted(kind, private_incident, client_as(owner))
    client = client_as(outsider)

    assert (
        client.get(f"/api/v1/incidents/{private_incident.reference}/{nested}/?deleted=true").status_code
        == 404
    )
    assert client.post(f"/api/v1/{own}/{row.pk}/restore/").status_code == 404
    assert model.all_objects.get(pk=row.pk).is_deleted


def test_deleted_takes_true_or_false(kind: str, client_as: Any, admin_user: Any, incident: Incident) -> None:
    nested = KINDS[kind][0]
    admin = client_as(admin_user)
    response = admin.get(f"/api/v1/incidents/{incident.reference}/{nested}/?deleted=maybe")
    assert response.status_code == 400
    assert response.json() == {"deleted": ["Use true or false."]}
    assert admin.get(f"/api/v1/incidents/{incident.reference}/{nested}/?deleted=false").status_code == 200


def test_a_deleted_cause_and_action_are_left_out_of_the_postmortem_and_the_action_list(
    as_owner: Any, incident: Incident
) -> None:
    _deleted("cause", incident, as_owner)
    _deleted("action", incident, as_owner)
    CauseFactory(incident=incident, description="Disk filled up")

    postmortem_generate(incident_id=incident.pk)
    sections = {s.key: s.body for s in Postmortem.objects.get(incident=incident).sections.all()}

    assert "Disk filled up" in sections["causes"]
    assert "Cosmic rays" not in sections["causes"]
    assert "Buy a bigger box" not in sections["action_items"]
    assert as_owner.get("/api/v1/actions/").json()["count"] == 0


def test_a_viewer_cannot_delete_an_action_item(client_as: Any, viewer: Any, incident: Incident) -> None:
    action = RemediationActionFactory(incident=incident)
    assert client_as(viewer).delete(f"/api/v1/actions/{action.pk}/").status_code == 403
    assert not RemediationAction.all_objects.get(pk=action.pk).is_deleted


def test_a_deleted_cause_or_action_cannot_be_edited_until_restored(owner: Any, incident: Incident) -> None:
    cause = CauseFactory(incident=incident)
    action = RemediationActionFactory(incident=incident)
    cause_delete(cause=cause, actor=owner)
    action_delete(action=action, actor=owner)

    with pytest.raises(ValidationError):
        cause_update(cause=cause, actor=owner, data={"status": "confirmed"})
    with pytest.raises(ValidationError):
        action_update(action=action, actor=owner, data={"status": "in_progress"})
    assert Cause.all_objects.get(pk=cause.pk).status == "suspected"
    assert RemediationAction.all_objects.get(pk=action.pk).status == "open"


def test_only_an_admin_restores_through_the_service(owner: Any, admin_user: Any, incident: Incident) -> None:
    cause = CauseFactory(incident=incident)
    cause_delete(cause=cause, actor=owner)
    with pytest.raises(PermissionDenied):
        cause_restore(cause=cause, actor=owner)
    assert Cause.all_objects.get(pk=cause.pk).is_deleted
    cause_restore(cause=cause, actor=admin_user)
    assert Cause.objects.filter(pk=cause.pk).exists()


# ---------------------------------------------------------------- Django admin


@pytest.fixture
def superuser(db: Any) -> Any:
    user = UserFactory(username="root", role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.mark.parametrize(("model", "kind"), [("cause", "cause"), ("remediationaction", "action")])
def test_the_django_admin_lists_and_restores_deleted_causes_and_actions(
    client_for: Any, superuser: Any, as_owner: Any, incident: Incident, model: str, kind: str
) -> None:
    row = _deleted(kind, incident, as_owner)
    client = client_for(superuser)
    changelist = reverse(f"admin:incidents_{model}_changelist")

    assert f"/{row.pk}/change/" in client.get(changelist + "?deleted_at__isnull=False").content.decode()
    response = client.post(changelist, {"action": "restore", "_selected_action": [row.pk]})

    assert response.status_code == 302
    assert not KINDS[kind][3].all_objects.get(pk=row.pk).is_deleted
