"""The API's hand-built representations match what DRF gives, and callers are found as they should be.

Incidents and timeline entries are written out directly instead of field by field (for speed, see
bench/bench_http.py). These tests pin them to DRF's field-by-field output.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from config.auth_backends import UserModelBackend
from incidents import selectors
from incidents.api.serializers import IncidentSerializer
from incidents.api.timeline import TimelineEventSerializer
from incidents.models import ApiToken, Incident
from incidents.permissions import is_admin, is_responder, role_of
from incidents.services import api_token_create
from tests.factories import IncidentFactory, ServiceFactory, UserFactory
from timeline.models import TimelineEvent
from timeline.selectors import timeline_for_incident

pytestmark = pytest.mark.django_db


def _request(user: Any) -> Any:
    request = APIRequestFactory().get("/api/v1/incidents/")
    request.user = user
    return request


def _declared(serializer: serializers.ModelSerializer, instance: Any) -> dict[str, Any]:
    """What DRF's field-by-field representation gives for the declared fields."""
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


def test_incident_representation_matches_declared_fields(owner: Any, admin_user: Any) -> None:
    original = IncidentFactory(title="Original", private=True, commander=admin_user)
    now = timezone.now().replace(microsecond=123456)
    rich = IncidentFactory(
        title="Checkout <b>errors</b>",
        summary="**Markdown** summary",
        impact="Card payments failed",
        severity="SEV1",
        status="resolved",
        commander=owner,
        reporter=None,
        tags=["payments", "eu"],
        started_at=now - timedelta(hours=3),
        detected_at=now - timedelta(hours=2, minutes=55),
        acknowledged_at=now - timedelta(hours=2, minutes=50),
        mitigated_at=now - timedelta(hours=1),
        resolved_at=now,
        duplicate_of=original,
        false_alarm=True,
        services=[ServiceFactory(name="payments"), ServiceFactory(name="api")],
    )
    plain = IncidentFactory(title="Plain")
    for user in (owner, admin_user):
        for incident in (rich, plain):
            fresh = selectors.incident_get(user=user, reference=incident.reference)
            assert fresh is not None
            serializer = IncidentSerializer(fresh, context={"request": _request(user)})
            fast = serializer.to_representation(fresh)
            assert fast == _declared(serializer, fresh)
            assert list(fast) == IncidentSerializer.Meta.fields
    # The private original is named to its commander (an admin here) only.
    as_owner = IncidentSerializer(rich, context={"request": _request(owner)}).data
    as_admin = IncidentSerializer(rich, context={"request": _request(admin_user)}).data
    assert as_owner["duplicate_of"] is None
    assert as_admin["duplicate_of"] == original.reference
    assert as_admin["services"] == ["api", "payments"]
    assert as_admin["resolved_at"].endswith(".123456Z")


def test_timeline_representation_matches_declared_fields(incident: Incident, owner: Any) -> None:
    events = [
        TimelineEvent.objects.create(incident=incident, body="Rolled back", author=owner, kind="action"),
        TimelineEvent.objects.create(
            incident=incident, body="Alert", author=None, source="webhook", kind="alert", is_key=True
        ),
    ]
    events[0].edited_at = timezone.now()
    for event in events:
        serializer = TimelineEventSerializer(event)
        fast = serializer.to_representation(event)
        assert fast == _declared(serializer, event)
        assert list(fast) == TimelineEventSerializer.Meta.fields
    # Listed as the API lists them: the same output.
    listed = list(timeline_for_incident(incident=incident))
    assert [TimelineEventSerializer(event).to_representation(event) for event in listed] == [
        _declared(TimelineEventSerializer(event), event)
        for event in TimelineEvent.objects.filter(incident=incident)
    ]
    assert [row["author"] for row in TimelineEventSerializer(listed, many=True).data] == [
        owner.username,
        None,
    ]


@pytest.mark.parametrize("role", ["viewer", "responder", "admin", None])
def test_user_lookup_reads_the_roles_the_groups_give(role: str | None) -> None:
    user = UserFactory(username=f"user-{role}", role=role)
    loaded = UserModelBackend().get_user(user.pk)
    assert loaded == user
    fresh = type(user).objects.get(pk=user.pk)  # roles read the slow way, from the groups
    assert (is_admin(loaded), is_responder(loaded), role_of(loaded)) == (
        is_admin(fresh),
        is_responder(fresh),
        role_of(fresh),
    )


