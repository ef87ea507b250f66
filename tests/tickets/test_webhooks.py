"""Trackers telling Hindsight a ticket closed or reopened: signatures, replays, bad payloads."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from incidents.tickets.models import LinkState, TicketLink, TrackerConnection
from tests.tickets.conftest import SECRET, payload, signed


def _link(action: Any, tracker: TrackerConnection, number: str, key: str) -> TicketLink:
    action.ticket_url = "https://tickets.example.com/" + number
    action.save()
    return TicketLink.objects.create(
        action=action, tracker=tracker, state=LinkState.OPEN, number=number, key=key, url=action.ticket_url
    )


def _github(client: Any, tracker: TrackerConnection, body: bytes, **headers: str) -> Any:
    sent = {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": signed(body),
        **headers,
    }
    return client.post(
        f"/api/v1/hooks/tickets/{tracker.pk}/", data=body, content_type="application/json", headers=sent
    )


def _item(action: Any) -> tuple[str, str]:
    action.refresh_from_db()
    return action.status, action.completion_note


# ---------------------------------------------------------------- GitHub


def test_a_closed_github_issue_marks_the_item_done_and_reopening_reopens_it(
    client: Any, action: Any, github: Any
) -> None:
    _link(action, github, "1347", "octocat/Hello-World#1347")
    closed = json.dumps(payload("github_webhook_issues")).encode()

    response = _github(client, github, closed)

    assert response.status_code == 200, response.content
    assert response.json()["changed"] == [action.pk]
    assert _item(action) == ("done", "Closed in GitHub octocat/Hello-World#1347")
    assert action.completed_at is not None
    history = action.history.order_by("-history_date").first()
    assert history.status == "done"
    assert history.history_user is None

    reopened = payload("github_webhook_issues")
    reopened["action"], reopened["issue"]["state"] = "reopened", "open"
    assert _github(client, github, json.dumps(reopened).encode()).status_code == 200
    assert _item(action) == ("open", "")
    assert TicketLink.objects.get(action=action).state == LinkState.OPEN


def test_a_replayed_github_delivery_is_refused_and_changes_nothing(
    client: Any, action: Any, github: Any
) -> None:
    _link(action, github, "1347", "octocat/Hello-World#1347")
    closed = json.dumps(payload("github_webhook_issues")).encode()
    delivery = str(uuid.uuid4())
    assert _github(client, github, closed, **{"X-GitHub-Delivery": delivery}).status_code == 200
    # People reopen the item in Hindsight; a replay of the old "closed" delivery must not undo that.
    from incidents.services import action_update

    action_update(action=action, actor=None, data={"status": "open", "completion_note": ""})

    response = _github(client, github, closed, **{"X-GitHub-Delivery": delivery})

    assert response.status_code == 409
    assert "replay" in response.json()["detail"]
    assert _item(action) == ("open", "")


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha256=" + "0" * 64,
        signed(b"another body"),
        signed(b"{}", secret="wrong secret").upper(),
        "sha1=abc",
    ],
)
def test_a_bad_github_signature_is_403_and_changes_nothing(
    client: Any, action: Any, github: Any, signature: str
) -> None:
    _link(action, github, "1347", "octocat/Hello-World#1347")
    body = json.dumps(payload("github_webhook_issues")).encode()
    response = _github(client, github, body, **{"X-Hub-Signature-256": signature})
    assert response.status_code == 403
    assert "X-Hub-Signature-256" in response.json()["detail"]
    assert _item(action) == ("open", "")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: p.pop("issue"), "issue"),
        (lambda p: p["issue"].update(number="twelve"), "issue.number"),
        (lambda p: p["issue"].update(state="archived"), "issue.state"),
        (lambda p: p["repository"].update(full_name="someone/else"), "someone/else"),
    ],
)
def test_a_github_payload_that_cannot_be_read_is_400_and_changes_nothing(
    client: Any, action: Any, github: Any, change: Any, error: str
) -> None:
    _link(action, github, "1347", "octocat/Hello-World#1347")
    body = payload("github_webhook_issues")
    change(body)
    response = _github(client, github, json.dumps(body).encode())
    assert response.status_code == 400
    assert error in response.json()["detail"]
    assert _item(action) == ("open", "")


def test_not_json_and_no_delivery_id_are_400(client: Any, action: Any, github: Any) -> None:
    assert _github(client, github, b"not json").status_code == 400
    body = json.dumps(payload("github_webhook_issues")).encode()
    assert _github(client, github, body, **{"X-GitHub-Delivery": ""}).status_code == 400


def test_an_unlinked_ticket_and_other_events_are_acknowledged_and_ignored(
    client: Any, action: Any, github: Any
) -> None:
    body = json.dumps(payload("github_webhook_issues")).encode()
    response = _github(client, github, body)
    assert response.status_code == 202
    assert "No action item is linked" in response.json()["detail"]
    assert (
        _github(client, github, b'{"zen": "Keep it simple."}', **{"X-GitHub-Event": "ping"}).status_code
        == 202
    )


def test_a_tracker_without_a_webhook_secret_refuses_every_post(client: Any, action: Any, github: Any) -> None:
    github.webhook_secret = ""
    github.save()
    _link(action, github, "1347", "octocat/Hello-World#1347")
    body = json.dumps(payload("github_webhook_issues")).encode()
    assert (
        _github(client, github, body, **{"X-Hub-Signature-256": signed(body, secret="")}).status_code == 403
    )
    assert _item(action) == ("open", "")


def test_an_unknown_tracker_is_404(client: Any, db: Any) -> None:
    assert (
        client.post("/api/v1/hooks/tickets/999/", data=b"{}", content_type="application/json").status_code
        == 404
    )


# ---------------------------------------------------------------- GitLab


def _gitlab(client: Any, tracker: TrackerConnection, body: bytes, **headers: str) -> Any:
    sent = {
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Token": SECRET,
        "X-Gitlab-Event-UUID": str(uuid.uuid4()),
        "Idempotency-Key": str(uuid.uuid4()),
        **headers,
    }
    return client.post(
        f"/api/v1/hooks/tickets/{tracker.pk}/", data=body, content_type="application/json", headers=sent
    )


def test_a_closed_gitlab_issue_marks_the_item_done_and_a_replay_is_refused(
    client: Any, action: Any, gitlab: Any
) -> None:
    gitlab.project = "gitlabhq/gitlab-test"
    gitlab.save()
    _link(action, gitlab, "23", "gitlabhq/gitlab-test#23")
    body = json.dumps(payload("gitlab_webhook_issue")).encode()
    key = str(uuid.uuid4())

    assert _gitlab(client, gitlab, body, **{"Idempotency-Key": key}).status_code == 200
    assert _item(action) == ("done", "Closed in GitLab gitlabhq/gitlab-test#23")

    reopened = payload("gitlab_webhook_issue")
    reopened["object_attributes"].update(state="opened", action="reopen")
    assert _gitlab(client, gitlab, json.dumps(reopened).encode()).status_code == 200
    assert _item(action) == ("open", "")
    # GitLab retrying the first delivery (same Idempotency-Key): refused, the item stays open.
    assert _gitlab(client, gitlab, body, **{"Idempotency-Key": key}).status_code == 409
    assert _item(action) == ("open", "")


def test_a_gitlab_post_with_a_wrong_token_is_403_and_changes_nothing(
    client: Any, action: Any, gitlab: Any
) -> None:
    gitlab.project = "gitlabhq/gitlab-test"
    gitlab.save()
    _link(action, gitlab, "23", "gitlabhq/gitlab-test#23")
    body = json.dumps(payload("gitlab_webhook_issue")).encode()
    for token in ("", "wrong", SECRET + "x", SECRET[:-1]):
        assert _gitlab(client, gitlab, body, **{"X-Gitlab-Token": token}).status_code == 403
    assert _gitlab(client, gitlab, b'{"object_kind": "issue"}').status_code == 400
    assert _item(action) == ("open", "")


def test_older_gitlab_replays_are_caught_by_the_event_uuid(client: Any, action: Any, gitlab: Any) -> None:
    gitlab.project = "gitlabhq/gitlab-test"
    gitlab.save()
    _link(action, gitlab, "23", "gitlabhq/gitlab-test#23")
    body = json.dumps(payload("gitlab_webhook_issue")).encode()
    event = str(uuid.uuid4())
    assert (
        _gitlab(client, gitlab, body, **{"Idempotency-Key": "", "X-Gitlab-Event-UUID": event}).status_code
        == 200
    )
    assert (
        _gitlab(client, gitlab, body, **{"Idempotency-Key": "", "X-Gitlab-Event-UUID": event}).status_code
        == 409
    )
    assert (
        _gitlab(client, gitlab, body, **{"Idempotency-Key": "", "X-Gitlab-Event-UUID": ""}).status_code == 400
    )


# ---------------------------------------------------------------- Jira


def _jira(client: Any, tracker: TrackerConnection, body: bytes, **headers: str) -> Any:
    sent = {
        "X-Hub-Signature": signed(body),
        "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
        **headers,
    }
    return client.post(
        f"/api/v1/hooks/tickets/{tracker.pk}/", data=body, content_type="application/json", headers=sent
    )


def test_a_jira_issue_in_the_done_category_marks_the_item_done(client: Any, action: Any, jira: Any) -> None:
    _link(action, jira, "ED-24", "ED-24")
    body = json.dumps(payload("jira_webhook_issue_updated")).encode()
    delivery = str(uuid.uuid4())

    assert _jira(client, jira, body, **{"X-Atlassian-Webhook-Identifier": delivery}).status_code == 200
    assert _item(action) == ("done", "Closed in Jira ED-24")
    assert TicketLink.objects.get(action=action).remote_status == "Done"
    assert _jira(client, jira, body, **{"X-Atlassian-Webhook-Identifier": delivery}).status_code == 409


def test_every_jira_status_outside_the_done_category_is_open(client: Any, action: Any, jira: Any) -> None:
    """The documented transitions: "In Progress" (indeterminate) is open, "Done" (done) closed."""
    _link(action, jira, "ED-24", "ED-24")
    for transition in payload("jira_transitions")["transitions"]:
        body = payload("jira_webhook_issue_updated")
        body["issue"]["fields"]["status"] = transition["to"]
        assert _jira(client, jira, json.dumps(body).encode()).status_code == 200
        expected = "done" if transition["to"]["statusCategory"]["key"] == "done" else "open"
        assert _item(action)[0] == expected, transition["name"]


def test_a_bad_jira_signature_or_payload_changes_nothing(client: Any, action: Any, jira: Any) -> None:
    _link(action, jira, "ED-24", "ED-24")
    body = json.dumps(payload("jira_webhook_issue_updated")).encode()
    assert _jira(client, jira, body, **{"X-Hub-Signature": signed(body, secret="nope")}).status_code == 403
    assert _jira(client, jira, body, **{"X-Hub-Signature": ""}).status_code == 403
    broken = payload("jira_webhook_issue_updated")
    del broken["issue"]["fields"]["status"]["statusCategory"]
    response = _jira(client, jira, json.dumps(broken).encode())
    assert response.status_code == 400
    assert "statusCategory" in response.json()["detail"]
    assert _item(action) == ("open", "")


def test_a_form_encoded_github_delivery_is_415_and_a_list_400(client: Any, action: Any, github: Any) -> None:
    """GitHub's default content type is form-encoded: the README says to pick application/json."""
    _link(action, github, "1347", "octocat/Hello-World#1347")
    body = b"payload=%7B%7D"
    response = client.post(
        f"/api/v1/hooks/tickets/{github.pk}/",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": signed(body)},
    )
    assert response.status_code == 415
    assert _github(client, github, b"[1, 2]").status_code == 400
    assert _item(action) == ("open", "")


def test_the_change_is_in_the_incident_history_as_the_system(
    client: Any, client_as: Any, owner: Any, action: Any, github: Any
) -> None:
    _link(action, github, "1347", "octocat/Hello-World#1347")
    assert _github(client, github, json.dumps(payload("github_webhook_issues")).encode()).status_code == 200

    history = (
        client_as(owner).get(f"/api/v1/incidents/{action.incident.reference}/history/").json()["results"]
    )

    entry = next(row for row in history if row["object_type"] == "action item" and row["actor"] is None)
    changes = {change["field"]: change["after"] for change in entry["changes"]}
    assert changes["status"] in ("done", "Done")
    assert changes["completion_note"] == "Closed in GitHub octocat/Hello-World#1347"


def test_a_deleted_item_is_left_alone_when_its_ticket_closes(
    client: Any, owner: Any, action: Any, github: Any
) -> None:
    from incidents.services import action_delete

    _link(action, github, "1347", "octocat/Hello-World#1347")
    action_delete(action=action, actor=owner)
    response = _github(client, github, json.dumps(payload("github_webhook_issues")).encode())
    assert response.status_code == 200
    assert response.json()["changed"] == []
    action.refresh_from_db()
    assert action.status == "open"
