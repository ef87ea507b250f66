"""Generic JSON webhook: an admin maps any tool's JSON with JMESPath; it then acts like Alertmanager.

The example bodies are those of tools without a hook of their own: Uptime Kuma's webhook
notification (`heartbeat` + `monitor`, status 0 = down, 1 = up) and a Datadog webhook with its
default `$ALERT_*` payload template variables filled in.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest
from rest_framework.test import APIClient

from incidents.models import AlertSource, Incident
from incidents.services.alert_sources import alert_source_token_issue
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

# Uptime Kuma's webhook body (its "Preset - application/json"), a monitor going down.
KUMA_DOWN: dict[str, Any] = {
    "heartbeat": {
        "monitorID": 4,
        "status": 0,
        "time": "2026-11-23 10:00:00.123",
        "msg": "connect ECONNREFUSED 10.0.0.7:443",
        "important": True,
        "duration": 0,
        "timezone": "UTC",
        "timezoneOffset": "+00:00",
        "localDateTime": "2026-11-23 10:00:00",
    },
    "monitor": {
        "id": 4,
        "name": "Checkout API",
        "url": "https://checkout.example.com/health",
        "type": "http",
    },
    "msg": "[Checkout API] [🔴 Down] connect ECONNREFUSED 10.0.0.7:443",
}

# A Datadog webhook with the default payload ($ID, $EVENT_TITLE, $ALERT_TRANSITION, $PRIORITY…).
DATADOG: dict[str, Any] = {
    "body": "%%%\nAvg CPU above 90% on web-3\n%%%",
    "last_updated": "1763892000000",
    "event_type": "query_alert_monitor",
    "title": "[Triggered] CPU high on web",
    "date": "1763892000000",
    "org": {"id": "11", "name": "Example"},
    "id": "7393510347091231000",
    "alert": {"id": "9812734", "transition": "Triggered", "priority": "P1", "scope": "host:web-3"},
}


def kuma_source(**changes: Any) -> tuple[AlertSource, str]:
    source = AlertSource.objects.create(
        name="Uptime Kuma",
        slug="kuma",
        group_key="monitor.id",
        title="monitor.name",
        status="heartbeat.status",
        resolved_values="1",
        summary="heartbeat.msg",
        service="monitor.name",
        occurred_at="heartbeat.time",
        **changes,
    )
    return source, alert_source_token_issue(source=source)


def hook(slug: str, payload: Any, token: str, *, header: str = "bearer") -> Any:
    auth = (
        {"HTTP_AUTHORIZATION": f"Bearer {token}"} if header == "bearer" else {"HTTP_X_HINDSIGHT_TOKEN": token}
    )
    return APIClient().post(f"/api/v1/hooks/generic/{slug}/", payload, format="json", **auth)


def kuma(status: int, time: str = "2026-11-23 10:00:00.123") -> dict[str, Any]:
    payload = deepcopy(KUMA_DOWN)
    payload["heartbeat"].update(status=status, time=time)
    return payload


def entries(reference: str) -> list[TimelineEvent]:
    return list(
        TimelineEvent.objects.filter(incident__reference=reference, kind="alert").order_by(
            "occurred_at", "id"
        )
    )


def test_a_down_monitor_opens_an_incident_through_the_mapping() -> None:
    _, token = kuma_source()

    response = hook("kuma", KUMA_DOWN, token)

    assert response.status_code == 201, response.content
    incident = Incident.objects.get(reference=response.json()["incident"])
    assert incident.title == "Checkout API"
    assert incident.severity == "SEV3"  # no severity expression: the source's default
    assert incident.alert_group_key == "generic:kuma:4"
    assert [service.name for service in incident.services.all()] == ["Checkout API"]
    assert incident.started_at.isoformat().startswith("2026-11-23T10:00:00")
    assert "Uptime Kuma" in incident.summary
    [entry] = entries(incident.reference)
    assert entry.source == "webhook"
    assert entry.author is None
    assert "ECONNREFUSED" in entry.body


def test_a_resent_post_adds_nothing_and_either_header_works() -> None:
    _, token = kuma_source()

    first = hook("kuma", KUMA_DOWN, token).json()
    again = hook("kuma", KUMA_DOWN, token, header="x-hindsight-token")

    assert again.status_code == 200
    assert again.json()["incident"] == first["incident"]
    assert again.json()["events_added"] == 0
    assert Incident.objects.count() == 1


def test_the_resolved_value_adds_an_entry_and_leaves_the_incident_to_people() -> None:
    _, token = kuma_source()
    opened = hook("kuma", kuma(0), token).json()

    up = hook("kuma", kuma(1, time="2026-11-23 10:07:00.000"), token)
    up_again = hook("kuma", kuma(1, time="2026-11-23 10:07:00.000"), token)

    assert up.status_code == 200
    assert up.json()["incident"] == opened["incident"]
    assert up_again.json()["events_added"] == 0
    bodies = [entry.body for entry in entries(opened["incident"])]
    assert [body.split(":**")[0] for body in bodies] == ["**Firing", "**Resolved"]
    assert Incident.objects.get(reference=opened["incident"]).status == "investigating"


def test_a_resolution_for_an_unknown_key_opens_nothing() -> None:
    _, token = kuma_source()

    response = hook("kuma", kuma(1), token)

    assert response.status_code == 200
    assert response.json()["incident"] is None
    assert not Incident.objects.exists()


def test_severity_maps_through_the_sources_table_and_epoch_milliseconds_are_times() -> None:
    source = AlertSource.objects.create(
        name="Datadog",
        slug="datadog",
        group_key="alert.id",
        title="title",
        severity="alert.priority",
        severity_map={"P1": "SEV1", "p2": "SEV2"},
        status="alert.transition",
        resolved_values="Recovered",
        summary="body",
        occurred_at="to_number(date)",
    )
    token = alert_source_token_issue(source=source)

    opened = hook("datadog", DATADOG, token)
    recovered = deepcopy(DATADOG)
    recovered["alert"]["transition"] = "Recovered"
    recovered["date"] = "1763892600000"
    closed = hook("datadog", recovered, token)

    incident = Incident.objects.get(reference=opened.json()["incident"])
    assert incident.severity == "SEV1"
    assert incident.started_at.isoformat().startswith("2025-11-23T10:00:00")
    assert closed.json()["incident"] == incident.reference
    assert closed.json()["events_added"] == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong"},
        {"HTTP_X_HINDSIGHT_TOKEN": ""},
        {"HTTP_AUTHORIZATION": "Token x"},
    ],
)
def test_a_bad_or_missing_token_is_refused_and_creates_nothing(credentials: dict[str, str]) -> None:
    kuma_source()

    response = APIClient().post("/api/v1/hooks/generic/kuma/", KUMA_DOWN, format="json", **credentials)

    assert response.status_code == 401
    assert not Incident.objects.exists()


def test_another_sources_token_an_unknown_slug_and_a_disabled_source_are_refused() -> None:
    _, kuma_token = kuma_source()
    other = AlertSource.objects.create(name="Other", slug="other", group_key="id", title="title")
    other_token = alert_source_token_issue(source=other)

    assert hook("other", KUMA_DOWN, kuma_token).status_code == 401
    assert hook("nope", KUMA_DOWN, kuma_token).status_code == 401
    AlertSource.objects.filter(slug="kuma").update(enabled=False)
    assert hook("kuma", KUMA_DOWN, kuma_token).status_code == 401
    assert hook("other", {"id": "1", "title": "t"}, other_token).status_code == 201


def test_a_reissued_token_replaces_the_old_one() -> None:
    source, old = kuma_source()
    new = alert_source_token_issue(source=source)

    assert hook("kuma", KUMA_DOWN, old).status_code == 401
    assert hook("kuma", KUMA_DOWN, new).status_code == 201
    source.refresh_from_db()
    assert new not in (source.token_hash, source.token_prefix)  # stored hashed


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("monitor"), "group_key"),
        (lambda p: p["monitor"].update(id={"nested": 1}), "group_key"),
        (lambda p: p["monitor"].update(id=""), "group_key"),
        (lambda p: p["monitor"].update(name=None), "title"),
        (lambda p: p["heartbeat"].update(time="yesterday-ish"), "occurred_at"),
        (lambda p: p["heartbeat"].pop("msg"), "summary"),
        (lambda p: p["heartbeat"].update(status=[0]), "status"),
    ],
)
def test_a_payload_the_mapping_cannot_read_is_a_400_naming_the_field(change: Any, field: str) -> None:
    _, token = kuma_source()
    payload = deepcopy(KUMA_DOWN)
    change(payload)

    response = hook("kuma", payload, token)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Incident.objects.exists()
    assert not TimelineEvent.all_objects.exists()


def test_an_expression_that_fails_at_run_time_is_a_400_naming_the_field() -> None:
    _, token = kuma_source(severity="abs(monitor.name)")  # abs() of a string: a JMESPath type error

    response = hook("kuma", KUMA_DOWN, token)

    assert response.status_code == 400
    assert "severity" in response.json()
    assert not Incident.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400() -> None:
    _, token = kuma_source()

    assert hook("kuma", [KUMA_DOWN], token).status_code == 400
    assert not Incident.objects.exists()


def test_private_incidents_are_untouched(private_incident: Incident) -> None:
    """People's incidents have an empty group key: no post can reach one, even with an empty key."""
    _, token = kuma_source()
    before = (private_incident.status, private_incident.version)
    count = TimelineEvent.all_objects.filter(incident=private_incident).count()
    empty_key = deepcopy(KUMA_DOWN)
    empty_key["monitor"]["id"] = ""

    refused = hook("kuma", empty_key, token)
    opened = hook("kuma", KUMA_DOWN, token)
    hook("kuma", kuma(1), token)

    private_incident.refresh_from_db()
    assert refused.status_code == 400
    assert opened.json()["incident"] != private_incident.reference
    assert (private_incident.status, private_incident.version) == before
    assert TimelineEvent.all_objects.filter(incident=private_incident).count() == count


