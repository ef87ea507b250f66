"""Similar past incidents in Chromium: suggestions appear under the declare form's title as it is
typed, and the incident page's card fills in after the page; both axe-clean."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.test_accessibility import axe_violations
from tests.factories import CauseFactory, IncidentFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def history(_roles: None) -> dict[str, Any]:
    responder = UserFactory(username="maya", first_name="Maya", last_name="Chen", role="responder")
    api = ServiceFactory(name="payments-api")
    started = timezone.now() - timedelta(days=20)
    before = IncidentFactory(
        title="Card payments time out at checkout",
        started_at=started,
        detected_at=started,
        services=[api],
        commander=responder,
    )
    CauseFactory(incident=before, category="capacity", status="confirmed")
    now = IncidentFactory(title="Payments API errors", services=[api], commander=responder)
    CauseFactory(incident=now, category="capacity")
    return {"responder": responder, "before": before, "now": now}


def test_declaring_suggests_past_incidents_and_the_page_shows_them(
    page: Any, sign_in: Any, history: dict
) -> None:
    sign_in(history["responder"])
    page.goto("/incidents/new/")
    page.fill("#id_title", "Card payments time out again")
    suggestions = page.locator("#similar-draft")
    suggestions.get_by_text("Seen before?").wait_for()
    assert history["before"].reference in suggestions.inner_text()
    assert "similar title" in suggestions.inner_text()
    assert axe_violations(page) == []

    page.goto(f"/incidents/{history['now'].reference}/")
    card = page.locator("#similar-incidents")
    card.get_by_text("Matched on").wait_for()
    assert history["before"].reference in card.inner_text()
    assert "service: payments-api, cause: capacity" in card.inner_text()
    assert axe_violations(page) == []