def test_user_lookup_refuses_inactive_and_unknown_users() -> None:
    user = UserFactory(username="gone", role="admin")
    user.is_active = False
    user.save()
    backend = UserModelBackend()
    assert backend.get_user(user.pk) is None
    assert backend.get_user(10**12) is None
    assert backend.get_user(10**30) is None
    assert backend.get_user("12; DROP TABLE auth_user") is None


def test_user_in_both_groups_is_an_admin() -> None:
    user = UserFactory(username="both", role="responder")
    user.groups.add(Group.objects.get(name="admin"))
    loaded = UserModelBackend().get_user(user.pk)
    assert is_admin(loaded)
    assert is_responder(loaded)


def test_tokens_work_until_revoked_or_their_user_is_deactivated(owner: Any) -> None:
    from rest_framework.test import APIClient

    def status_with(key: str) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return int(client.get("/api/v1/me/").status_code)

    token, key = api_token_create(user=owner, name="script")
    assert status_with(key) == 200
    assert status_with("not-a-key") == 401
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert status_with(key) == 401
    _, other = api_token_create(user=owner, name="second")
    assert status_with(other) == 200
    owner.is_active = False
    owner.save()
    assert status_with(other) == 401


def test_incident_lookup_by_id_and_reference(incident: Incident, owner: Any) -> None:
    assert selectors.incident_get(user=owner, reference=incident.pk) == incident
    assert selectors.incident_get(user=owner, reference=incident.reference) == incident
    assert selectors.incident_get(user=owner, reference=incident.reference.lower()) == incident
    assert selectors.incident_get(user=owner, reference=10**12) is None
    assert selectors.incident_get(user=owner, reference="INC-0") is None


def test_incident_get_keeps_private_incidents_private(
    private_incident: Incident, owner: Any, participant: Any, outsider: Any, viewer: Any, admin_user: Any
) -> None:
    for user in (owner, participant, admin_user):
        found = selectors.incident_get(user=user, reference=private_incident.reference)
        assert found == private_incident
    for user in (outsider, viewer):
        assert selectors.incident_get(user=user, reference=private_incident.reference) is None
        assert selectors.incident_get(user=user, reference=str(private_incident.pk)) is None
    # Writing in the timeline, even an entry later deleted, makes one a participant for good.
    TimelineEvent.all_objects.create(
        incident=private_incident, body="x", author=outsider, deleted_at=timezone.now()
    )
    assert selectors.incident_get(user=outsider, reference=private_incident.reference) == private_incident
    for odd in ("", "INC-", "INC-x", "²", "-1", "1" * 30, "INC-1 OR 1=1"):
        assert selectors.incident_get(user=admin_user, reference=odd) is None


def test_the_list_names_originals_only_to_those_who_may_see_them(
    owner: Any, admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    from rest_framework.test import APIClient

    secret = IncidentFactory(title="Secret original", private=True, commander=admin_user)
    public = IncidentFactory(title="Public original", commander=owner, services=[ServiceFactory(name="db")])
    IncidentFactory(title="Dup of secret", duplicate_of=secret, commander=owner, reporter=admin_user)
    IncidentFactory(title="Dup of public", duplicate_of=public, services=[ServiceFactory(name="web")])

    def listed(user: Any) -> dict[str, Any]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user, name='t')[1]}")
        return {row["title"]: row for row in client.get("/api/v1/incidents/").json()["results"]}

    as_owner = listed(owner)
    assert as_owner["Dup of secret"]["duplicate_of"] is None
    assert as_owner["Dup of public"]["duplicate_of"] == public.reference
    assert "Secret original" not in as_owner
    assert as_owner["Dup of secret"]["commander"] == owner.username
    assert as_owner["Dup of secret"]["reporter"] == admin_user.username
    assert as_owner["Public original"]["services"] == ["db"]
    as_admin = listed(admin_user)
    assert as_admin["Dup of secret"]["duplicate_of"] == secret.reference
    # Each row as the detail endpoint shows it.
    for title, row in as_admin.items():
        incident = Incident.objects.get(title=title)
        detail = IncidentSerializer(
            selectors.incident_get(user=admin_user, reference=incident.reference),
            context={"request": _request(admin_user)},
        ).data
        assert {k: v for k, v in row.items() if k != "url"} == {k: v for k, v in detail.items() if k != "url"}
        # Every row's own absolute URL (the list reverses it once for all rows).
        assert row["url"] == f"http://testserver/api/v1/incidents/{incident.reference}/"
        assert APIClient().get(row["url"]).status_code == 401  # a real route (and not open)
