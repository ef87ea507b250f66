"""Alertmanager webhook: one incident per alert group while open, alert events once, never closes."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from incidents.models import Incident
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

HOOK = "/api/v1/hooks/alertmanager/"
GROUP = '{}/{severity="critical"}:{alertname="HighErrorRate"}'


def alert(
    status: str = "firing",
    fingerprint: str = "a1b2c3d4e5f60718",
    starts: str = "2026-11-23T10:00:00Z",
    ends: str = "0001-01-01T00:00:00Z",
    instance: str = "api-1",
    severity: str = "critical",
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {
            "alertname": "HighErrorRate",
            "severity": severity,
            "service": "checkout",
            "instance": instance,
        },
        "annotations": {"summary": "5xx above 5%", "description": "Checkout is failing requests."},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus.example.com/graph?g0.expr=rate",
        "fingerprint": fingerprint,
    }


def notification(*alerts: dict[str, Any], status: str = "firing", group_key: str = GROUP) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "hindsight",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "severity": alerts[0]["labels"]["severity"]},
        "commonAnnotations": {"summary": "5xx above 5%"},
        "externalURL": "http://alertmanager.example.com",
        "alerts": list(alerts),
    }


@pytest.fixture
def hook(client_as: Any, owner: Any) -> APIClient:
    """Alertmanager, holding an integration token."""
    return client_as(owner, integration=True)


def alert_events(incident: Incident) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(incident=incident, kind="alert").order_by("occurred_at", "id"))


def test_a_firing_alert_opens_an_incident_with_an_alert_event(hook: APIClient) -> None:
    response = hook.post(HOOK, notification(alert()), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["events_added"] == 1
    incident = Incident.objects.get(reference=body["incident"])
    assert incident.title == "HighErrorRate: 5xx above 5%"
    assert incident.severity == "SEV1"
    assert incident.status == "investigating"
    assert incident.reporter is None
    assert incident.commander is None
    assert incident.alert_group_key == GROUP
    assert [service.name for service in incident.services.all()] == ["checkout"]
    assert incident.started_at.isoformat() == "2026-11-23T10:00:00+00:00"
    (event,) = alert_events(incident)
    assert event.source == "webhook"
    assert event.author is None
    assert event.body.startswith("**Firing:** HighErrorRate — 5xx above 5%")
    assert "`instance=api-1`" in event.body


def test_a_resent_notification_adds_nothing(hook: APIClient) -> None:
    payload = notification(alert())
    first = hook.post(HOOK, payload, format="json").json()

    again = hook.post(HOOK, deepcopy(payload), format="json")

    assert again.status_code == 200
    assert again.json() == {**first, "created": False, "events_added": 0}
    assert Incident.objects.count() == 1
    assert TimelineEvent.objects.filter(kind="alert").count() == 1


def test_alerts_of_one_group_go_to_one_incident_while_it_is_open(hook: APIClient) -> None:
    hook.post(HOOK, notification(alert()), format="json")

    response = hook.post(
        HOOK,
        notification(
            alert(), alert(fingerprint="ffff000011112222", instance="api-2", starts="2026-11-23T10:05:00Z")
        ),
        format="json",
    )

    assert response.json()["events_added"] == 1
    assert Incident.objects.count() == 1
    assert len(alert_events(Incident.objects.get())) == 2


def test_another_group_opens_another_incident(hook: APIClient) -> None:
    hook.post(HOOK, notification(alert()), format="json")

    response = hook.post(
        HOOK,
        notification(alert(fingerprint="9999888877776666"), group_key='{}:{alertname="DiskFull"}'),
        format="json",
    )

    assert response.json()["created"] is True
    assert Incident.objects.count() == 2


def test_a_resolved_alert_adds_an_event_and_leaves_the_incident_open(hook: APIClient) -> None:
    hook.post(HOOK, notification(alert()), format="json")

    response = hook.post(
        HOOK,
        notification(alert(status="resolved", ends="2026-11-23T10:30:00Z"), status="resolved"),
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["events_added"] == 1
    incident = Incident.objects.get()
    assert incident.status == "investigating"
    assert incident.resolved_at is None
    firing, resolved = alert_events(incident)
    assert resolved.body.startswith("**Resolved:**")
    assert resolved.occurred_at.isoformat() == "2026-11-23T10:30:00+00:00"
    resend = hook.post(
        HOOK,
        notification(alert(status="resolved", ends="2026-11-23T10:30:00Z"), status="resolved"),
        format="json",
    )
    assert resend.json()["events_added"] == 0


def test_after_people_resolve_the_incident_a_new_firing_opens_a_new_one(hook: APIClient, owner: Any) -> None:
    first = hook.post(HOOK, notification(alert()), format="json").json()
    Incident.objects.filter(reference=first["incident"]).update(status="resolved")

    repeat = hook.post(HOOK, notification(alert()), format="json")
    fresh = hook.post(HOOK, notification(alert(starts="2026-11-23T12:00:00Z")), format="json")

    assert repeat.json()["created"] is False  # the same alert, repeated: not a new outage
    assert fresh.json()["created"] is True
    assert fresh.json()["incident"] != first["incident"]
    assert Incident.objects.count() == 2


def test_a_resolution_for_an_unknown_group_opens_nothing(hook: APIClient) -> None:
    response = hook.post(HOOK, notification(alert(status="resolved"), status="resolved"), format="json")

    assert response.status_code == 200
    assert response.json()["incident"] is None
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", "SEV1"),
        ("error", "SEV2"),
        ("major", "SEV2"),
        ("warning", "SEV3"),
        ("info", "SEV4"),
        ("odd", "SEV3"),
    ],
)
def test_it_maps_the_severity_label(hook: APIClient, label: str, severity: str) -> None:
    reference = hook.post(HOOK, notification(alert(severity=label)), format="json").json()["incident"]

    assert Incident.objects.get(reference=reference).severity == severity


@override_settings(
    HINDSIGHT={
        "ALERTMANAGER_SEVERITY_MAP": {"p1": "SEV1"},
        "ALERTMANAGER_DEFAULT_SEVERITY": "SEV4",
    }
)
def test_the_severity_mapping_is_a_setting(hook: APIClient) -> None:
    reference = hook.post(HOOK, notification(alert(severity="P1")), format="json").json()["incident"]

    assert Incident.objects.get(reference=reference).severity == "SEV1"


def test_the_most_severe_alert_sets_the_severity(hook: APIClient) -> None:
    payload = notification(
        alert(severity="warning"), alert(fingerprint="0000111122223333", severity="critical")
    )

    reference = hook.post(HOOK, payload, format="json").json()["incident"]

    assert Incident.objects.get(reference=reference).severity == "SEV1"


class TestAuthentication:
    def test_it_rejects_anonymous_senders(self) -> None:
        response = APIClient().post(HOOK, notification(alert()), format="json")

        assert response.status_code == 401
        assert Incident.objects.count() == 0

    def test_it_rejects_a_bad_token(self) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token nope")

        assert client.post(HOOK, notification(alert()), format="json").status_code == 401
        assert Incident.objects.count() == 0

    def test_it_refuses_a_viewers_token(self, client_as: Any, viewer: Any) -> None:
        assert client_as(viewer).post(HOOK, notification(alert()), format="json").status_code == 403
        assert Incident.objects.count() == 0

    def test_it_accepts_a_responders_own_token(self, client_as: Any, owner: Any) -> None:
        assert client_as(owner).post(HOOK, notification(alert()), format="json").status_code == 201

    def test_it_refuses_the_browser_session(self, owner: Any) -> None:
        client = APIClient()
        client.force_login(owner)

        assert client.post(HOOK, notification(alert()), format="json").status_code in (401, 403)
        assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"alerts": []},
        {**notification(alert()), "groupKey": 5},
        {**notification(alert()), "status": "exploded"},
        {**notification(alert()), "alerts": "many"},
        {**notification(alert()), "alerts": [{"status": "firing", "labels": "x"}]},
        [notification(alert())],
    ],
)
def test_it_refuses_payloads_that_are_not_alertmanager_notifications(hook: APIClient, payload: Any) -> None:
    response = hook.post(HOOK, payload, format="json")

    assert response.status_code == 400
    assert Incident.objects.count() == 0


def test_odd_but_valid_alerts_never_break_ingestion(hook: APIClient) -> None:
    weird = alert(starts="not a time", fingerprint="")
    weird["labels"]["instance"] = "api-`9`*"
    future = alert(fingerprint="1234123412341234", starts="2999-01-01T00:00:00Z")

    response = hook.post(HOOK, notification(weird, future), format="json")

    assert response.status_code == 201
    incident = Incident.objects.get()
    assert len(alert_events(incident)) == 2
