"""Sentry webhook: signed posts from an internal integration open or update one incident per issue.

The bodies are the examples of Sentry's integration-platform webhook documentation (issue alerts,
issues, metric alerts), trimmed of fields Hindsight does not read, signed as Sentry signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from copy import deepcopy
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from incidents.models import Incident
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

HOOK = "/api/v1/hooks/sentry/"
SECRET = "a5b1f3c2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80"

# docs.sentry.io/integrations/integration-platform/webhooks/issue-alerts/ (Sentry-Hook-Resource: event_alert)
EVENT_ALERT: dict[str, Any] = {
    "action": "triggered",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "event": {
            "_ref": 1,
            "_ref_version": 2,
            "contexts": {"browser": {"name": "Chrome", "type": "browser", "version": "75.0.3770"}},
            "culprit": "?(<anonymous>)",
            "datetime": "2019-08-19T21:06:17.380000Z",
            "dist": None,
            "environment": "production",
            "event_id": "bb78c1407cea4519aa397afc059c793d",
            "exception": {"values": [{"type": "ReferenceError", "value": "heck is not defined"}]},
            "issue_id": "1117540176",
            "issue_url": "https://sentry.io/api/0/issues/1117540176/",
            "level": "error",
            "location": "/static/app.js",
            "logger": "",
            "message": "",
            "platform": "javascript",
            "project": 1,
            "tags": [["browser", "Chrome 75.0.3770"], ["environment", "production"], ["level", "error"]],
            "title": "ReferenceError: heck is not defined",
            "type": "error",
            "url": "https://sentry.io/api/0/projects/test-org/front-end/events/bb78c1407cea4519aa397afc059c793d/",
            "web_url": "https://sentry.io/organizations/test-org/issues/1117540176/events/bb78c1407cea4519aa397afc059c793d/",
        },
        "triggered_rule": "Very Important Alert Rule!",
        "issue_alert": {
            "title": "Very Important Alert Rule!",
            "settings": [{"name": "channel", "value": "#ops"}],
        },
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}

# docs.sentry.io/integrations/integration-platform/webhooks/issues/ (Sentry-Hook-Resource: issue)
ISSUE_CREATED: dict[str, Any] = {
    "action": "created",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "issue": {
            "annotations": [],
            "assignedTo": None,
            "count": "1",
            "culprit": "SentryCustomError(frontend/src/util)",
            "firstSeen": "2022-04-04T18:17:18.320000Z",
            "hasSeen": False,
            "id": "3209371063",
            "isBookmarked": False,
            "isPublic": False,
            "isSubscribed": False,
            "lastSeen": "2022-04-04T18:17:18.320000Z",
            "level": "error",
            "logger": None,
            "metadata": {"filename": "/runner", "type": "SentryCustomError", "value": "Bad request"},
            "numComments": 0,
            "permalink": None,
            "project": {"id": "5953213", "name": "front-end", "platform": "javascript", "slug": "front-end"},
            "shareId": None,
            "shortId": "FRONT-END-4",
            "status": "unresolved",
            "statusDetails": {},
            "subscriptionDetails": None,
            "title": "SentryCustomError: Bad request",
            "type": "error",
            "userCount": 0,
        },
        "web_url": "https://sentry.io/organizations/test-org/issues/3209371063/",
        "project_url": "https://sentry.io/organizations/test-org/issues/?project=5953213",
        "url": "https://sentry.io/api/0/organizations/test-org/issues/3209371063/",
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}

# docs.sentry.io/integrations/integration-platform/webhooks/metric-alerts/ (resource metric_alert)
METRIC_ALERT: dict[str, Any] = {
    "action": "critical",
    "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    "data": {
        "description_text": "1000 events in the last 10 minutes\nFilter: level:error",
        "description_title": "Critical: Too many errors",
        "metric_alert": {
            "alert_rule": {
                "aggregate": "count()",
                "dataset": "events",
                "id": "7",
                "name": "Too many errors",
                "query": "level:error",
                "time_window": 10.0,
                "triggers": [{"alert_threshold": 1000.0, "label": "critical"}],
            },
            "date_closed": None,
            "date_created": "2021-02-25T00:00:00.000000Z",
            "date_detected": "2021-02-25T00:00:00.000000Z",
            "date_started": "2021-02-25T00:00:00.000000Z",
            "id": "33",
            "identifier": "11",
            "organization_id": "5",
            "projects": ["fire"],
            "status": 2,
            "status_method": 3,
            "title": "Too many errors",
            "type": 2,
        },
        "web_url": "https://sentry.io/organizations/test-org/alerts/rules/details/7/?alert=11",
    },
    "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
}


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(
    payload: Any,
    resource: str,
    *,
    signature: str | None = None,
    timestamp: float | None = None,
    raw: bytes | None = None,
) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    return APIClient().post(
        HOOK,
        data=body,
        content_type="application/json",
        HTTP_SENTRY_HOOK_RESOURCE=resource,
        HTTP_SENTRY_HOOK_TIMESTAMP=str(int(timestamp if timestamp is not None else time.time())),
        HTTP_SENTRY_HOOK_SIGNATURE=signature if signature is not None else sign(body),
        HTTP_REQUEST_ID="f47ac10b-58cc-4372-a567-0e02b2c3d479",
    )


def issue(action: str, **changes: Any) -> dict[str, Any]:
    payload = deepcopy(ISSUE_CREATED)
    payload["action"] = action
    payload["data"]["issue"].update(changes)
    return payload


def entries(reference: str) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(incident__reference=reference, kind="alert").order_by(
            "occurred_at", "id"
        )
    )


@pytest.fixture(autouse=True)
def sentry_secret() -> Any:
    with override_settings(
        HINDSIGHT={**_settings(), "SENTRY_CLIENT_SECRET": SECRET},
    ):
        yield


def _settings() -> dict[str, Any]:
    return dict(settings.HINDSIGHT)


def test_an_issue_alert_opens_an_incident_keyed_by_the_sentry_issue() -> None:
    response = post(EVENT_ALERT, "event_alert")

    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(reference=body["incident"])
    assert incident.title == "ReferenceError: heck is not defined"
    assert incident.severity == "SEV2"  # level "error"
    assert incident.alert_group_key == "sentry:issue:1117540176"
    assert incident.commander is None
    assert "sentry" in list(incident.tags)
    assert incident.started_at.isoformat().startswith("2019-08-19T21:06:17")
    [entry] = entries(body["incident"])
    assert entry.source == "webhook"
    assert entry.author is None
    assert "ReferenceError: heck is not defined" in entry.body
    assert "Very Important Alert Rule!" in entry.body
    assert "https://sentry.io/organizations/test-org/issues/1117540176/events/" in entry.body


def test_a_resent_webhook_adds_nothing() -> None:
    first = post(EVENT_ALERT, "event_alert").json()
    again = post(EVENT_ALERT, "event_alert")

    assert again.status_code == 200
    assert again.json() | {"url": None} == first | {"created": False, "events_added": 0, "url": None}
    assert Incident.objects.count() == 1
    assert len(entries(first["incident"])) == 1


def test_the_issue_webhooks_join_the_issue_alerts_incident_and_resolving_never_closes_it() -> None:
    alert = deepcopy(EVENT_ALERT)
    alert["data"]["event"]["issue_id"] = ISSUE_CREATED["data"]["issue"]["id"]
    opened = post(alert, "event_alert").json()

    created = post(ISSUE_CREATED, "issue")
    assigned = post(issue("assigned", assignedTo={"type": "user", "id": "1", "name": "Colleen"}), "issue")
    resolved = post(issue("resolved", status="resolved"), "issue")
    resolved_again = post(issue("resolved", status="resolved"), "issue")

    assert [r.status_code for r in (created, assigned, resolved, resolved_again)] == [200, 200, 200, 200]
    assert {r.json()["incident"] for r in (created, assigned, resolved)} == {opened["incident"]}
    assert resolved_again.json()["events_added"] == 0
    bodies = [entry.body for entry in entries(opened["incident"])]
    assert len(bodies) == 4
    assert any(body.startswith("**Assigned in Sentry:**") and "Colleen" in body for body in bodies)
    assert any(body.startswith("**Resolved in Sentry:**") for body in bodies)
    # As with Alertmanager: a resolved alert adds an entry; people resolve the incident.
    assert Incident.objects.get(reference=opened["incident"]).status == "investigating"


def test_an_issue_created_webhook_opens_an_incident_and_ignored_resolves_the_alert() -> None:
    opened = post(ISSUE_CREATED, "issue")
    ignored = post(issue("ignored", status="ignored"), "issue")

    assert opened.status_code == 201
    incident = Incident.objects.get(reference=opened.json()["incident"])
    assert incident.title == "SentryCustomError: Bad request"
    assert incident.alert_group_key == "sentry:issue:3209371063"
    assert ignored.json()["events_added"] == 1
    assert entries(incident.reference)[-1].body.startswith("**Ignored in Sentry:**")


def test_a_resolution_or_assignment_for_an_unknown_issue_opens_nothing() -> None:
    for action in ("resolved", "assigned"):
        response = post(issue(action), "issue")
        assert response.status_code == 200
        assert response.json()["incident"] is None
    assert not Incident.objects.exists()


def test_a_metric_alert_opens_an_incident_and_its_resolution_adds_an_entry() -> None:
    critical = post(METRIC_ALERT, "metric_alert")
    resolved_payload = deepcopy(METRIC_ALERT)
    resolved_payload["action"] = "resolved"
    resolved_payload["data"]["description_title"] = "Resolved: Too many errors"
    resolved_payload["data"]["metric_alert"]["date_closed"] = "2021-02-25T00:30:00.000000Z"
    resolved = post(resolved_payload, "metric_alert")
    resent = post(resolved_payload, "metric_alert")

    assert critical.status_code == 201
    incident = Incident.objects.get(reference=critical.json()["incident"])
    assert incident.title == "Critical: Too many errors"
    assert incident.severity == "SEV1"
    assert incident.alert_group_key == "sentry:metric:33"
    assert resolved.json()["incident"] == incident.reference
    assert resolved.json()["events_added"] == 1
    assert resent.json()["events_added"] == 0
    assert [e.body.split(":**")[0] for e in entries(incident.reference)] == [
        "**Critical in Sentry",
        "**Resolved in Sentry",
    ]


def test_other_resources_are_acknowledged_and_unused() -> None:
    installation = {"action": "created", "data": {"installation": {"uuid": "a8e5d37a"}}}
    response = post(installation, "installation")

    assert response.status_code == 200
    assert response.json()["incident"] is None
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "signature",
    ["", "0" * 64, sign(json.dumps(EVENT_ALERT).encode(), secret="another secret"), "not hex at all"],
)
def test_a_bad_signature_is_refused_and_creates_nothing(signature: str) -> None:
    response = post(EVENT_ALERT, "event_alert", signature=signature)

    assert response.status_code == 401
    assert "Sentry-Hook-Signature" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_a_body_changed_after_signing_is_refused() -> None:
    body = json.dumps(EVENT_ALERT).encode()
    tampered = body.replace(b"heck is not defined", b"heck is not defined!")

    response = post(None, "event_alert", raw=tampered, signature=sign(body))

    assert response.status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_a_stale_or_future_timestamp_is_refused_as_a_replay(age: int) -> None:
    response = post(EVENT_ALERT, "event_alert", timestamp=time.time() - age)

    assert response.status_code == 401
    assert "Sentry-Hook-Timestamp" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_without_a_configured_secret_nothing_is_accepted() -> None:
    with override_settings(HINDSIGHT={**_settings(), "SENTRY_CLIENT_SECRET": ""}):
        response = post(
            EVENT_ALERT, "event_alert", signature=sign(json.dumps(EVENT_ALERT).encode(), secret="")
        )

    assert response.status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("resource", "payload", "field"),
    [
        ("event_alert", {"action": "triggered", "data": {}}, "data.event"),
        ("event_alert", {"action": "triggered", "data": {"event": {"title": "x"}}}, "data.event.issue_id"),
        ("issue", {"action": "created", "data": {"issue": {"id": None, "title": "x"}}}, "data.issue.id"),
        ("issue", {"action": "created", "data": "issue"}, "data"),
        ("metric_alert", {"action": "critical", "data": {"metric_alert": []}}, "data.metric_alert"),
        (
            "metric_alert",
            {"action": "critical", "data": {"metric_alert": {"id": True}}},
            "data.metric_alert.id",
        ),
    ],
)
def test_a_malformed_payload_is_a_400_naming_the_field_and_creates_nothing(
    resource: str, payload: dict[str, Any], field: str
) -> None:
    response = post(payload, resource)

    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()
    assert not TimelineEvent.all_objects.exists()


def test_a_body_that_is_not_a_json_object_is_a_400() -> None:
    for raw in (b"[1, 2]", b'{"action": "created", "action": "resolved"}', b"not json"):
        response = post(None, "issue", raw=raw)
        assert response.status_code == 400
    assert not Incident.objects.exists()


def test_private_incidents_are_untouched(private_incident: Incident) -> None:
    before = (private_incident.status, private_incident.version, private_incident.title)
    events_before = TimelineEvent.all_objects.filter(incident=private_incident).count()

    opened = post(EVENT_ALERT, "event_alert").json()
    post(issue("resolved"), "issue")
    post(issue("assigned"), "issue")

    private_incident.refresh_from_db()
    assert opened["incident"] != private_incident.reference
    assert (private_incident.status, private_incident.version, private_incident.title) == before
    assert TimelineEvent.all_objects.filter(incident=private_incident).count() == events_before
    assert Incident.objects.get(reference=opened["incident"]).private is False
