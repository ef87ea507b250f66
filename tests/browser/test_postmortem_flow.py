"""A postmortem author in a real browser: generate, write the summary, regenerate, keep the words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery_app import app
from tests.factories import IncidentFactory, TimelineEventFactory


@pytest.fixture
def worker(transactional_db: Any) -> Any:
    import incidents.tasks  # noqa: F401 — registers hindsight.jobs.run

    # No queue list: like `celery -A config worker`, it consumes every queue the app declares.
    with start_worker(app, pool="solo", perform_ping_check=False):
        yield


@pytest.mark.browser
def test_regenerating_keeps_the_summary_the_author_wrote(
    page: Any, sign_in: Any, owner: Any, worker: Any
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    started = timezone.now() - timedelta(hours=3)
    incident = IncidentFactory(
        title="Search is down",
        status="resolved",
        commander=owner,
        reporter=owner,
        started_at=started,
        detected_at=started + timedelta(minutes=4),
        resolved_at=started + timedelta(hours=1),
    )
    TimelineEventFactory(
        incident=incident,
        occurred_at=started + timedelta(minutes=20),
        body="Restarted the index",
        is_key=True,
    )
    sign_in(owner)
    page.goto(f"/incidents/{incident.reference}/postmortem/")

    page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=job-status]")  # visible progress
    page.wait_for_selector("[data-testid=body-timeline] >> text=Restarted the index", timeout=30_000)

    summary = page.locator("#section-summary")
    summary.locator("summary").click()
    summary.locator("textarea").fill("Search was down for an hour because **the index** filled its disk.")
    page.wait_for_selector("#preview-summary strong")  # live preview through the renderer
    summary.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=body-summary] >> text=filled its disk")

    TimelineEventFactory(
        incident=incident, occurred_at=started + timedelta(minutes=40), body="Freed disk space", is_key=True
    )
    page.click("[data-testid=generate]")
    page.wait_for_selector("[data-testid=body-timeline] >> text=Freed disk space", timeout=30_000)

    assert "filled its disk" in page.inner_text("[data-testid=body-summary]")
    assert "Restarted the index" in page.inner_text("[data-testid=body-timeline]")
    assert violations == []
