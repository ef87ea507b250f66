"""Dashboard, incident list filters, action-item tabs and the History tab."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from incidents import services
from tests.factories import IncidentFactory, RemediationActionFactory, ServiceFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_dashboard_shows_active_incidents_my_items_and_overdue_items(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    resolved = IncidentFactory(title="Old and done", status="resolved", resolved_at=timezone.now())
    RemediationActionFactory(
        incident=busy_incident, title="Long overdue", due_date=timezone.localdate() - timedelta(days=3)
    )
    page = client_for(owner).get(reverse("dashboard")).content.decode()
    assert busy_incident.title in page
    assert resolved.title not in page
    assert "Canary deploys for checkout" in page  # mine
    assert "Long overdue" in page


def test_the_incident_list_filters_by_severity_status_service_and_text(client_for: Any, owner: Any) -> None:
    db = ServiceFactory(name="database")
    IncidentFactory(title="Disk full", severity="SEV1", services=[db])
    IncidentFactory(title="Slow search", severity="SEV3", status="resolved")
    client = client_for(owner)
    url = reverse("incident-list")

    def titles(params: dict[str, Any]) -> str:
        return client.get(url, params, **HTMX).content.decode()

    assert "Disk full" in titles({"severity": "SEV1"})
    assert "Slow search" not in titles({"severity": "SEV1"})
    assert "Slow search" in titles({"status": "resolved"})
    assert "Disk full" not in titles({"status": "resolved"})
    assert "Disk full" in titles({"service": "database"})
    assert "Slow search" not in titles({"service": "database"})
    assert "Slow search" in titles({"q": "search"})
    assert "Disk full" not in titles({"q": "search"})


def test_the_incident_list_filters_by_start_time_and_reports_bad_dates(client_for: Any, owner: Any) -> None:
    IncidentFactory(title="Last month", started_at=timezone.now() - timedelta(days=30))
    IncidentFactory(title="This morning", started_at=timezone.now() - timedelta(hours=3))
    client = client_for(owner)
    since = (timezone.localtime() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page = client.get(reverse("incident-list"), {"started_after": since}, **HTMX).content.decode()
    assert "This morning" in page
    assert "Last month" not in page
    bad = client.get(reverse("incident-list"), {"started_after": "yesterdayish"}, **HTMX).content.decode()
    assert "Enter a valid date/time." in bad


def test_the_incident_list_paginates(client_for: Any, owner: Any) -> None:
    for n in range(30):
        IncidentFactory(title=f"Paged incident {n}")
    client = client_for(owner)
    first = client.get(reverse("incident-list")).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(reverse("incident-list"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


def test_list_pages_issue_a_constant_number_of_queries(
    client_for: Any, owner: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        incident = IncidentFactory(title=f"Q {n}", services=[ServiceFactory(name=f"svc{n}")], commander=owner)
        RemediationActionFactory(incident=incident, owner=owner)
    client = client_for(owner)
    for name in ("dashboard", "incident-list", "action-list"):
        client.get(reverse(name))
        with django_assert_max_num_queries(20):
            assert client.get(reverse(name)).status_code == 200


def test_action_item_tabs_mine_all_overdue_and_filters(client_for: Any, owner: Any, incident: Any) -> None:
    other = UserFactory(username="otto", role="responder")
    RemediationActionFactory(incident=incident, title="Mine open", owner=owner)
    RemediationActionFactory(
        incident=incident, title="Mine done", owner=owner, status="done", completion_note="ok"
    )
    RemediationActionFactory(
        incident=incident, title="Otto late", owner=other, due_date=timezone.localdate() - timedelta(days=1)
    )
    client = client_for(owner)
    url = reverse("action-list")
    mine = client.get(url).content.decode()
    assert "Mine open" in mine
    assert "Mine done" not in mine
    assert "Otto late" not in mine
    everything = client.get(url, {"tab": "all"}).content.decode()
    assert all(title in everything for title in ("Mine open", "Mine done", "Otto late"))
    overdue = client.get(url, {"tab": "overdue"}).content.decode()
    assert "Otto late" in overdue
    assert "Mine open" not in overdue
    by_owner = client.get(url, {"tab": "all", "owner": "otto"}, **HTMX).content.decode()
    assert "Otto late" in by_owner
    assert "Mine open" not in by_owner
    by_status = client.get(url, {"tab": "all", "status": "done"}, **HTMX).content.decode()
    assert "Mine done" in by_status
    assert "Mine open" not in by_status


def test_the_history_tab_shows_who_changed_what_before_and_after(
    client_for: Any, owner: Any, incident: Any
) -> None:
    services.incident_update(
        incident=incident, actor=owner, data={"severity": "SEV1", "title": "Search down"}
    )
    page = client_for(owner).get(reverse("incident-history", args=[incident.reference])).content.decode()
    assert "olivia</bdi></strong> changed incident" in page
    assert (
        '<th scope="row">Severity</th><td class="before">SEV2 · major</td>'
        '<td aria-hidden="true">→</td><td class="after">SEV1 · critical</td>' in page
    )
    assert '<td class="before">Search latency</td>' in page


def test_the_history_tab_covers_causes_actions_and_edited_entries(
    client_for: Any, owner: Any, busy_incident: Any, event: Any
) -> None:
    from timeline.services import timeline_event_update

    old = event.body
    timeline_event_update(event=event, actor=owner, data={"body": "Corrected text"})
    cause = busy_incident.causes.get()
    services.cause_update(cause=cause, actor=owner, data={"status": "ruled_out"})
    page = client_for(owner).get(reverse("incident-history", args=[busy_incident.reference])).content.decode()
    assert f'<td class="before">{old}</td>' in page
    assert '<td class="after">Corrected text</td>' in page
    assert (
        '<td class="before">Suspected</td><td aria-hidden="true">→</td><td class="after">Ruled out</td>'
        in page
    )
    assert "created action item" in page


def test_the_history_tab_reads_as_names_titles_and_labels_in_the_viewers_zone(
    client_for: Any, owner: Any, busy_incident: Any, event: Any
) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from incidents.services.accounts import profile_update

    owner.first_name, owner.last_name = "Olivia", "Stone"
    owner.save()
    profile_update(user=owner, data={"timezone": "America/New_York"})
    cause = busy_incident.causes.get()
    services.cause_update(cause=cause, actor=owner, data={"evidence": [event.pk]})
    detected = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    services.incident_update(
        incident=busy_incident,
        actor=owner,
        data={"detected_at": detected, "services": ["checkout", "search"]},
    )
    page = client_for(owner).get(reverse("incident-history", args=[busy_incident.reference])).content.decode()
    assert "Olivia Stone</bdi></strong> changed incident" in page
    assert '<th scope="row">Detected at</th>' in page
    assert "detected_at" not in page
    in_new_york = detected.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M %Z")
    assert f'<td class="after">{in_new_york}</td>' in page
    assert '<td class="after">checkout; search</td>' in page  # services by name, not by id
    assert f'<td class="after">{event.body}</td>' in page  # evidence by the entry's text
    assert not re.search(r"#\d+\b", page.split('class="history"')[1])  # no bare record ids


def test_the_history_tab_pages_with_a_constant_number_of_queries(
    client_for: Any, owner: Any, busy_incident: Any, django_assert_max_num_queries: Any
) -> None:
    from timeline.services import timeline_event_add

    for n in range(150):
        timeline_event_add(incident=busy_incident, actor=owner, body=f"note {n}")
    client = client_for(owner)
    url = reverse("incident-history", args=[busy_incident.reference])
    with django_assert_max_num_queries(30):
        page = client.get(url).content.decode()
    assert "Show older changes" in page
    assert page.count('class="history-entry') == 100
    cursor = page.split("?before=")[1].split('"')[0]
    older = client.get(url + "?before=" + cursor, **HTMX).content.decode()
    assert "note 0" in older
    assert "note 149" not in older


def test_the_incident_page_issues_the_same_queries_however_much_it_holds(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(owner)
    url = reverse("incident-detail", args=[busy_incident.reference])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    event = busy_incident.events.first()
    for n in range(15):
        cause = services.cause_add(
            incident=busy_incident, actor=owner, category="software", description=f"Bug {n}", evidence=[event]
        )
        services.action_add(
            incident=busy_incident, actor=owner, title=f"Fix {n}", owner=owner, causes=[cause]
        )
        services.status_update_post(incident=busy_incident, actor=owner, message=f"Update {n}")
    with CaptureQueriesContext(connection) as large:
        page = client.get(url).content.decode()
    assert "Bug 14" in page
    assert "Fix 14" in page
    assert len(large.captured_queries) <= len(small.captured_queries)
