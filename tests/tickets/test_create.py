"""Creating a ticket from an action item (API and page), through the outbox, exactly once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from incidents.models import Job
from incidents.models.jobs import JobStatus
from incidents.tickets.models import LinkState, TicketLink
from tests.tickets.conftest import payload, run_ticket_jobs

ISSUES = "/repos/octocat/Hello-World/issues"


def _posts(httpserver: HTTPServer, path: str) -> list[Any]:
    return [request for request, _ in httpserver.log if request.method == "POST" and request.path == path]


def test_it_creates_a_github_issue_through_the_outbox(
    client_as: Any, owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(ISSUES, method="POST").respond_with_json(payload("github_issue"), status=201)

    response = client_as(owner).post(
        f"/api/v1/actions/{action.pk}/ticket/", {"tracker": github.pk}, format="json"
    )

    assert response.status_code == 202, response.content
    assert response.json()["ticket"]["state"] == "pending"
    assert Job.objects.filter(pk=response.json()["job"], name="tickets.create").exists()
    assert not httpserver.log  # nothing leaves before the job runs
    [job] = run_ticket_jobs()
    assert job.status == JobStatus.SUCCEEDED, job.error
    [request] = _posts(httpserver, ISSUES)
    sent = json.loads(request.data)
    assert request.headers["Authorization"] == "Bearer ghp_test_token"
    assert sent["title"] == "Alert on search p99 above 2 s"
    assert sent["labels"] == ["incident-followup", "hindsight"]
    assert "The alarm fired 40 minutes late." in sent["body"]
    incident_link = f"https://hindsight.example.com/incidents/{action.incident.reference}/#action-{action.pk}"
    assert f"({incident_link})" in sent["body"]
    action.refresh_from_db()
    assert action.ticket_url == "https://github.com/octocat/Hello-World/issues/1347"
    link = TicketLink.objects.get(action=action)
    assert (link.state, link.key, link.number) == (LinkState.OPEN, "octocat/Hello-World#1347", "1347")
    assert link.marker in sent["body"]
    shown = client_as(owner).get(f"/api/v1/actions/{action.pk}/ticket/").json()
    assert shown["ticket"]["key"] == "octocat/Hello-World#1347"
    assert shown["ticket"]["state"] == "open"
    assert shown["trackers"] == [{"id": github.pk, "name": "GitHub Hello-World", "kind": "github"}]


def test_a_retry_after_a_timeout_finds_the_ticket_instead_of_creating_a_second(
    client_as: Any, owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    created: dict[str, Any] = {}

    def slow_create(request: Request) -> Response:
        # GitHub creates the issue, but answers after Hindsight stopped waiting.
        created.update(payload("github_issue"), body=json.loads(request.data)["body"])
        time.sleep(1.0)
        return Response(json.dumps(created), status=201, content_type="application/json")

    def recent_issues(request: Request) -> Response:
        return Response(json.dumps([payload("github_issue") | {"number": 1, "body": "other"}, created]))

    httpserver.expect_request(ISSUES, method="POST").respond_with_handler(slow_create)
    httpserver.expect_request(ISSUES, method="GET").respond_with_handler(recent_issues)
    client_as(owner).post(
        f"/api/v1/actions/{action.pk}/ticket/", {"tracker": "GitHub Hello-World"}, format="json"
    )

    [first] = run_ticket_jobs()
    assert first.status == JobStatus.QUEUED  # a timeout is transient: back in the outbox
    assert TicketLink.objects.get(action=action).state == LinkState.PENDING
    time.sleep(0.7)  # the slow answer finishes on the server
    [second] = run_ticket_jobs()

    assert second.status == JobStatus.SUCCEEDED, second.error
    assert len(_posts(httpserver, ISSUES)) == 1
    link = TicketLink.objects.get(action=action)
    assert (link.state, link.key, link.attempts) == (LinkState.OPEN, "octocat/Hello-World#1347", 2)
    action.refresh_from_db()
    assert action.ticket_url == "https://github.com/octocat/Hello-World/issues/1347"


def test_a_job_run_twice_creates_one_ticket(
    owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    from incidents.jobs import job_run
    from incidents.tickets.services import ticket_request

    httpserver.expect_request(ISSUES, method="POST").respond_with_json(payload("github_issue"), status=201)
    _, job = ticket_request(action=action, actor=owner, tracker=github)
    job_run(job_id=str(job.pk))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)  # delivered again by the broker
    again = job_run(job_id=str(job.pk))
    assert again is not None
    assert again.result == {"status": "open", "key": "octocat/Hello-World#1347"}
    assert len(_posts(httpserver, ISSUES)) == 1


def test_a_tracker_refusing_the_ticket_fails_the_job_and_the_item_may_ask_again(
    client_as: Any, owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request(ISSUES, method="POST").respond_with_json(
        {"message": "Bad credentials"}, 401
    )
    client = client_as(owner)
    client.post(f"/api/v1/actions/{action.pk}/ticket/", {"tracker": github.pk}, format="json")
    [job] = run_ticket_jobs()
    assert job.status == JobStatus.FAILED
    link = TicketLink.objects.get(action=action)
    assert link.state == LinkState.FAILED
    assert "Bad credentials" in link.error

    httpserver.expect_request(ISSUES, method="POST").respond_with_json(payload("github_issue"), status=201)
    assert (
        client.post(f"/api/v1/actions/{action.pk}/ticket/", {"tracker": github.pk}, format="json").status_code
        == 202
    )
    run_ticket_jobs()
    assert TicketLink.objects.get(action=action).state == LinkState.OPEN


def test_a_private_incident_gets_no_ticket_unless_the_tracker_allows_it(
    client_as: Any, owner: Any, private_action: Any, github: Any, httpserver: HTTPServer
) -> None:
    client = client_as(owner)
    response = client.post(
        f"/api/v1/actions/{private_action.pk}/ticket/", {"tracker": github.pk}, format="json"
    )

    assert response.status_code == 400
    assert "private" in response.json()["tracker"][0]
    assert not TicketLink.objects.exists()
    assert not Job.objects.filter(name="tickets.create").exists()

    github.allow_private = True
    github.save()
    httpserver.expect_request(ISSUES, method="POST").respond_with_json(payload("github_issue"), status=201)
    assert (
        client.post(
            f"/api/v1/actions/{private_action.pk}/ticket/", {"tracker": github.pk}, format="json"
        ).status_code
        == 202
    )
    run_ticket_jobs()
    assert TicketLink.objects.get(action=private_action).state == LinkState.OPEN


def test_an_incident_made_private_before_the_job_runs_sends_nothing(
    owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    from incidents.tickets.services import ticket_request

    ticket_request(action=action, actor=owner, tracker=github)
    type(action.incident).objects.filter(pk=action.incident_id).update(private=True)
    run_ticket_jobs()
    assert not httpserver.log
    assert TicketLink.objects.get(action=action).state == LinkState.FAILED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "tracker"),
        ({"tracker": "No such tracker"}, "tracker"),
        ({"tracker": 999}, "tracker"),
        ({"tracker": ["GitHub"]}, "tracker"),
        ({"tracker": "GitHub Hello-World", "url": ""}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    client_as: Any, owner: Any, action: Any, github: Any, body: dict[str, Any], field: str
) -> None:
    response = client_as(owner).post(f"/api/v1/actions/{action.pk}/ticket/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TicketLink.objects.exists()


def test_an_item_with_a_ticket_gets_no_second_one(
    client_as: Any, owner: Any, action: Any, github: Any, gitlab: Any
) -> None:
    client = client_as(owner)
    client.post(f"/api/v1/actions/{action.pk}/ticket/", {"tracker": github.pk}, format="json")
    response = client.post(f"/api/v1/actions/{action.pk}/ticket/", {"tracker": gitlab.pk}, format="json")
    assert response.status_code == 400
    assert "already has a ticket" in response.json()["tracker"][0]
    assert TicketLink.objects.count() == 1


def test_viewers_and_outsiders_cannot_ask_for_tickets(
    client_as: Any, viewer: Any, outsider: Any, action: Any, private_action: Any, github: Any
) -> None:
    assert (
        client_as(viewer)
        .post(f"/api/v1/actions/{action.pk}/ticket/", {"tracker": github.pk}, format="json")
        .status_code
        == 403
    )
    # A private incident's item does not exist for someone who cannot see it.
    assert (
        client_as(outsider)
        .post(f"/api/v1/actions/{private_action.pk}/ticket/", {"tracker": github.pk}, format="json")
        .status_code
        == 404
    )
    assert not TicketLink.objects.exists()


def test_the_action_item_offers_the_buttons_and_the_button_asks_for_a_ticket(
    client_for: Any, owner: Any, viewer: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    page = client_for(owner).get(f"/incidents/{action.incident.reference}/").content.decode()
    assert "Create ticket in GitHub Hello-World" in page
    assert "Link existing ticket" in page
    assert (
        "Create ticket in"
        not in client_for(viewer).get(f"/incidents/{action.incident.reference}/").content.decode()
    )

    httpserver.expect_request(ISSUES, method="POST").respond_with_json(payload("github_issue"), status=201)
    client = client_for(owner)
    response = client.post(
        f"/incidents/{action.incident.reference}/actions/{action.pk}/ticket/", {"tracker": github.pk}
    )
    assert response.status_code == 302
    run_ticket_jobs()
    page = client.get(f"/incidents/{action.incident.reference}/").content.decode()
    assert "octocat/Hello-World#1347" in page
    assert "Create ticket in" not in page


def test_the_page_refuses_a_private_item_with_a_form_error(
    client_for: Any, owner: Any, private_action: Any, github: Any
) -> None:
    page = client_for(owner).get(f"/incidents/{private_action.incident.reference}/").content.decode()
    assert "Create ticket in GitHub Hello-World" not in page
    response = client_for(owner).post(
        f"/incidents/{private_action.incident.reference}/actions/{private_action.pk}/ticket/",
        {"tracker": github.pk},
    )
    assert response.status_code == 422
    assert "private" in response.content.decode()
    assert not TicketLink.objects.exists()


def test_ids_too_large_for_the_database_are_answered_not_crashed(
    client_as: Any, owner: Any, action: Any
) -> None:
    response = client_as(owner).post(
        f"/api/v1/actions/{action.pk}/ticket/", {"tracker": "9" * 30}, format="json"
    )
    assert response.status_code == 400
    hook = client_as(owner).post(
        f"/api/v1/hooks/tickets/{'9' * 30}/", data=b"{}", content_type="application/json"
    )
    assert hook.status_code == 404


def test_the_api_lists_only_trackers_that_take_a_private_incident(
    client_as: Any, owner: Any, private_action: Any, github: Any, gitlab: Any
) -> None:
    gitlab.allow_private = True
    gitlab.save()
    answer = client_as(owner).get(f"/api/v1/actions/{private_action.pk}/ticket/").json()
    assert answer == {
        "ticket": None,
        "trackers": [{"id": gitlab.pk, "name": "GitLab my-project", "kind": "gitlab"}],
    }
