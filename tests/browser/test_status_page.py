"""The public status page in a real browser: services with their uptime bars, maintenance, email sign-up.

The outside world is email only: Django's locmem backend catches what would be sent, and the test
follows the links in it as the reader would.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.insights.maintenance import maintenance_schedule
from incidents.insights.uptime import window_start
from incidents.models import Service, StatusUpdate
from tests.broadcasts.conftest import run_jobs
from tests.factories import UserFactory

HOUR = timedelta(hours=1)


def link_in(body: str, path: str) -> str:
    match = re.search(rf"https?://[^\s\"<>]+({re.escape(path)}[^\s\"<>]*)", body)
    assert match, f"no {path} link in {body!r}"
    return match.group(1)


@pytest.fixture
def history(_roles: None) -> dict[str, Any]:
    """A resolved public outage three days ago, a private one, and maintenance now and next week."""
    cache.clear()  # sign-up rate limits
    responder = UserFactory(username="maya", role="responder")
    Service.objects.create(name="search", public=True)
    now = timezone.now()
    day = window_start(now) + timedelta(days=86, hours=10)  # three days before today, 10:00 UTC
    outage = services.incident_declare(
        actor=responder, title="Card payments fail", severity="SEV1", services=["checkout"], started_at=day
    )
    services.status_update_post(
        incident=outage, actor=responder, message="Payments fail.", audience="public", posted_at=day
    )
    services.status_update_post(
        incident=outage,
        actor=responder,
        message="Fixed.",
        audience="public",
        status="resolved",
        posted_at=day + 2 * HOUR,
    )
    secret = services.incident_declare(
        actor=responder,
        title="Vault breach",
        severity="SEV1",
        services=["checkout"],
        private=True,
        started_at=day,
    )
    StatusUpdate.objects.create(
        incident=secret, audience="public", status="investigating", message="Vault down", posted_at=day
    )
    for title, start in (("Cache resize", now - HOUR), ("Database upgrade", now + timedelta(days=7))):
        maintenance_schedule(
            actor=responder,
            title=title,
            description="Checkout may be slow.",
            services=["checkout"],
            starts_at=start,
            ends_at=start + 3 * HOUR,
        )
    return {"responder": responder, "outage": outage, "day": day}


@pytest.mark.browser
def test_the_status_page_shows_uptime_bars_and_maintenance(page: Any, history: dict[str, Any]) -> None:
    page.goto("/status/")
    checkout = page.locator('li.service-state[data-service="checkout"]')
    expect(checkout.locator(".uptime-day")).to_have_count(90)
    expect(page.locator('li.service-state[data-service="search"] .uptime-day')).to_have_count(90)
    outage_day = checkout.locator(f'.uptime-day[data-day="{history["day"].date().isoformat()}"]')
    expect(outage_day).to_have_attribute("data-state", "major_outage")
    expect(outage_day).to_have_attribute(
        "title", re.compile("Major outage — \u2068Card payments fail\u2069 \\(INC-\\d+\\)")
    )
    # The day's text is in the accessibility tree (a screen reader reads it), not only on hover.
    expect(page.get_by_role("list", name="checkout, day by day over the last 90 days")).to_be_visible()
    expect(outage_day.locator(".visually-hidden")).to_have_text(re.compile("Major outage"))
    expect(checkout.locator(".uptime-percent")).to_have_text(re.compile(r"^99\.\d\d% uptime$"))
    expect(page.locator('li.service-state[data-service="search"] .uptime-percent')).to_have_text(
        "100% uptime"
    )
    # Drawn as a bar: the 90 days share the row, the outage day in its colour.
    box = checkout.locator(".uptime-bar").bounding_box()
    assert box is not None
    assert box["width"] > 600
    colour = outage_day.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(183, 28, 28)"

    expect(page.get_by_role("heading", name="Maintenance in progress")).to_be_visible()
    expect(
        page.locator("section", has=page.get_by_role("heading", name="Maintenance in progress"))
    ).to_contain_text("Cache resize")
    expect(
        page.locator("section", has=page.get_by_role("heading", name="Scheduled maintenance"))
    ).to_contain_text("Database upgrade")
    expect(checkout.locator(".maintenance-badge")).to_have_text("Under maintenance")
    assert "Vault" not in page.content()


@pytest.mark.browser
def test_a_reader_subscribes_confirms_gets_an_update_and_leaves_in_one_click(
    page: Any, history: dict[str, Any]
) -> None:
    page.goto("/status/")
    page.fill("#id_subscribe_email", "reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("main")).to_contain_text("Check your inbox")
    run_jobs()
    [confirmation] = mail.outbox
    page.goto(link_in(confirmation.body, "/status/subscribe/confirm/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("main")).to_contain_text("Subscribed")

    services.status_update_post(
        incident=history["outage"],
        actor=history["responder"],
        message="A follow-up: the card processor confirmed the cause.",
        audience="public",
        status="resolved",
    )
    run_jobs()
    update = mail.outbox[-1]
    assert update.to == ["reader@example.org"]
    assert "card processor" in update.body
    unsubscribe = link_in(update.body, "/status/unsubscribe/")
    assert update.extra_headers["List-Unsubscribe"].endswith(f"{unsubscribe}>")
    page.goto(unsubscribe)
    page.get_by_role("button", name="Unsubscribe reader@example.org").click()
    expect(page.get_by_role("heading", name="Unsubscribed")).to_be_visible()
