"""A responder runs an incident in a real browser: declare, three quick entries, a pin, a cause, an action."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from timeline.models import TimelineEvent


def quick_add(page: Any, when: str, body: str, kind: str = "note") -> None:
    count = page.locator("#timeline-events li.event").count()
    page.fill("#id_when", when)
    page.select_option("#id_kind", kind)
    page.fill("#id_body", body)
    page.click("#quick-add button[type=submit]")
    # htmx swaps the timeline in place; the new entry is there when the count grows.
    expect(page.locator("#timeline-events li.event")).to_have_count(count + 1)
    # …and the next entry must be typed into the fresh box, not the one being swapped out, once
    # htmx has finished settling it (until then its hx-post is not bound yet).
    expect(page.locator("#id_when")).to_have_value("")
    expect(page.locator("#id_body")).to_have_value("")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
    # What was stored is what was typed (the time read from `when`, not a stale one).
    stored = TimelineEvent.objects.get(body=body)
    assert stored.kind == kind
    if when:
        minutes = int(when.strip("-m"))
        expected = timezone.now() - timedelta(minutes=minutes)
        assert abs(expected - stored.occurred_at) < timedelta(minutes=1), (when, stored.occurred_at)
    else:
        assert timezone.now() - stored.occurred_at < timedelta(minutes=1), stored.occurred_at


@pytest.mark.browser
def test_a_responder_runs_an_incident_from_declaration_to_action_item(
    page: Any, sign_in: Any, owner: Any
) -> None:
    sign_in(owner)
    page.goto("/incidents/new/")
    page.fill("#id_title", "Checkout returns 502")
    page.check("input[name=severity][value=SEV2]")
    page.click("button:has-text('Declare incident')")
    page.wait_for_url(re.compile(r"/incidents/INC-\d+/$"))
    incident = Incident.objects.get(title="Checkout returns 502")
    assert page.locator("h1").inner_text().startswith(incident.reference)

    quick_add(page, "-10m", "Error-rate alert fired on checkout", kind="alert")
    quick_add(page, "", "Rolled back deploy 4182", kind="action")
    quick_add(page, "-5m", "Suspect the connection pool change", kind="decision")
    assert page.locator("#id_body").input_value() == ""  # a fresh box, ready for the next entry
    alert = TimelineEvent.objects.get(body="Error-rate alert fired on checkout")
    assert abs(timezone.now() - timedelta(minutes=10) - alert.occurred_at) < timedelta(minutes=1)

    rollback = TimelineEvent.objects.get(body="Rolled back deploy 4182")
    row = page.locator(f"#event-{rollback.pk}")
    row.locator("button:has-text('Pin')").click()
    page.wait_for_selector(f"#event-{rollback.pk}.pinned")
    assert "Rolled back deploy 4182" in page.locator("#key-events").inner_text()

    page.click("summary:has-text('Add a cause')")
    # Opening the box fetches a fresh form that offers the entries just added as evidence.
    page.wait_for_selector(f"input[name=cause-evidence][value='{rollback.pk}']")
    page.select_option("#id_cause-category", "change")
    page.select_option("#id_cause-role", "trigger")
    page.fill("#id_cause-description", "Deploy 4182 halved the connection pool.")
    page.check(f"input[name=cause-evidence][value='{rollback.pk}']")
    page.click("button:has-text('Add cause')")
    page.wait_for_selector("#causes .cause")

    page.click("summary:has-text('Add an action item')")
    page.fill("#id_action-title", "Canary stage for checkout deploys")
    page.select_option("#id_action-priority", "P1")
    page.fill("#id_action-owner", owner.username)
    page.click("button:has-text('Add action item')")
    page.wait_for_selector("#actions .action-item")

    page.reload()
    bodies = page.locator("#timeline-events li.event .event-body").all_inner_texts()
    mine = [
        body
        for body in bodies
        if body
        in (
            "Error-rate alert fired on checkout",
            "Suspect the connection pool change",
            "Rolled back deploy 4182",
        )
    ]
    assert mine == [
        "Error-rate alert fired on checkout",
        "Suspect the connection pool change",
        "Rolled back deploy 4182",
    ]
    assert page.locator(f"#event-{rollback.pk}.pinned").count() == 1
    cause = page.locator("#causes .cause").inner_text()
    assert "Trigger" in cause
    assert "Suspected" in cause
    assert "Deploy 4182 halved the connection pool." in cause
    action = page.locator("#actions .action-item").inner_text()
    assert "Canary stage for checkout deploys" in action
    assert "P1" in action
    assert page.dialogs == []


@pytest.mark.browser
def test_an_expired_session_sends_the_responder_to_sign_in_and_back(
    page: Any, sign_in: Any, owner: Any, incident: Any
) -> None:
    sign_in(owner)
    page.goto(incident.get_absolute_url())
    page.wait_for_load_state("networkidle")  # the cards htmx loads after the page are in
    context = page.context
    keep = [cookie for cookie in context.cookies() if cookie["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(keep)
    page.fill("#id_body", "Typed after the session expired")
    page.click("#quick-add button[type=submit]")
    page.wait_for_url(re.compile(r"/login/\?next="))
    # The sign-in page replaced the whole page, not the timeline, and leads back to the incident.
    assert page.locator("#timeline").count() == 0
    page.fill("#id_username", owner.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(incident.get_absolute_url()) + "$"))
    assert not TimelineEvent.objects.filter(body="Typed after the session expired").exists()
