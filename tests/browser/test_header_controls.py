"""Issue #17 items 8, 9, 10, 12, 13 in real Chromium: header controls, roles, the detection offer,
immediate notifications and the demo's finished story."""

from __future__ import annotations

from datetime import UTC, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident, IncidentRole, Profile
from tests.factories import IncidentFactory, UserFactory


def choose(page: Any, menu: str, value: str) -> None:
    """Pick `value` in a header menu and wait until the header the server sent back is in place."""
    with page.expect_response(lambda response: "/header/" in response.url):
        page.select_option(menu, value)
    expect(page.locator("#incident-header.htmx-settling")).to_have_count(0)
    expect(page.locator(menu)).to_have_value(value)


@pytest.fixture
def people(_roles: None) -> dict[str, Any]:
    olivia = UserFactory(username="olivia", first_name="Olivia", last_name="Park", role="responder")
    maya = UserFactory(username="maya", first_name="Maya", last_name="Chen", role="responder")
    vera = UserFactory(username="vera", first_name="Vera", last_name="Viewer", role="viewer")
    return {"olivia": olivia, "maya": maya, "vera": vera}


@pytest.fixture
def incident(people: dict[str, Any]) -> Incident:
    return IncidentFactory(title="Search latency", commander=people["olivia"], reporter=people["olivia"])


@pytest.mark.browser
def test_status_severity_and_roles_change_from_the_header_in_one_click(
    page: Any, sign_in: Any, people: dict[str, Any], incident: Incident
) -> None:
    sign_in(people["olivia"])
    page.goto(f"/incidents/{incident.reference}/")
    choose(page, "#header-severity", "SEV1")
    choose(page, "#header-role-scribe", "maya")
    choose(page, "#header-role-communications_lead", "maya")

    # Resolving sets resolved_at and offers to correct it, right there in the header.
    choose(page, "#header-status", "resolved")
    prompt = page.locator("#milestone-prompt")
    expect(prompt).to_contain_text("Resolved time set to")
    expect(page.locator("#milestones")).not_to_contain_text("Resolved —")
    # The timeline reloads with the system entries the changes wrote.
    expect(page.locator("#timeline-events")).to_contain_text("Status changed from Investigating to Resolved.")
    expect(page.locator("#timeline-events")).to_contain_text("Scribe changed from nobody to maya.")

    incident.refresh_from_db()
    earlier = timezone.localtime(incident.resolved_at - timedelta(minutes=15), timezone=UTC)
    page.fill("#milestone-prompt-value", earlier.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#milestone-prompt button")
    expect(page.locator("#milestone-prompt")).to_have_count(0)
    incident.refresh_from_db()
    assert (incident.severity, incident.status) == ("SEV1", "resolved")
    assert abs((incident.resolved_at - earlier).total_seconds()) < 1
    assert IncidentRole.objects.filter(incident=incident, user=people["maya"]).count() == 2


@pytest.mark.browser
def test_a_bad_change_shows_an_error_and_changes_nothing(
    page: Any, sign_in: Any, people: dict[str, Any], incident: Incident
) -> None:
    sign_in(people["olivia"])
    page.goto(f"/incidents/{incident.reference}/")
    # Someone else edits first: this header is stale, and its change is refused.
    Incident.objects.filter(pk=incident.pk).update(version=incident.version + 1)
    page.select_option("#header-severity", "SEV4")
    expect(page.locator("#header-error")).to_contain_text("Someone else changed this incident")
    expect(page.locator("#header-severity")).to_have_value("SEV2")
    incident.refresh_from_db()
    assert incident.severity == "SEV2"


@pytest.mark.browser
def test_viewers_see_plain_text_in_the_header(
    page: Any, sign_in: Any, people: dict[str, Any], incident: Incident
) -> None:
    sign_in(people["vera"])
    page.goto(f"/incidents/{incident.reference}/")
    expect(page.locator(".incident-header select")).to_have_count(0)
    expect(page.locator(".incident-header .role-commander dd")).to_have_text("Olivia Park")
    expect(page.locator(".incident-header .role-scribe dd")).to_have_text("nobody")


@pytest.mark.browser
def test_an_earlier_alert_offers_to_move_detected_and_one_click_does_it(
    page: Any, sign_in: Any, people: dict[str, Any], incident: Incident
) -> None:
    sign_in(people["olivia"])
    page.goto(f"/incidents/{incident.reference}/")
    detected = incident.detected_at
    alert_at = timezone.localtime(detected - timedelta(minutes=3), timezone=UTC)
    page.select_option("#id_kind", "alert")
    page.fill("#id_when", alert_at.strftime("%Y-%m-%d %H:%M"))
    page.fill("#id_body", "p99 latency alert fired")
    page.keyboard.press("Control+Enter")
    offer = page.locator("#detection-prompt")
    expect(offer).to_contain_text("earlier than the incident's detected time")
    incident.refresh_from_db()
    assert incident.detected_at == detected, "never moved without the click"
    offer.locator("button").click()
    expect(page.locator("#detection-prompt")).to_be_empty()
    expect(page.locator("#timeline-events")).to_contain_text("Detected time changed from")
    incident.refresh_from_db()
    assert incident.detected_at == alert_at.replace(second=0, microsecond=0)


@pytest.mark.browser
def test_being_named_commander_at_night_rings_the_bell_at_once(
    page: Any, sign_in: Any, people: dict[str, Any], incident: Incident
) -> None:
    from incidents.jobs import job_run
    from incidents.models import Job

    maya = people["maya"]
    # Quiet all day long: email would wait, the bell must not.
    Profile.objects.filter(user=maya).update(
        quiet_hours_start=time(0, 0),
        quiet_hours_end=time(23, 59),
        quiet_weekends=True,
    )
    sign_in(people["olivia"])
    page.goto(f"/incidents/{incident.reference}/")
    choose(page, "#header-role-commander", "maya")
    for job in Job.objects.filter(name="reminders.role_assigned"):
        job_run(job_id=str(job.pk))
    page.goto("about:blank")  # nothing of Olivia's page still loading when her cookies go
    page.context.clear_cookies()
    sign_in(maya)
    page.goto("/notifications/")
    expect(page.locator("main")).to_contain_text(
        f"Olivia Park named you incident commander of {incident.reference}"
    )


@pytest.mark.browser
def test_the_demo_has_a_published_postmortem_whose_read_page_opens(page: Any, sign_in: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("load_demo", stdout=StringIO())
    closed = Incident.objects.get(status="closed")
    page = sign_in(get_user_model().objects.get(username="viewer"), password="hindsight-demo")
    page.goto(f"/incidents/{closed.reference}/")
    page.get_by_role("link", name="Read the postmortem").click()
    expect(page).to_have_url(
        f"{page.url.split('/incidents/')[0]}/incidents/{closed.reference}/postmortem/read/"
    )
    expect(page.locator("main")).to_contain_text(
        "A failover is not finished until every client has followed it"
    )
    expect(page.locator("textarea")).to_have_count(0)
    page.goto("/status/")
    expect(page.locator("main")).to_contain_text("Mobile app cannot connect")
