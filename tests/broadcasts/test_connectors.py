"""Broadcasts to Slack, Mattermost and Teams: payload shapes, events, routing, retries, the log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from incidents.broadcasts.models import BroadcastChannel, BroadcastDelivery, BroadcastRule, DeliveryStatus
from incidents.jobs import TransientJobError, job_run
from incidents.models import Job
from incidents.models.jobs import JobStatus
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_publish
from incidents.services import incident_declare, incident_update, status_update_post
from tests.broadcasts.conftest import channel_with_rule, run_jobs
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def declare(owner: Any, **fields: Any) -> Any:
    values = {"title": "Checkout <errors> & timeouts", "severity": "SEV2", "services": ["checkout"], **fields}
    return incident_declare(actor=owner, **values)


def test_slack_incoming_webhook_gets_text_and_blocks_when_an_incident_is_declared(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/services/T000/B000/XXX")
    incident = declare(owner)
    run_jobs()
    [payload] = receiver.json()
    assert set(payload) == {"text", "blocks"}
    assert payload["text"] == f"{incident.reference} declared: Checkout <errors> & timeouts"
    section = payload["blocks"][0]
    assert section["type"] == "section"
    assert section["text"]["type"] == "mrkdwn"
    # Slack's control characters in user text are escaped, and the headline links to the incident.
    assert "Checkout &lt;errors&gt; &amp; timeouts" in section["text"]["text"]
    assert f"/incidents/{incident.reference}/|" in section["text"]["text"]
    assert "Severity: SEV2" in payload["blocks"][1]["elements"][0]["text"]
    assert receiver.requests[0]["path"] == "/services/T000/B000/XXX"
    delivery = BroadcastDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SENT, 1, 200)
    assert delivery.event == "declared"
    assert delivery.sent_at is not None


def test_slack_chat_post_message_sends_bearer_token_and_channel(owner, receiver):
    channel_with_rule("slack_api", receiver.url + "/api/chat.postMessage")
    receiver.answers.append((200, b'{"ok": true, "channel": "C0123456789", "ts": "1.2"}', 0))
    incident = declare(owner)
    run_jobs()
    [request] = receiver.requests
    assert request["headers"]["Authorization"] == "Bearer xoxb-test-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    payload = receiver.json()[0]
    assert payload["channel"] == "C0123456789"
    assert payload["text"].startswith(f"{incident.reference} declared")
    assert payload["blocks"][0]["type"] == "section"
    assert BroadcastDelivery.objects.get().status == DeliveryStatus.SENT


def test_slack_ok_false_is_a_failure_and_a_bad_token_is_not_retried(owner, receiver):
    channel_with_rule("slack_api", receiver.url + "/api/chat.postMessage")
    receiver.answers.append((200, b'{"ok": false, "error": "invalid_auth"}', 0))
    declare(owner)
    [job] = run_jobs()
    delivery = BroadcastDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "invalid_auth" in delivery.error
    assert job.status == JobStatus.FAILED
    assert len(receiver.requests) == 1


def test_slack_rate_limit_answer_is_retried(owner, receiver):
    channel_with_rule("slack_api", receiver.url + "/api/chat.postMessage")
    receiver.answers.append((200, b'{"ok": false, "error": "ratelimited"}', 0))
    receiver.answers.append((200, b'{"ok": true}', 0))
    declare(owner)
    run_jobs()
    assert BroadcastDelivery.objects.get().status == DeliveryStatus.RETRYING
    run_jobs()
    delivery = BroadcastDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_mattermost_gets_text_username_and_channel(owner, receiver):
    channel = channel_with_rule("mattermost", receiver.url + "/hooks/xxx-generatedkey-xxx")
    channel.target = "town-square"
    channel.save()
    incident = declare(owner)
    run_jobs()
    [payload] = receiver.json()
    assert set(payload) == {"text", "username", "channel"}
    assert payload["username"] == "Hindsight"
    assert payload["channel"] == "town-square"
    assert payload["text"].startswith(f"**[{incident.reference} declared: ")
    assert "Severity: SEV2" in payload["text"]


def test_teams_workflow_gets_an_adaptive_card(owner, receiver):
    channel_with_rule("teams", receiver.url + "/workflows/abc/triggers/manual/paths/invoke")
    receiver.answers.append((202, b"", 0))  # Teams workflows answer 202 Accepted
    incident = declare(owner)
    run_jobs()
    [payload] = receiver.json()
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0] == {
        "type": "TextBlock",
        "text": f"{incident.reference} declared: Checkout <errors> & timeouts",
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
    }
    facts = {fact["title"]: fact["value"] for fact in card["body"][-1]["facts"]}
    assert facts == {"Severity": "SEV2", "Status": "investigating", "Services": "checkout"}
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    assert card["actions"][0]["url"].endswith(f"/incidents/{incident.reference}/")
    delivery = BroadcastDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == (DeliveryStatus.SENT, 202)


def test_severity_change_status_change_resolve_and_postmortem_are_each_posted(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook")
    incident = declare(owner)
    incident = incident_update(incident=incident, actor=owner, data={"severity": "SEV1"})
    incident = incident_update(incident=incident, actor=owner, data={"status": "monitoring"})
    incident = incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    Postmortem.objects.filter(incident=incident).delete()
    postmortem = Postmortem.objects.create(incident=incident, status="approved")
    postmortem_publish(postmortem=postmortem, actor=owner)
    run_jobs()
    texts = [payload["text"] for payload in receiver.json()]
    ref = incident.reference
    assert texts == [
        f"{ref} declared: Checkout <errors> & timeouts",
        f"{ref} severity SEV2 → SEV1: Checkout <errors> & timeouts",
        f"{ref} is now monitoring (was investigating): Checkout <errors> & timeouts",
        f"{ref} resolved: Checkout <errors> & timeouts",
        f"Postmortem published for {ref}: Checkout <errors> & timeouts",
    ]
    assert list(BroadcastDelivery.objects.order_by("id").values_list("event", flat=True)) == [
        "declared",
        "severity_changed",
        "status_changed",
        "resolved",
        "postmortem_published",
    ]


def test_private_incidents_are_not_broadcast_unless_a_rule_says_so(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/public-channel")
    declare(owner, title="Credential leak", private=True)
    run_jobs()
    assert receiver.requests == []
    assert not BroadcastDelivery.objects.exists()

    channel_with_rule("mattermost", receiver.url + "/security-channel", include_private=True)
    declare(owner, title="Another leak", private=True)
    run_jobs()
    assert [request["path"] for request in receiver.requests] == ["/security-channel"]


def test_an_incident_made_private_before_sending_is_not_posted(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook")
    incident = declare(owner)
    incident_update(incident=incident, actor=owner, data={"private": True})
    run_jobs()
    assert receiver.requests == []
    assert BroadcastDelivery.objects.get().status == DeliveryStatus.SKIPPED


def test_rules_route_by_service_and_minimum_severity(owner, receiver):
    payments = ServiceFactory(name="payments")
    channel_with_rule("slack_webhook", receiver.url + "/payments", services=[payments])
    channel_with_rule("mattermost", receiver.url + "/major", min_severity="SEV2")
    declare(owner, title="Minor search glitch", severity="SEV3", services=["search"])
    declare(owner, title="Card payments failing", severity="SEV1", services=["payments"])
    declare(owner, title="Search down", severity="SEV2", services=["search"])
    run_jobs()
    titles = ["Minor search glitch", "Card payments failing", "Search down"]
    routed = sorted(
        (request["path"], title)
        for request in receiver.requests
        for title in titles
        if title in json.loads(request["body"])["text"]
    )
    assert routed == [
        ("/major", "Card payments failing"),
        ("/major", "Search down"),
        ("/payments", "Card payments failing"),
    ]


def test_rules_post_only_the_events_they_name(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook", events=["resolved"])
    incident = declare(owner)
    incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    run_jobs()
    assert [payload["text"].split(":")[0] for payload in receiver.json()] == [
        f"{incident.reference} resolved"
    ]


def test_two_rules_for_one_channel_post_once(owner, receiver):
    channel = channel_with_rule("slack_webhook", receiver.url + "/hook")
    BroadcastRule.objects.create(name="SEV1-2 too", channel=channel, min_severity="SEV2")
    declare(owner)
    run_jobs()
    assert len(receiver.requests) == 1


def test_server_errors_are_retried_with_the_attempts_logged_until_sent(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook")
    receiver.answers += [(503, b"busy", 0), (500, b"oops", 0)]
    declare(owner)
    job = Job.objects.get(name="broadcasts.send")
    with pytest.raises(TransientJobError):
        job_run(job_id=str(job.pk))
    delivery = BroadcastDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.RETRYING, 1, 503)
    assert "HTTP 503" in delivery.error
    # Back in the outbox: the Celery task retries it with backoff (hindsight.jobs.run).
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    with pytest.raises(TransientJobError):
        job_run(job_id=str(job.pk))
    job_run(job_id=str(job.pk))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == (
        DeliveryStatus.SENT,
        3,
        200,
        "",
    )
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert len(receiver.requests) == 3


def test_it_gives_up_after_the_maximum_attempts(owner, receiver, settings):
    settings.HINDSIGHT = {**settings.HINDSIGHT, "BROADCAST_MAX_ATTEMPTS": 2}
    channel_with_rule("slack_webhook", receiver.url + "/hook")
    receiver.answers += [(502, b"", 0)] * 5
    declare(owner)
    run_jobs()
    run_jobs()
    run_jobs()
    delivery = BroadcastDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    job = Job.objects.get(name="broadcasts.send")
    assert job.status == JobStatus.FAILED
    assert "Gave up after 2" in job.error
    assert len(receiver.requests) == 2


def test_a_client_error_is_not_retried(owner, receiver):
    channel_with_rule("teams", receiver.url + "/gone")
    receiver.answers.append((404, b"no such workflow", 0))
    declare(owner)
    run_jobs()
    run_jobs()
    delivery = BroadcastDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == (DeliveryStatus.FAILED, 404, 1)
    assert len(receiver.requests) == 1


def test_a_receiver_that_hangs_times_out_and_is_retried(owner, receiver, settings):
    settings.HINDSIGHT = {**settings.HINDSIGHT, "BROADCAST_TIMEOUT": 0.3}
    channel_with_rule("mattermost", receiver.url + "/slow")
    receiver.answers.append((200, b"ok", 1.0))
    declare(owner)
    run_jobs()
    delivery = BroadcastDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "timed out" in delivery.error.lower()
    run_jobs()
    assert BroadcastDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_receiver_that_is_down_never_blocks_the_write(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook")
    receiver.server.shutdown()
    receiver.server.server_close()  # nothing listens on that port any more
    incident = declare(owner)
    update = status_update_post(incident=incident, actor=owner, message="Looking into it.")
    assert update.pk
    assert incident.pk
    [job] = run_jobs()
    assert job.status == JobStatus.QUEUED  # waiting for another attempt
    delivery = BroadcastDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert "Connection" in delivery.error


def test_running_a_send_job_twice_posts_once(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook")
    declare(owner)
    job = Job.objects.get(name="broadcasts.send")
    job_run(job_id=str(job.pk))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)  # as if the broker delivered it again
    job_run(job_id=str(job.pk))
    assert len(receiver.requests) == 1


def test_a_write_that_rolls_back_records_and_sends_nothing(owner, receiver):
    channel_with_rule("slack_webhook", receiver.url + "/hook")

    def declare_then_fail() -> None:
        with transaction.atomic():
            declare(owner)
            raise RuntimeError("the request failed after declaring")

    with pytest.raises(RuntimeError):
        declare_then_fail()
    assert not BroadcastDelivery.objects.exists()
    assert not Job.objects.filter(name="broadcasts.send").exists()


def test_the_admin_never_shows_the_token_again_and_keeps_it_when_left_empty(admin_user, client, receiver):
    client.force_login(admin_user)
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    response = client.post(
        "/admin/broadcasts/broadcastchannel/add/",
        {
            "name": "ops",
            "kind": "slack_api",
            "url": "",
            "token": "xoxb-secret-123",
            "target": "C999",
            "active": "on",
        },
    )
    assert response.status_code == 302
    channel = BroadcastChannel.objects.get(name="ops")
    assert channel.token == "xoxb-secret-123"
    page = client.get(f"/admin/broadcasts/broadcastchannel/{channel.pk}/change/")
    assert page.status_code == 200
    assert b"xoxb-secret-123" not in page.content
    client.post(
        f"/admin/broadcasts/broadcastchannel/{channel.pk}/change/",
        {"name": "ops", "kind": "slack_api", "url": "", "token": "", "target": "C999", "active": "on"},
    )
    channel.refresh_from_db()
    assert channel.token == "xoxb-secret-123"


def test_the_admin_refuses_a_webhook_channel_without_a_url(admin_user, client):
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        "/admin/broadcasts/broadcastchannel/add/",
        {"name": "mm", "kind": "mattermost", "url": "", "active": "on"},
    )
    assert response.status_code == 200
    assert b"Paste the webhook URL" in response.content
