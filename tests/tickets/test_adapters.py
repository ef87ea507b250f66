"""Each adapter against a local server answering with the tracker's documented payloads; linking
an existing ticket; the periodic reconcile."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django_celery_beat.models import PeriodicTask
from pytest_httpserver import HTTPServer

from incidents.tickets.adapters import TrackerError, adapter_for
from incidents.tickets.models import LinkState, TicketLink
from incidents.tickets.services import ticket_request, tickets_reconcile
from tests.tickets.conftest import payload, run_ticket_jobs

# The project path is sent URL-encoded (my-group%2Fmy-project); the server matches the decoded path.
GITLAB_ISSUES = "/api/v4/projects/my-group/my-project/issues"


def test_gitlab_creates_an_issue_with_its_token_labels_and_a_link_back(
    owner: Any, action: Any, gitlab: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request(GITLAB_ISSUES, method="POST").respond_with_json(
        payload("gitlab_issue"), status=201
    )

    ticket_request(action=action, actor=owner, tracker=gitlab)
    [job] = run_ticket_jobs()

    assert job.status == "succeeded", job.error
    [(request, _)] = httpserver.log
    assert request.headers["PRIVATE-TOKEN"] == "glpat-test-token"
    assert request.environ["REQUEST_URI"] == "/api/v4/projects/my-group%2Fmy-project/issues"
    sent = json.loads(request.data)
    assert sent["labels"] == "incident-followup"
    assert f"/incidents/{action.incident.reference}/#action-{action.pk}" in sent["description"]
    link = TicketLink.objects.get(action=action)
    assert (link.number, link.key, link.state) == ("14", "my-group/my-project#14", LinkState.OPEN)
    action.refresh_from_db()
    assert action.ticket_url == "http://gitlab.example.com/my-group/my-project/issues/14"


def test_gitlab_finds_a_ticket_by_its_marker(gitlab: Any, httpserver: HTTPServer) -> None:
    issue = payload("gitlab_issue") | {"description": "Text\n\n<!-- hindsight-abc -->"}
    httpserver.expect_request(
        GITLAB_ISSUES,
        method="GET",
        query_string={"search": "hindsight-abc", "in": "description", "scope": "all"},
    ).respond_with_json([issue])
    found = adapter_for(gitlab).find_by_marker("hindsight-abc")
    assert found is not None
    assert found.key == "my-group/my-project#14"


def test_jira_creates_an_issue_in_document_format_and_reads_its_status(
    owner: Any, action: Any, jira: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/rest/api/3/issue", method="POST").respond_with_json(
        payload("jira_create_issue"), status=201
    )
    httpserver.expect_request("/rest/api/3/issue/ED-24", method="GET").respond_with_json(
        payload("jira_issue")
    )

    ticket_request(action=action, actor=owner, tracker=jira)
    [job] = run_ticket_jobs()

    assert job.status == "succeeded", job.error
    create = next(request for request, _ in httpserver.log if request.method == "POST")
    expected = "Basic " + base64.b64encode(b"bot@example.com:jira-api-token").decode()
    assert create.headers["Authorization"] == expected
    fields = json.loads(create.data)["fields"]
    assert fields["project"] == {"key": "ED"}
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["labels"] == ["incident-followup"]
    document = fields["description"]
    assert document["type"] == "doc"
    assert document["version"] == 1
    texts = json.dumps(document)
    assert "The alarm fired 40 minutes late." in texts
    assert "Page the search on-call instead." in texts
    assert f"https://hindsight.example.com/incidents/{action.incident.reference}/#action-{action.pk}" in texts
    link = TicketLink.objects.get(action=action)
    assert (link.key, link.remote_status, link.state) == ("ED-24", "In Progress", LinkState.OPEN)
    assert link.url == jira.base_url + "/browse/ED-24"


def test_jira_finds_a_ticket_by_its_marker(jira: Any, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/rest/api/3/search/jql", method="POST").respond_with_json(
        payload("jira_search")
    )
    found = adapter_for(jira).find_by_marker("hindsight-abc")
    assert found is not None
    assert found.key == "ED-24"
    assert not found.closed
    [(request, _)] = httpserver.log
    assert 'project = "ED"' in json.loads(request.data)["jql"]
    assert "hindsight-abc" in json.loads(request.data)["jql"]


def test_github_reads_documented_issues_and_errors(github: Any, httpserver: HTTPServer) -> None:
    closed = payload("github_issue") | {"state": "closed"}
    httpserver.expect_request("/repos/octocat/Hello-World/issues/1347").respond_with_json(closed)
    httpserver.expect_request("/repos/octocat/Hello-World/issues/9").respond_with_json(
        {"message": "Not Found"}, 404
    )
    httpserver.expect_request("/repos/octocat/Hello-World/issues/10").respond_with_json(
        {"message": "busy"}, 503
    )
    adapter = adapter_for(github)
    ticket = adapter.get("1347")
    assert (ticket.closed, ticket.key, ticket.url) == (
        True,
        "octocat/Hello-World#1347",
        "https://github.com/octocat/Hello-World/issues/1347",
    )
    with pytest.raises(TrackerError) as missing:
        adapter.get("9")
    assert (missing.value.status, missing.value.retryable) == (404, False)
    with pytest.raises(TrackerError) as busy:
        adapter.get("10")
    assert busy.value.retryable


@pytest.mark.parametrize(
    ("kind", "reference", "number"),
    [
        ("github", "https://github.com/octocat/Hello-World/issues/1347", "1347"),
        ("github", "octocat/hello-world#1347", "1347"),
        ("github", "#1347", "1347"),
        ("gitlab", "my-group/my-project#14", "14"),
        ("gitlab", "{base}/my-group/my-project/-/issues/14", "14"),
        ("jira", "ed-24", "ED-24"),
        ("jira", "{base}/browse/ED-24", "ED-24"),
        ("jira", "{base}/jira/software/projects/ED/boards/1?selectedIssue=ED-24", "ED-24"),
    ],
)
def test_references_people_paste_are_read(request: Any, kind: str, reference: str, number: str) -> None:
    tracker = request.getfixturevalue(kind)
    assert adapter_for(tracker).parse_reference(reference.format(base=tracker.base_url)) == number


@pytest.mark.parametrize(
    ("kind", "reference"),
    [
        ("github", "https://github.com/someone/else/issues/3"),
        ("github", "https://github.com/octocat/Hello-World/pull/3"),
        ("gitlab", "other/project#14"),
        ("gitlab", "https://gitlab.other.example/my-group/my-project/-/issues/14"),
        ("jira", "OPS-12"),
        ("jira", "https://someone-else.atlassian.net/browse/ED-24"),
        ("jira", "not a key"),
    ],
)
def test_references_to_other_projects_are_refused(request: Any, kind: str, reference: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        adapter_for(request.getfixturevalue(kind)).parse_reference(reference)


# ---------------------------------------------------------------- linking an existing ticket


def test_linking_an_existing_ticket_checks_it_with_the_tracker(
    client_as: Any, owner: Any, action: Any, jira: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/rest/api/3/issue/ED-24", method="GET").respond_with_json(
        payload("jira_issue")
    )
    httpserver.expect_request("/rest/api/3/issue/ED-99", method="GET").respond_with_json(
        {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}},
        404,
    )
    client = client_as(owner)

    missing = client.post(
        f"/api/v1/actions/{action.pk}/ticket/", {"tracker": "Jira ED", "url": "ED-99"}, format="json"
    )
    assert missing.status_code == 400
    assert "no ticket ED-99" in missing.json()["url"][0]
    elsewhere = client.post(
        f"/api/v1/actions/{action.pk}/ticket/", {"tracker": "Jira ED", "url": "OPS-1"}, format="json"
    )
    assert elsewhere.status_code == 400
    assert "not in project ED" in elsewhere.json()["url"][0]
    assert not TicketLink.objects.exists()

    response = client.post(
        f"/api/v1/actions/{action.pk}/ticket/",
        {"tracker": jira.pk, "url": f"{jira.base_url}/browse/ED-24"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["ticket"]["key"] == "ED-24"
    assert response.json()["ticket"]["state"] == "open"
    action.refresh_from_db()
    assert action.ticket_url == f"{jira.base_url}/browse/ED-24"
    assert not [request for request, _ in httpserver.log if request.method == "POST"]  # nothing created


def test_linking_a_ticket_already_closed_marks_the_item_done(
    owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    from incidents.tickets.services import ticket_link_existing

    closed = payload("github_issue") | {"state": "closed"}
    httpserver.expect_request("/repos/octocat/Hello-World/issues/1347").respond_with_json(closed)
    ticket_link_existing(action=action, actor=owner, tracker=github, reference="#1347")
    action.refresh_from_db()
    assert (action.status, action.completion_note) == ("done", "Closed in GitHub octocat/Hello-World#1347")


def test_an_unreachable_tracker_is_a_400_when_linking(owner: Any, action: Any, github: Any) -> None:
    from django.core.exceptions import ValidationError

    from incidents.tickets.services import ticket_link_existing

    github.base_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    github.save()
    with pytest.raises(ValidationError) as error:
        ticket_link_existing(action=action, actor=owner, tracker=github, reference="#1")
    assert "Could not check" in error.value.message_dict["url"][0]
    assert not TicketLink.objects.exists()


# ---------------------------------------------------------------- reconcile


def test_the_reconcile_closes_items_whose_webhook_was_missed(
    owner: Any, action: Any, incident: Any, github: Any, jira: Any, httpserver: HTTPServer
) -> None:
    from incidents.services import action_add

    other = action_add(incident=incident, actor=owner, title="Write the runbook")
    TicketLink.objects.create(
        action=action, tracker=github, state=LinkState.OPEN, number="1347", key="octocat/Hello-World#1347"
    )
    TicketLink.objects.create(action=other, tracker=jira, state=LinkState.OPEN, number="ED-24", key="ED-24")
    httpserver.expect_request("/repos/octocat/Hello-World/issues/1347").respond_with_json(
        payload("github_issue") | {"state": "closed"}
    )
    httpserver.expect_request("/rest/api/3/issue/ED-24").respond_with_json(payload("jira_issue"))

    assert tickets_reconcile() == {"checked": 2, "changed": 1, "failed": 0, "skipped": 0}

    action.refresh_from_db()
    other.refresh_from_db()
    assert (action.status, action.completion_note) == ("done", "Closed in GitHub octocat/Hello-World#1347")
    assert other.status == "open"
    assert TicketLink.objects.get(action=other).last_synced_at is not None
    # A ticket just closed is not fetched again for an hour (tests/tickets/test_reconcile.py).
    assert tickets_reconcile()["checked"] == 1


def test_the_reconcile_skips_a_tracker_that_does_not_answer(
    owner: Any, action: Any, github: Any, httpserver: HTTPServer
) -> None:
    TicketLink.objects.create(
        action=action, tracker=github, state=LinkState.OPEN, number="1347", key="x#1347"
    )
    httpserver.expect_request("/repos/octocat/Hello-World/issues/1347").respond_with_json({}, 502)
    assert tickets_reconcile() == {"checked": 0, "changed": 0, "failed": 1, "skipped": 0}
    action.refresh_from_db()
    assert action.status == "open"


def test_the_reconcile_is_scheduled_in_beat(db: Any) -> None:
    task = PeriodicTask.objects.get(task="hindsight.tickets.reconcile")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (15, "minutes")


def test_the_reconcile_task_runs_by_name(db: Any) -> None:
    from config.celery_app import app
    from incidents.tickets import tasks  # what the worker's autodiscovery imports

    assert tasks.reconcile_tickets.name == "hindsight.tickets.reconcile"
    assert "hindsight.tickets.reconcile" in app.tasks
    assert app.tasks["hindsight.tickets.reconcile"].apply().get() == {
        "checked": 0,
        "changed": 0,
        "failed": 0,
        "skipped": 0,
    }