class TestTheAdmin:
    ADD = "/admin/incidents/alertsource/add/"

    def form(self, **changes: str) -> dict[str, str]:
        return {
            "name": "Uptime Kuma",
            "slug": "kuma",
            "enabled": "on",
            "group_key": "monitor.id",
            "title": "monitor.name",
            "severity": "",
            "severity_map": "{}",
            "default_severity": "SEV3",
            "status": "heartbeat.status",
            "resolved_values": "1",
            "summary": "heartbeat.msg",
            "service": "",
            "occurred_at": "heartbeat.time",
            **changes,
        }

    @pytest.fixture
    def client(self, client_for: Any, admin_user: Any) -> Any:
        admin_user.is_staff = admin_user.is_superuser = True  # Django's admin is for superusers
        admin_user.save()
        return client_for(admin_user)

    @pytest.mark.parametrize(
        ("field", "value"),
        [("group_key", "monitor.["), ("title", "monitor..name"), ("status", "to_string(")],
    )
    def test_a_bad_expression_is_a_form_error_and_saves_nothing(
        self, client: Any, field: str, value: str
    ) -> None:
        response = client.post(self.ADD, self.form(**{field: value}))

        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors
        assert "Not a JMESPath expression" in response.content.decode()
        assert not AlertSource.objects.exists()

    def test_a_severity_map_to_an_unknown_severity_is_a_form_error(self, client: Any) -> None:
        response = client.post(self.ADD, self.form(severity_map='{"critical": "SEV0"}'))

        assert "severity_map" in response.context["adminform"].form.errors
        assert not AlertSource.objects.exists()

    def test_saving_a_source_shows_its_token_once_and_the_token_works(self, client: Any) -> None:
        response = client.post(self.ADD, self.form(), follow=True)

        [message] = [str(m) for m in response.context["messages"] if "shown this once" in str(m)]
        token = message.rsplit(": ", 1)[1]
        assert hook("kuma", KUMA_DOWN, token).status_code == 201
        source = AlertSource.objects.get(slug="kuma")
        page = client.get(f"/admin/incidents/alertsource/{source.pk}/change/").content.decode()
        assert token not in page
