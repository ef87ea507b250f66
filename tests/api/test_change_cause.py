"""One click from a change to a suspected cause: "Suspect this change" on the incident page, and
`POST /api/v1/incidents/{id}/changes/{change_id}/cause/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.models import Cause, ChangeEvent, Incident
from incidents.services import cause_delete, cause_update
from incidents.services.changes import cause_from_change, change_event_record
from tests.factories import IncidentFactory, ServiceFactory
from timeline.models import TimelineEvent
from timeline.services import timeline_event_delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout_incident(owner: Any) -> Incident:
    started = timezone.now() - timedelta(minutes=30)
    return IncidentFactory(
        services=[ServiceFactory(name="checkout")],
        started_at=started,
        detected_at=started,
        commander=owner,
        reporter=owner,
    )


@pytest.fixture
def deploy(checkout_incident: Incident) -> ChangeEvent:
    return change_event_record(
        service="checkout",
        summary="Deployed main (f95f852) to production",
        kind="deploy",
        at=checkout_incident.started_at - timedelta(minutes=12),
        url="https://ci.example.com/runs/4182",
        author="deploy-bot",
    )


def cause_url(incident: Incident, change: ChangeEvent | int | str) -> str:
    change_id = change.pk if isinstance(change, ChangeEvent) else change
    return f"/api/v1/incidents/{incident.reference}/changes/{change_id}/cause/"


# ---------------------------------------------------------------- the service


def test_suspecting_a_change_adds_an_entry_at_its_time_and_a_suspected_cause_citing_it(
    checkout_incident: Incident, deploy: ChangeEvent, owner: Any
) -> None:
    cause, created = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)

    assert created
    assert (cause.category, cause.status, cause.role) == ("change", "suspected", "trigger")
    assert "Deployed main (f95f852) to production" in cause.description
    assert "deploy-bot" not in cause.description  # blameless: the change is suspected, not a person
    [entry] = cause.evidence.all()
    assert entry.occurred_at == deploy.at
    assert entry.kind == "note"
    assert entry.external_id == f"change:{deploy.pk}"
    for words in (
        "Deploy of checkout",
        "Deployed main (f95f852)",
        "by deploy-bot",
        "https://ci.example.com/runs/4182",
    ):
        assert words in entry.body


def test_suspecting_the_same_change_twice_makes_one_cause(
    checkout_incident: Incident, deploy: ChangeEvent, owner: Any, participant: Any
) -> None:
    first, _ = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)

    again, created = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)

    assert not created
    assert again == first
    assert Cause.objects.filter(incident=checkout_incident).count() == 1
    assert (
        TimelineEvent.objects.filter(incident=checkout_incident, external_id=f"change:{deploy.pk}").count()
        == 1
    )


def test_a_change_ruled_out_stays_ruled_out(
    checkout_incident: Incident, deploy: ChangeEvent, owner: Any
) -> None:
    cause, _ = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)
    cause_update(cause=cause, actor=owner, data={"status": "ruled_out"})

    again, created = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)

    assert not created
    assert again.status == "ruled_out"


def test_after_the_cause_and_its_entry_were_deleted_it_can_be_suspected_again(
    checkout_incident: Incident, deploy: ChangeEvent, owner: Any
) -> None:
    cause, _ = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)
    entry = cause.evidence.get()
    cause_delete(cause=cause, actor=owner)
    timeline_event_delete(event=entry, actor=owner)

    again, created = cause_from_change(incident=checkout_incident, change=deploy, actor=owner)

    assert created
    assert again.pk != cause.pk
    assert list(again.evidence.all()) == [entry]
    entry.refresh_from_db()
    assert entry.deleted_at is None


def test_viewers_cannot_suspect_a_change(
    checkout_incident: Incident, deploy: ChangeEvent, viewer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        cause_from_change(incident=checkout_incident, change=deploy, actor=viewer)

    assert not Cause.objects.exists()
    assert not TimelineEvent.objects.filter(external_id__startswith="change:").exists()


@pytest.mark.parametrize(
    ("service", "before"),
    [("search", timedelta(minutes=5)), ("checkout", timedelta(hours=3))],
    ids=["another service", "too early"],
)
def test_a_change_not_near_the_incident_is_refused(
    checkout_incident: Incident, owner: Any, service: str, before: timedelta
) -> None:
    elsewhere = change_event_record(
        service=service, summary="unrelated", kind="config", at=checkout_incident.started_at - before
    )

    with pytest.raises(ValidationError) as error:
        cause_from_change(incident=checkout_incident, change=elsewhere, actor=owner)

    assert "change" in error.value.message_dict
    assert not Cause.objects.exists()


# ---------------------------------------------------------------- the API


def test_the_api_answers_201_then_200_with_the_cause(
    as_owner: APIClient, checkout_incident: Incident, deploy: ChangeEvent
) -> None:
    created = as_owner.post(cause_url(checkout_incident, deploy))
    again = as_owner.post(cause_url(checkout_incident, deploy))

    assert created.status_code == 201
    body = created.json()
    assert (body["category"], body["status"], body["role"]) == ("change", "suspected", "trigger")
    assert body["incident"] == checkout_incident.reference
    entry = TimelineEvent.objects.get(external_id=f"change:{deploy.pk}")
    assert body["evidence"] == [entry.pk]
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


def test_viewers_get_a_403_from_the_api(
    client_as: Callable[..., APIClient], viewer: Any, checkout_incident: Incident, deploy: ChangeEvent
) -> None:
    assert client_as(viewer).post(cause_url(checkout_incident, deploy)).status_code == 403
    assert not Cause.objects.exists()


def test_a_private_incident_is_a_404_for_outsiders(
    client_as: Callable[..., APIClient], outsider: Any, owner: Any
) -> None:
    started = timezone.now() - timedelta(minutes=30)
    private = IncidentFactory(
        services=[ServiceFactory(name="checkout")],
        started_at=started,
        detected_at=started,
        private=True,
        commander=owner,
    )
    change = change_event_record(service="checkout", summary="deploy", kind="deploy", at=started)

    assert client_as(outsider).post(cause_url(private, change)).status_code == 404
    assert not Cause.objects.exists()


@pytest.mark.parametrize("change_id", ["999999", "abc", "0", "-1", "1" * 30])
def test_an_unknown_change_is_a_404(as_owner: APIClient, checkout_incident: Incident, change_id: str) -> None:
    assert as_owner.post(cause_url(checkout_incident, change_id)).status_code == 404


def test_a_change_not_listed_for_the_incident_is_a_404(
    as_owner: APIClient, checkout_incident: Incident
) -> None:
    elsewhere = change_event_record(service="search", summary="unrelated", kind="config")

    assert as_owner.post(cause_url(checkout_incident, elsewhere)).status_code == 404
    assert not Cause.objects.exists()


# ---------------------------------------------------------------- the incident page


def test_a_responder_suspects_a_change_from_the_incident_page(
    client_for: Any, owner: Any, checkout_incident: Incident, deploy: ChangeEvent
) -> None:
    page_url = f"/incidents/{checkout_incident.reference}/"
    client = client_for(owner)
    assert "Suspect this change" in client.get(page_url).content.decode()

    response = client.post(f"{page_url}changes/{deploy.pk}/suspect/")

    cause = Cause.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{page_url}#cause-{cause.pk}"
    page = client.get(page_url).content.decode()
    assert "Suspect this change" not in page
    assert f'href="#cause-{cause.pk}">Suspected' in page
    assert f'id="cause-{cause.pk}"' in page


def test_viewers_see_no_button_and_cannot_post(
    client_for: Any, viewer: Any, checkout_incident: Incident, deploy: ChangeEvent
) -> None:
    page_url = f"/incidents/{checkout_incident.reference}/"
    client = client_for(viewer)

    assert "Suspect this change" not in client.get(page_url).content.decode()
    assert client.post(f"{page_url}changes/{deploy.pk}/suspect/").status_code == 403
    assert not Cause.objects.exists()


def test_the_changes_card_isolates_what_pipelines_wrote(
    client_for: Any, owner: Any, checkout_incident: Incident
) -> None:
    change_event_record(
        service="checkout",
        summary="Deploy \u202e4182",
        kind="deploy",
        at=checkout_incident.started_at,
        author="bot\u202e",
    )

    page = client_for(owner).get(f"/incidents/{checkout_incident.reference}/").content.decode()

    assert "<bdi>Deploy \u202e4182</bdi>" in page
    assert "<bdi>bot\u202e</bdi>" in page
    assert "<bdi>checkout</bdi>" in page
