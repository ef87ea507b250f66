"""The periodic reconcile rechecking closed tickets: a "reopened" webhook that never arrived still
reopens the item; old closed tickets, the limit and a failing tracker bound what it asks for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from pytest_httpserver import HTTPServer

from incidents.models import RemediationAction
from incidents.services import action_add
from incidents.tickets.models import LinkState, TicketLink, TrackerConnection
from incidents.tickets.services import ticket_state_apply, tickets_reconcile
from tests.tickets.conftest import payload

ISSUES = "/repos/octocat/Hello-World/issues"


def _closed_by_its_ticket(
    action: RemediationAction, tracker: TrackerConnection, number: str, *, closed_days_ago: float
) -> TicketLink:
    """A link whose ticket closed (and closed the item) `closed_days_ago`, last synced then."""
    link = TicketLink.objects.create(
        action=action,
        tracker=tracker,
        state=LinkState.OPEN,
        number=number,
        key=f"octocat/Hello-World#{number}",
    )
    ticket_state_apply(link=link, closed=True, status="closed")
    then = timezone.now() - timedelta(days=closed_days_ago)
    TicketLink.objects.filter(pk=link.pk).update(closed_at=then, last_synced_at=then)
    return TicketLink.objects.get(pk=link.pk)


def _github_issue(httpserver: HTTPServer, number: str, state: str, status: int = 200) -> None:
    issue = payload("github_issue") | {"number": int(number), "state": state}
    httpserver.expect_request(f"{ISSUES}/{number}").respond_with_json(issue, status=status)


def _fetched(httpserver: HTTPServer) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def _item(action: RemediationAction) -> tuple[str, str]:
    action.refresh_from_db()
    return action.status, action.completion_note


def test_a_closed_ticket_reopened_at_the_tracker_reopens_its_item(
    action: Any, github: Any, httpserver: HTTPServer
) -> None:
    _closed_by_its_ticket(action, github, "1347", closed_days_ago=2)
    assert _item(action) == ("done", "Closed in GitHub octocat/Hello-World#1347")
    _github_issue(httpserver, "1347", "open")  # reopened; the webhook never came

    assert tickets_reconcile() == {"checked": 1, "changed": 1, "failed": 0, "skipped": 0}

    # As the "reopened" webhook does: the item open again, by the system, the link open.
    assert _item(action) == ("open", "")
    assert action.completed_at is None
    latest = action.history.order_by("-history_date").first()
    assert (latest.status, latest.history_user) == ("open", None)
    link = TicketLink.objects.get(action=action)
    assert (link.state, link.remote_status, link.closed_at) == (LinkState.OPEN, "open", None)
    assert link.last_synced_at > timezone.now() - timedelta(minutes=1)
    # Open again, it is fetched at every run.
    assert tickets_reconcile()["checked"] == 1


def test_a_link_remembers_when_its_ticket_closed(action: Any, github: Any) -> None:
    link = TicketLink.objects.create(
        action=action, tracker=github, state=LinkState.OPEN, number="7", key="#7"
    )
    ticket_state_apply(link=link, closed=True, status="closed")
    closed_at = TicketLink.objects.get(pk=link.pk).closed_at
    assert closed_at is not None
    assert closed_at > timezone.now() - timedelta(minutes=1)
    ticket_state_apply(link=link, closed=True, status="closed")  # an edit of the closed ticket
    assert TicketLink.objects.get(pk=link.pk).closed_at == closed_at
    ticket_state_apply(link=link, closed=False, status="open")
    assert TicketLink.objects.get(pk=link.pk).closed_at is None


def test_a_closed_ticket_still_closed_changes_nothing_and_waits_an_hour(
    action: Any, github: Any, httpserver: HTTPServer
) -> None:
    _closed_by_its_ticket(action, github, "1347", closed_days_ago=3)
    _github_issue(httpserver, "1347", "closed")

    assert tickets_reconcile() == {"checked": 1, "changed": 0, "failed": 0, "skipped": 0}
    assert _item(action)[0] == "done"
    link = TicketLink.objects.get(action=action)
    assert link.closed_at < timezone.now() - timedelta(days=2)  # still when it closed, not when seen

    # Synced just now: the next runs within the hour leave it alone.
    assert tickets_reconcile()["checked"] == 0
    TicketLink.objects.filter(pk=link.pk).update(last_synced_at=timezone.now() - timedelta(minutes=61))
    assert tickets_reconcile()["checked"] == 1
    assert len(_fetched(httpserver)) == 2


def test_a_ticket_closed_long_ago_is_not_fetched(
    owner: Any, action: Any, incident: Any, github: Any, httpserver: HTTPServer, settings: Any
) -> None:
    recent = action_add(incident=incident, actor=owner, title="Write the runbook")
    _closed_by_its_ticket(action, github, "1347", closed_days_ago=31)
    _closed_by_its_ticket(recent, github, "1348", closed_days_ago=29)
    _github_issue(httpserver, "1347", "open")
    _github_issue(httpserver, "1348", "open")

    assert tickets_reconcile()["changed"] == 1

    assert _fetched(httpserver) == [f"{ISSUES}/1348"]
    assert _item(action)[0] == "done"  # left to the webhook
    assert _item(recent)[0] == "open"

    # The window is a setting; 0 leaves every closed ticket to webhooks.
    settings.HINDSIGHT = {**settings.HINDSIGHT, "TICKETS_RECHECK_CLOSED_DAYS": 40}
    assert tickets_reconcile()["changed"] == 1
    assert _item(action)[0] == "open"
    _closed_by_its_ticket(
        action_add(incident=incident, actor=owner, title="Page the right team"),
        github,
        "1349",
        closed_days_ago=1,
    )
    settings.HINDSIGHT = {**settings.HINDSIGHT, "TICKETS_RECHECK_CLOSED_DAYS": 0}
    httpserver.clear_log()
    tickets_reconcile()
    assert f"{ISSUES}/1349" not in _fetched(httpserver)


def test_the_limit_holds_and_every_link_gets_its_turn(
    owner: Any, incident: Any, github: Any, httpserver: HTTPServer
) -> None:
    numbers = ["101", "102", "103", "104", "105"]
    for index, number in enumerate(numbers):
        item = action_add(incident=incident, actor=owner, title=f"Follow-up {number}")
        if index % 2:
            _closed_by_its_ticket(item, github, number, closed_days_ago=1 + index)
        else:
            TicketLink.objects.create(
                action=item, tracker=github, state=LinkState.OPEN, number=number, key=f"#{number}"
            )
            TicketLink.objects.filter(number=number).update(
                last_synced_at=timezone.now() - timedelta(days=1 + index)
            )
        _github_issue(httpserver, number, "open" if index % 2 == 0 else "closed")

    runs = []
    for _ in range(3):
        httpserver.clear_log()
        result = tickets_reconcile(limit=2)
        runs.append(sorted(path.rsplit("/", 1)[1] for path in _fetched(httpserver)))
        assert result["checked"] == len(runs[-1]) <= 2

    # Least recently synced first (105 synced 5 days ago, …, 101 one day ago), each in its turn;
    # the closed ones (102, 104) are not fetched again within the hour.
    assert runs == [["104", "105"], ["102", "103"], ["101", "105"]]


def test_a_tracker_error_on_one_link_does_not_stop_the_others(
    owner: Any, action: Any, incident: Any, github: Any, jira: Any, httpserver: HTTPServer
) -> None:
    deleted = action_add(incident=incident, actor=owner, title="Deleted ticket")
    down = action_add(incident=incident, actor=owner, title="Jira ticket")
    _closed_by_its_ticket(deleted, github, "1", closed_days_ago=3)  # fetched first
    _closed_by_its_ticket(action, github, "1347", closed_days_ago=2)
    TicketLink.objects.create(action=down, tracker=jira, state=LinkState.OPEN, number="ED-24", key="ED-24")
    httpserver.expect_request(f"{ISSUES}/1").respond_with_json({"message": "Not Found"}, status=404)
    _github_issue(httpserver, "1347", "open")
    httpserver.expect_request("/rest/api/3/issue/ED-24").respond_with_json({}, status=503)

    assert tickets_reconcile() == {"checked": 1, "changed": 1, "failed": 2, "skipped": 0}

    assert _item(action) == ("open", "")  # reopened despite the deleted ticket before it
    assert _item(deleted)[0] == "done"
    assert TicketLink.objects.get(action=deleted).state == LinkState.CLOSED


def test_a_tracker_that_is_down_is_asked_once_per_run(
    owner: Any, action: Any, incident: Any, github: Any, jira: Any, httpserver: HTTPServer
) -> None:
    other = action_add(incident=incident, actor=owner, title="Write the runbook")
    on_jira = action_add(incident=incident, actor=owner, title="Jira ticket")
    for item, number in ((action, "1347"), (other, "1348")):
        TicketLink.objects.create(
            action=item, tracker=github, state=LinkState.OPEN, number=number, key=number
        )
    TicketLink.objects.create(action=on_jira, tracker=jira, state=LinkState.OPEN, number="ED-24", key="ED-24")
    TicketLink.objects.filter(tracker=jira).update(last_synced_at=timezone.now())  # last in line
    httpserver.expect_request(f"{ISSUES}/1347").respond_with_json({}, status=502)
    httpserver.expect_request(f"{ISSUES}/1348").respond_with_json({}, status=502)
    httpserver.expect_request("/rest/api/3/issue/ED-24").respond_with_json(
        payload("jira_issue") | {"key": "ED-24"}
    )

    assert tickets_reconcile() == {"checked": 1, "changed": 0, "failed": 1, "skipped": 1}
    assert _fetched(httpserver) == [f"{ISSUES}/1347", "/rest/api/3/issue/ED-24"]
