"""Grafana Alerting webhook: the Alertmanager hook's rules, through the same code path."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest
from rest_framework.test import APIClient

from incidents import services
from incidents.models import Incident
from timeline.models import TimelineEvent

HOOK = "/api/v1/hooks/grafana/"

# The example body from Grafana's webhook notifier documentation (two firing alerts, grouped by
# nothing), with a `severity` and a `service` label added as a Grafana alert rule would set them.
GRAFANA_EXAMPLE: dict[str, Any] = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "High memory usage",
                "team": "blue",
                "zone": "us-1",
                "severity": "critical",
                "service": "api",
            },
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "firing",
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1", "severity": "warning"},
            "annotations": {
                "description": "The system has high CPU usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone eu-1",
            },
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "https://play.grafana.org/d/abc",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n",
}


@pytest.fixture
def grafana(client_as: Any, owner: Any) -> APIClient:
    """Grafana, holding an integration token."""
    return client_as(owner, integration=True)


def resolved(payload: dict[str, Any], index: int = 0) -> dict[str, Any]:
    body = deepcopy(payload)
    body["status"] = "resolved"
    body["alerts"] = [body["alerts"][index]]
    body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2021-10-12T10:20:00+02:00"
    return body


def alert_events(incident: Incident) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(incident=incident, kind="alert").order_by("occurred_at", "id"))


def test_grafanas_documented_example_opens_one_incident_with_an_event_per_alert(grafana: APIClient) -> None:
    response = grafana.post(HOOK, GRAFANA_EXAMPLE, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert body["events_added"] == 2
    incident = Incident.objects.get(reference=body["incident"])
    assert incident.title == "High memory usage: This alert was triggered for zone us-1"
    assert incident.severity == "SEV1"  # the worst of critical and warning
    assert incident.tags == ["grafana"]
    assert incident.summary.startswith("Opened by Grafana (receiver `My Super Webhook`).")
    assert [service.name for service in incident.services.all()] == ["api"]
    assert incident.started_at.isoformat() == "2021-10-12T07:51:03.157076+00:00"
    first, second = alert_events(incident)
    assert first.source == "webhook"
    assert first.body.startswith("**Firing:** High memory usage — This alert was triggered for zone us-1")
    assert "[Dashboard](https://play.grafana.org/d/abc)" in second.body


def test_a_resent_notification_adds_nothing(grafana: APIClient) -> None:
    first = grafana.post(HOOK, GRAFANA_EXAMPLE, format="json").json()
    again = grafana.post(HOOK, GRAFANA_EXAMPLE, format="json")

    assert again.status_code == 200
    assert again.json() == {**first, "created": False, "events_added": 0}


def test_a_resolved_alert_adds_an_event_and_never_resolves_a_human_run_incident(
    grafana: APIClient, owner: Any
) -> None:
    reference = grafana.post(HOOK, GRAFANA_EXAMPLE, format="json").json()["incident"]
    incident = Incident.objects.get(reference=reference)
    services.incident_update(
        incident=incident, actor=owner, data={"commander": owner, "status": "identified"}
    )

    response = grafana.post(HOOK, resolved(GRAFANA_EXAMPLE), format="json")

    assert response.status_code == 200
    assert response.json()["events_added"] == 1
    incident.refresh_from_db()
    assert incident.status == "identified"
    assert alert_events(incident)[-1].body.startswith("**Resolved:** High memory usage")


def test_grafana_groups_never_join_an_alertmanager_group_with_the_same_key(grafana: APIClient) -> None:
    from_grafana = grafana.post(HOOK, GRAFANA_EXAMPLE, format="json").json()["incident"]
    alertmanager_body = {
        key: value
        for key, value in deepcopy(GRAFANA_EXAMPLE).items()
        if key not in {"orgId", "title", "state", "message"}
    }
    from_alertmanager = grafana.post("/api/v1/hooks/alertmanager/", alertmanager_body, format="json").json()

    assert from_alertmanager["created"] is True
    assert from_alertmanager["incident"] != from_grafana


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"alerts": "not a list"}, "alerts"),
        ({"alerts": [{"status": "firing"}]}, "alerts"),
        ({"orgId": "first"}, "orgId"),
        ({"groupKey": 7}, "groupKey"),
    ],
)
def test_a_bad_body_is_refused_and_nothing_is_created(
    grafana: APIClient, change: dict[str, Any], field: str
) -> None:
    response = grafana.post(HOOK, {**GRAFANA_EXAMPLE, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_the_hook_needs_an_integration_or_responder_token(client_as: Any, viewer: Any) -> None:
    assert client_as(None).post(HOOK, GRAFANA_EXAMPLE, format="json").status_code == 401
    assert client_as(viewer).post(HOOK, GRAFANA_EXAMPLE, format="json").status_code == 403
    assert not Incident.objects.exists()
