"""Following an incident or a service: the API, the buttons, and what followers receive."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from incidents.broadcasts.models import Subscription, SubscriptionDelivery
from incidents.jobs import job_run
from incidents.models import Job
from incidents.models.jobs import JobStatus
from incidents.reminders.models import Notification
from incidents.services import incident_declare, incident_update, status_update_post
from tests.broadcasts.conftest import run_jobs
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def follower(db: Any) -> Any:
    return UserFactory(username="fiona", role="viewer")


def url(incident: Any) -> str:
    return f"/api/v1/incidents/{incident.reference}/subscription/"


def test_a_user_follows_and_unfollows_an_incident_through_the_api(api_client, follower, incident):
    api_client.force_authenticate(follower)
    assert api_client.get(url(incident)).json() == {
        "incident": incident.reference,
        "following": False,
        "channels": [],
    }
    response = api_client.post(url(incident), {"channels": ["email", "in_app"]}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "incident": incident.reference,
        "following": True,
        "channels": ["email", "in_app"],
    }
    assert api_client.post(url(incident), {}, format="json").json()["channels"] == ["in_app"]
    assert api_client.delete(url(incident)).status_code == 204
    assert not Subscription.objects.filter(user=follower).exists()


def test_the_api_rejects_unknown_channels_and_fields_and_changes_nothing(api_client, follower, incident):
    api_client.force_authenticate(follower)
    response = api_client.post(url(incident), {"channels": ["sms"]}, format="json")
    assert response.status_code == 400
    assert "channels" in response.json()
    response = api_client.post(url(incident), {"channel": "email"}, format="json")
    assert response.status_code == 400
    assert response.json()["channel"] == ["Unknown field."]
    assert not Subscription.objects.exists()


def test_an_outsider_cannot_follow_a_private_incident(api_client, outsider, private_incident):
    api_client.force_authenticate(outsider)
    assert api_client.post(url(private_incident), {}, format="json").status_code == 404
    assert api_client.delete(url(private_incident)).status_code == 404
    assert not Subscription.objects.exists()


def test_anonymous_callers_are_refused(api_client, incident):
    assert api_client.post(url(incident), {}, format="json").status_code == 401


def test_followers_get_status_updates_and_status_changes_in_app_and_by_email(owner, follower, incident):
    Subscription.objects.create(user=follower, incident=incident, channel="in_app")
    Subscription.objects.create(user=follower, incident=incident, channel="email")
    status_update_post(incident=incident, actor=owner, message="Rolled back the deploy.")
    incident_update(incident=incident, actor=owner, data={"status": "monitoring"})
    run_jobs()
    titles = list(Notification.objects.filter(recipient=follower).order_by("id").values_list("title", "body"))
    ref = incident.reference
    assert titles == [
        (f"{ref} internal update (investigating): Search latency", "Rolled back the deploy."),
        (f"{ref} is now monitoring (was investigating): Search latency", ""),
    ]
    assert [message.subject for message in mail.outbox] == [f"[Hindsight] {t}" for t, _ in titles]
    first = mail.outbox[0]
    assert first.to == [follower.email]
    assert "Rolled back the deploy." in first.body
    assert "Rolled back the deploy." in first.alternatives[0][0]
    # The person who made the change is not told about it.
    assert not Notification.objects.filter(recipient=owner).exists()


def test_running_the_follower_job_twice_notifies_once(owner, follower, incident):
    Subscription.objects.create(user=follower, incident=incident, channel="in_app")
    Subscription.objects.create(user=follower, incident=incident, channel="email")
    status_update_post(incident=incident, actor=owner, message="Still looking.")
    [job] = run_jobs()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    job_run(job_id=str(job.pk))
    assert Notification.objects.filter(recipient=follower).count() == 1
    assert len(mail.outbox) == 1


def test_a_follower_who_cannot_see_a_private_incident_receives_nothing(owner, follower, incident):
    Subscription.objects.create(user=follower, incident=incident, channel="in_app")
    Subscription.objects.create(user=follower, incident=incident, channel="email")
    incident_update(incident=incident, actor=owner, data={"private": True})
    status_update_post(incident=incident, actor=owner, message="Customer data affected.")
    run_jobs()
    assert not Notification.objects.filter(recipient=follower).exists()
    assert mail.outbox == []
    assert not SubscriptionDelivery.objects.filter(user=follower).exists()


def test_service_followers_hear_of_new_incidents_on_that_service(owner, follower):
    payments = ServiceFactory(name="payments")
    Subscription.objects.create(user=follower, service=payments, channel="in_app")
    incident_declare(actor=owner, title="Refunds stuck", severity="SEV3", services=["payments"])
    incident_declare(actor=owner, title="Search slow", severity="SEV3", services=["search"])
    incident_declare(
        actor=owner, title="Secret payments thing", severity="SEV1", services=["payments"], private=True
    )
    run_jobs()
    titles = list(Notification.objects.filter(recipient=follower).values_list("title", flat=True))
    assert len(titles) == 1
    assert titles[0].endswith("declared: Refunds stuck")


def test_the_follow_button_on_the_incident_page(client, follower, incident):
    client.force_login(follower)
    page = client.get(f"/incidents/{incident.reference}/")
    assert b'id="follow-incident"' in page.content
    assert b">Follow</button>" in page.content
    response = client.post(
        f"/incidents/{incident.reference}/follow/", {"action": "follow", "channel": ["in_app", "email"]}
    )
    assert response.status_code == 302
    assert sorted(Subscription.objects.filter(user=follower).values_list("channel", flat=True)) == [
        "email",
        "in_app",
    ]
    page = client.get(f"/incidents/{incident.reference}/")
    assert b"Following (email, in_app)" in page.content
    client.post(f"/incidents/{incident.reference}/follow/", {"action": "unfollow"})
    assert not Subscription.objects.filter(user=follower).exists()


def test_the_follow_button_on_the_service_filter(client, follower):
    ServiceFactory(name="payments", public=True)
    client.force_login(follower)
    page = client.get("/incidents/?service=payments")
    assert b"Follow payments</button>" in page.content
    response = client.post("/services/follow/", {"service": "payments", "channel": "in_app"})
    assert response.status_code == 302
    assert Subscription.objects.get(user=follower).service.name == "payments"
    assert b"Unfollow payments</button>" in client.get("/incidents/?service=payments").content
    assert client.post("/services/follow/", {"service": "no-such-service"}).status_code == 404


def test_a_service_only_private_incidents_use_cannot_be_followed_by_outsiders(client, follower, owner):
    secret = IncidentFactory(private=True, commander=owner, services=[ServiceFactory(name="vault-keys")])
    client.force_login(follower)
    assert b"vault-keys" not in client.get("/incidents/?service=vault-keys").content
    assert client.post("/services/follow/", {"service": "vault-keys", "channel": "in_app"}).status_code == 404
    assert not Subscription.objects.filter(user=follower).exists()
    assert secret.private
