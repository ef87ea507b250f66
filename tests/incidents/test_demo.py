"""`manage.py load_demo`: demo users for each role and a believable history, loaded once."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from incidents import selectors
from incidents.models import Incident, RemediationAction
from incidents.permissions import is_admin, is_responder, role_of

SEED_TITLE = "Chat assistant unavailable for most users"


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def demo(db: Any) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def users(demo: str) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    return {user.username: user for user in get_user_model().objects.all()}


def test_running_it_twice_changes_nothing(demo: str) -> None:
    before = _row_counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _row_counts() == before
    assert "nothing changed" in out.getvalue()


def test_demo_users_sign_in_with_the_demo_password_and_have_their_roles(users: dict[str, Any]) -> None:
    for username in ("admin", "responder", "viewer", "maya", "jonas", "priya"):
        assert authenticate(username=username, password="hindsight-demo") == users[username]
    assert role_of(users["admin"]) == "admin"
    assert is_admin(users["admin"])
    assert users["admin"].is_staff, "the demo admin must be able to open the Django admin"
    assert role_of(users["responder"]) == "responder"
    assert is_responder(users["maya"])
    assert role_of(users["viewer"]) == "viewer"
    assert not is_responder(users["viewer"])


def test_the_seed_outage_is_recorded_as_it_unfolded(demo: str) -> None:
    outage = Incident.objects.get(title=SEED_TITLE)
    assert outage.severity == "SEV1"
    assert {"chat-api", "web-frontend"} <= set(outage.services.values_list("name", flat=True))
    assert outage.time_to_detect == 7 * 60
    assert outage.time_to_resolve is not None
    assert outage.time_to_resolve > outage.time_to_mitigate > 0

    causes = {cause.category: cause.status for cause in outage.causes.all()}
    assert causes == {
        "capacity": "suspected",
        "software": "suspected",
        "network": "ruled_out",
        "hardware": "ruled_out",
    }
    network = outage.causes.get(category="network")
    assert [h.status for h in network.history.order_by("history_date")][-1] == "ruled_out"
    assert "suspected" in {h.status for h in network.history.all()}, "the record shows what was guessed"

    bodies = " ".join(outage.events.values_list("body", flat=True))
    for step in ("Identifying the root cause", "Emergency fix", "Scaling up", "Deploying"):
        assert step in bodies
    kinds = set(outage.events.values_list("kind", flat=True))
    assert {"detection", "status_change", "role_change", "milestone", "communication"} <= kinds
    assert outage.updates.filter(audience="public").count() >= 3

    titles = " ".join(outage.actions.values_list("title", flat=True)).lower()
    for measure in ("capacity", "redundancy", "alert", "load-test"):
        assert measure in titles


def test_the_history_is_back_dated_through_the_services(demo: str) -> None:
    outage = Incident.objects.get(title=SEED_TITLE)
    declared = outage.events.get(body__startswith="Incident declared")
    assert declared.source == "system"
    assert declared.recorded_at < timezone.now() - timezone.timedelta(days=30)
    assert outage.history.earliest("history_date").history_user.username == "jonas"
    resolved = outage.events.get(kind="status_change", body__endswith="to Resolved.")
    assert resolved.occurred_at == outage.resolved_at
    assert outage.jobs.filter(name="postmortems.generate").exists(), "resolving started the postmortem job"


def test_it_covers_every_severity_status_and_ending(demo: str) -> None:
    incidents = Incident.objects.all()
    assert incidents.count() >= 13
    assert set(incidents.values_list("severity", flat=True)) == {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert {"investigating", "identified", "monitoring", "resolved"} <= set(
        incidents.values_list("status", flat=True)
    )
    assert incidents.filter(private=True).count() == 1
    assert incidents.filter(false_alarm=True).count() == 1
    duplicate = incidents.get(duplicate_of__isnull=False)
    assert duplicate.duplicate_of.title == SEED_TITLE
    assert Incident.objects.countable().count() == incidents.count() - 2
    oldest = incidents.order_by("started_at").first()
    assert oldest is not None
    assert (timezone.now() - oldest.started_at).days > 150
    assert RemediationAction.objects.overdue().exists()
    assert RemediationAction.objects.filter(status="done").exists()
    assert RemediationAction.objects.filter(status="wont_do").exists()


def test_the_private_incident_stays_private_in_the_demo(users: dict[str, Any]) -> None:
    private = Incident.objects.get(private=True)
    assert private not in selectors.incident_list(user=users["responder"])
    assert private not in selectors.incident_list(user=users["viewer"])
    assert private in selectors.incident_list(user=users["admin"])
    assert private in selectors.incident_list(user=users["priya"])


def test_every_demo_responder_has_open_work_on_the_dashboard(users: dict[str, Any]) -> None:
    for username in ("responder", "maya", "jonas", "priya"):
        assert RemediationAction.objects.open().filter(owner=users[username]).exists(), username


def test_the_demo_tells_a_whole_story(demo: str, client: Any, users: dict[str, Any]) -> None:
    """A published postmortem whose read page opens, a closed incident, overdue and done action
    items, and a public incident on the status page."""
    from django.urls import reverse

    from incidents.postmortems.models import Postmortem

    published = Postmortem.objects.get(status="published")
    incident = published.incident
    assert incident.status == "closed"
    assert published.public
    assert published.reviews.filter(reviewer__username="priya", decision="approved").exists()
    assert RemediationAction.objects.overdue().exists()
    assert RemediationAction.objects.filter(status="done").exists()

    client.force_login(users["viewer"])
    page = client.get(reverse("incident-detail", args=[incident.reference])).content.decode()
    read_url = reverse("postmortem-read", args=[incident.reference])
    assert f'href="{read_url}"' in page
    read = client.get(read_url)
    assert read.status_code == 200
    assert "A failover is not finished until every client has followed it" in read.content.decode()

    client.logout()
    status_page = client.get(reverse("status-page")).content.decode()
    live = Incident.objects.filter(private=False, status__in=["investigating", "identified", "monitoring"])
    assert any(public.title in status_page for public in live if public.updates.filter(audience="public"))


def test_pipelines_reported_changes_before_some_incidents(demo: str) -> None:
    outage = Incident.objects.get(title=SEED_TITLE)
    mobile = Incident.objects.get(title="Mobile app cannot connect: api-gateway returns 502")

    near_outage = list(selectors.changes_near(incident=outage))
    near_mobile = list(selectors.changes_near(incident=mobile))

    assert [change.summary for change in near_outage][0] == "voice_mode enabled for 100% of users (was 5%)"
    assert {change.kind for change in near_outage} == {"deploy", "feature_flag", "infra"}
    assert [change.service.name for change in near_mobile] == ["mobile-gateway", "api-gateway"]
    assert all(change.at <= timezone.now() for change in near_outage + near_mobile)


def test_incident_types_are_defined_and_some_incidents_classified(users: dict[str, Any]) -> None:
    from incidents.extensions import extensions_represent

    outage = Incident.objects.get(title=SEED_TITLE)
    leak = Incident.objects.get(title="API keys written to debug logs")

    assert extensions_represent(outage) == {
        "type": "availability",
        "custom_fields": {"customers_affected": 2_400_000, "region": "global"},
    }
    assert extensions_represent(leak)["type"] == "security"
    assert extensions_represent(leak)["custom_fields"]["security_lead"] == "priya"
    typed = list(selectors.incident_list(user=users["viewer"], filters={"type": "availability"}))
    assert outage in typed
    assert leak not in typed
