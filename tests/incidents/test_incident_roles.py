"""Roles besides the commander: communications lead, scribe, and kinds an admin adds."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.jobs import job_run
from incidents.models import IncidentRole, IncidentRoleKind, Job
from incidents.reminders.models import Notification
from incidents.selectors import incident_roles
from incidents.services import incident_declare, incident_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run_jobs() -> None:
    for job in Job.objects.filter(status="queued"):
        job_run(job_id=str(job.pk))


def _titles(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


def test_every_incident_offers_a_communications_lead_and_a_scribe_after_the_commander(incident):
    assert [(slot.key, slot.name, slot.holder) for slot in incident_roles(incident=incident)] == [
        ("commander", "Commander", incident.commander),
        ("communications_lead", "Communications lead", None),
        ("scribe", "Scribe", None),
    ]


def test_naming_a_scribe_writes_a_system_entry_and_tells_them(owner, incident):
    maya = UserFactory(username="maya", first_name="Maya", last_name="Chen", role="responder")
    incident_update(incident=incident, actor=owner, data={"roles": {"scribe": "maya"}})
    assert IncidentRole.objects.get(incident=incident, kind__key="scribe").user == maya
    entry = incident.events.filter(kind="role_change").latest("recorded_at")
    assert (entry.source, entry.body) == ("system", "Scribe changed from nobody to maya.")
    _run_jobs()
    assert _titles(maya) == [
        f"{owner.get_full_name() or owner.username} named you scribe of {incident.reference}"
    ]


def test_naming_the_commander_tells_the_new_commander_but_naming_yourself_does_not(owner, incident):
    jonas = UserFactory(username="jonas", role="responder")
    incident_update(incident=incident, actor=owner, data={"commander": "jonas"})
    incident_update(incident=incident, actor=owner, data={"commander": owner})
    _run_jobs()
    assert len(_titles(jonas)) == 0, "no longer commander when the job ran: nothing to say"
    incident_update(incident=incident, actor=owner, data={"commander": "jonas"})
    _run_jobs()
    assert _titles(jonas) == [
        f"{owner.get_full_name() or owner.username} named you incident commander of {incident.reference}"
    ]
    assert _titles(owner) == []


def test_declaring_with_someone_else_as_commander_tells_them(owner):
    jonas = UserFactory(username="jonas", role="responder")
    incident = incident_declare(actor=owner, title="Checkout fails", severity="SEV2", commander="jonas")
    _run_jobs()
    assert _titles(jonas) == [
        f"{owner.get_full_name() or owner.username} named you incident commander of {incident.reference}"
    ]


def test_a_role_holder_sees_the_private_incident_they_hold_a_role_in(owner, private_incident, outsider):
    from incidents.models import Incident

    assert private_incident not in Incident.objects.visible_to(outsider)
    incident_update(incident=private_incident, actor=owner, data={"roles": {"communications_lead": outsider}})
    assert private_incident in Incident.objects.visible_to(outsider)


def test_clearing_a_role_says_so(owner, incident):
    UserFactory(username="maya", role="responder")
    incident_update(incident=incident, actor=owner, data={"roles": {"scribe": "maya"}})
    incident_update(incident=incident, actor=owner, data={"roles": {"scribe": None}})
    assert not IncidentRole.objects.filter(incident=incident).exists()
    assert incident.events.filter(body="Scribe changed from maya to nobody.").exists()


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"janitor": "maya"}, "No role called 'janitor'"),
        ({"scribe": "nobody-here"}, "No user called 'nobody-here'"),
        (["scribe"], "Give roles as an object"),
    ],
)
def test_bad_roles_are_a_field_error_and_change_nothing(owner, incident, roles, message):
    UserFactory(username="maya", role="responder")
    version = incident.version
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, actor=owner, data={"roles": roles, "severity": "SEV1"})
    assert message in " ".join(error.value.message_dict["roles"])
    incident.refresh_from_db()
    assert (incident.version, incident.severity) == (version, "SEV2")
    assert not IncidentRole.objects.exists()


def test_viewers_cannot_name_anyone(viewer, incident):
    with pytest.raises(PermissionDenied):
        incident_update(incident=incident, actor=viewer, data={"roles": {"scribe": viewer}})


def test_a_kind_an_admin_adds_is_offered_and_an_inactive_one_is_not(owner, incident):
    IncidentRoleKind.objects.create(key="liaison", name="Customer liaison", order=30)
    IncidentRoleKind.objects.filter(key="scribe").update(active=False)
    assert [slot.key for slot in incident_roles(incident=incident)] == [
        "commander",
        "communications_lead",
        "liaison",
    ]
    UserFactory(username="maya", role="responder")
    incident_update(incident=incident, actor=owner, data={"roles": {"liaison": "maya"}})
    with pytest.raises(ValidationError):
        incident_update(incident=incident, actor=owner, data={"roles": {"scribe": "maya"}})
