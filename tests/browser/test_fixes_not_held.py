"""A fix that did not hold, as a responder meets it in Chromium: the card on the new incident, the
link to the earlier one and the card there, the repeat figures on insights; axe-clean."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.test_accessibility import axe_violations
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def repeat(_roles: None) -> dict[str, Any]:
    from incidents.services.causes import cause_add
    from tests.broadcasts.conftest import run_jobs

    responder = UserFactory(username="maya", first_name="Maya", last_name="Chen", role="responder")
    now = timezone.now()
    api = ServiceFactory(name="payments-api")
    earlier = IncidentFactory(
        title="Payments time out under load",
        started_at=now - timedelta(days=40),
        services=[api],
        commander=responder,
    )
    CauseFactory(incident=earlier, category="capacity", status="confirmed")
    RemediationActionFactory(
        incident=earlier,
        kind="prevent",
        status="done",
        completed_at=now - timedelta(days=30),
        completion_note="Autoscaling on queue depth is live",
        title="Autoscale the payments workers",
        owner=responder,
    )
    again = IncidentFactory(
        title="Payments time out again",
        started_at=now - timedelta(hours=2),
        services=[api],
        commander=responder,
    )
    cause_add(
        incident=again, actor=responder, category="capacity", status="confirmed", description="Queue backlog"
    )
    run_jobs("insights.")
    return {"responder": responder, "earlier": earlier, "again": again}


def test_the_repeat_is_said_on_both_pages_and_counted_in_insights(
    page: Any, sign_in: Any, repeat: dict
) -> None:
    sign_in(repeat["responder"])
    page.goto(f"/incidents/{repeat['again'].reference}/")
    card = page.locator("#fixes-not-held")
    assert card.locator("h2").inner_text() == "A fix did not hold"
    assert "Autoscale the payments workers" in card.inner_text()
    assert axe_violations(page) == []

    card.get_by_role("link", name=repeat["earlier"].reference).click()
    page.wait_for_url(f"**/incidents/{repeat['earlier'].reference}/")
    back = page.locator("#fixes-not-held")
    assert back.locator("h2").inner_text() == "Its fixes did not hold"
    assert repeat["again"].reference in back.inner_text()

    page.goto("/insights/")
    assert "repeated an earlier one" in page.locator("#repeat-rate").inner_text()
    prevent = page.locator("#table-repeats-by-kind tr", has_text="Prevent")
    assert prevent.locator("td").all_inner_texts() == ["1", "1", "100%"]
    assert axe_violations(page) == []
