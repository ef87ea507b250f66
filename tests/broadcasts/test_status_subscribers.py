"""Email subscribers of the public status page: double opt-in, public updates only, one-click out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from incidents.broadcasts.emails import unsubscribe_token
from incidents.broadcasts.models import StatusSubscriber
from incidents.jobs import job_run
from incidents.models import Job
from incidents.models.jobs import JobStatus
from incidents.services import status_update_post
from tests.broadcasts.conftest import run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def link_in(body: str, path: str) -> str:
    match = re.search(rf"https?://[^\s\"<>]+({re.escape(path)}[^\s\"<>]*)", body)
    assert match, f"no {path} link in {body!r}"
    return match.group(1)


def subscribe_and_confirm(client: Any, email: str) -> StatusSubscriber:
    client.post("/status/subscribe/", {"email": email})
    run_jobs()
    confirm = link_in(mail.outbox[-1].body, "/status/subscribe/confirm/")
    assert client.post(confirm).status_code == 200
    return StatusSubscriber.objects.get(email=email)


def test_the_status_page_has_a_subscribe_form(client):
    page = client.get("/status/")
    assert b'action="/status/subscribe/"' in page.content
    assert b'type="email"' in page.content


def test_subscribing_sends_a_confirmation_link_and_only_confirming_subscribes(client, owner, incident):
    response = client.post("/status/subscribe/", {"email": "reader@example.org"})
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    run_jobs()
    [confirmation] = mail.outbox
    assert confirmation.to == ["reader@example.org"]
    assert "Confirm" in confirmation.subject
    # Unconfirmed: a public update sends nothing yet.
    status_update_post(incident=incident, actor=owner, message="We are investigating.", audience="public")
    run_jobs()
    assert len(mail.outbox) == 1
    confirm = link_in(confirmation.body, "/status/subscribe/confirm/")
    assert b"Confirm</button>" in client.get(confirm).content  # a GET (a link scanner) confirms nothing
    assert StatusSubscriber.objects.get().confirmed_at is None
    assert b"Subscribed" in client.post(confirm).content
    assert StatusSubscriber.objects.get().confirmed_at is not None


def test_a_tampered_confirmation_link_is_refused(client):
    client.post("/status/subscribe/", {"email": "reader@example.org"})
    run_jobs()
    confirm = link_in(mail.outbox[0].body, "/status/subscribe/confirm/")
    response = client.post(confirm.replace("/confirm/", "/confirm/x"))
    assert response.status_code == 400
    assert StatusSubscriber.objects.get().confirmed_at is None


def test_confirmed_subscribers_get_public_updates_with_a_one_click_unsubscribe(client, owner, incident):
    subscriber = subscribe_and_confirm(client, "reader@example.org")
    mail.outbox.clear()
    status_update_post(incident=incident, actor=owner, message="Internal: the DB is on fire.")
    status_update_post(
        incident=incident, actor=owner, message="Search is **slow**; we are on it.", audience="public"
    )
    run_jobs()
    [email] = mail.outbox
    assert email.to == ["reader@example.org"]
    assert "Search latency" in email.subject
    assert "Search is **slow**; we are on it." in email.body
    assert "<strong>slow</strong>" in email.alternatives[0][0]
    assert "on fire" not in email.body
    unsubscribe = f"http://localhost:8000/status/unsubscribe/{unsubscribe_token(subscriber)}/"
    assert email.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in email.body

    # RFC 8058: the mail client POSTs the link, without our CSRF token.
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        f"/status/unsubscribe/{unsubscribe_token(subscriber)}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert not StatusSubscriber.objects.exists()
    status_update_post(incident=incident, actor=owner, message="Fixed.", audience="public")
    run_jobs()
    assert len(mail.outbox) == 1


def test_public_updates_of_private_incidents_are_never_sent(client, owner, private_incident):
    subscribe_and_confirm(client, "reader@example.org")
    mail.outbox.clear()
    status_update_post(incident=private_incident, actor=owner, message="Leak contained.", audience="public")
    run_jobs()
    assert mail.outbox == []


def test_each_subscriber_gets_an_update_once(client, owner, incident):
    subscribe_and_confirm(client, "a@example.org")
    subscribe_and_confirm(client, "b@example.org")
    mail.outbox.clear()
    status_update_post(incident=incident, actor=owner, message="Update.", audience="public")
    [job] = run_jobs()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    job_run(job_id=str(job.pk))
    assert sorted(email.to[0] for email in mail.outbox) == ["a@example.org", "b@example.org"]


def test_a_bad_address_is_a_form_error(client):
    response = client.post("/status/subscribe/", {"email": "not-an-address"})
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert not StatusSubscriber.objects.exists()


def test_signing_up_is_rate_limited_per_address(client):
    for _ in range(3):
        assert client.post("/status/subscribe/", {"email": "Flood@Example.org"}).status_code == 200
    response = client.post("/status/subscribe/", {"email": "flood@example.ORG"})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    run_jobs()
    assert len(mail.outbox) == 3
    assert StatusSubscriber.objects.count() == 1


def test_a_confirmed_address_signing_up_again_gets_no_email_and_learns_nothing(client):
    subscribe_and_confirm(client, "reader@example.org")
    mail.outbox.clear()
    response = client.post("/status/subscribe/", {"email": "reader@example.org"})
    assert b"Check your inbox" in response.content
    run_jobs()
    assert mail.outbox == []


def test_the_unsubscribe_page_asks_before_unsubscribing(client):
    subscriber = subscribe_and_confirm(client, "reader@example.org")
    page = client.get(f"/status/unsubscribe/{unsubscribe_token(subscriber)}/")
    assert b"Unsubscribe reader@example.org" in page.content
    assert StatusSubscriber.objects.exists()


def test_an_unsigned_or_forged_unsubscribe_link_is_refused(client):
    subscriber = subscribe_and_confirm(client, "reader@example.org")
    # The bare token (as links carried before they were signed) and a signature for another token.
    signature = unsubscribe_token(subscriber).rpartition(":")[2]
    forged = f"{subscriber.token[::-1]}:{signature}"
    for token in (subscriber.token, forged):
        assert client.post(f"/status/unsubscribe/{token}/").status_code == 400
        assert b"not valid" in client.get(f"/status/unsubscribe/{token}/").content
    assert StatusSubscriber.objects.exists()


def test_the_confirmation_email_already_carries_a_one_click_unsubscribe_header(client):
    client.post("/status/subscribe/", {"email": "reader@example.org"})
    run_jobs()
    [confirmation] = mail.outbox
    subscriber = StatusSubscriber.objects.get()
    assert confirmation.extra_headers["List-Unsubscribe"] == (
        f"<http://localhost:8000/status/unsubscribe/{unsubscribe_token(subscriber)}/>"
    )
    assert (
        client.post(
            link_in(confirmation.extra_headers["List-Unsubscribe"], "/status/unsubscribe/")
        ).status_code
        == 200
    )
    assert not StatusSubscriber.objects.exists()
