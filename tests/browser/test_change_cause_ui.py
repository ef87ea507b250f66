"""One click from a change to a suspected cause in Chromium: "Suspect this change" on the incident
page's changes card, then the cause with its evidence in the causes panel; axe-clean before and after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents.services.changes import change_event_record
from tests.browser.test_accessibility import axe_violations
from tests.factories import IncidentFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.browser


def test_a_responder_suspects_a_deploy_and_sees_the_cause(page: Any, sign_in: Any) -> None:
    responder = UserFactory(username="maya", first_name="Maya", last_name="Chen", role="responder")
    started = timezone.now() - timedelta(minutes=40)
    incident = IncidentFactory(
        title="Checkout errors after lunch",
        services=[ServiceFactory(name="checkout")],
        started_at=started,
        detected_at=started,
        commander=responder,
    )
    change_event_record(
        service="checkout",
        summary="Deployed main (f95f852) to production",
        kind="deploy",
        at=started - timedelta(minutes=7),
        url="https://ci.example.com/runs/4182",
        author="deploy-bot",
        source="github",
    )
    sign_in(responder)
    page.goto(f"/incidents/{incident.reference}/")
    card = page.locator("#changes")
    assert "Deployed main (f95f852) to production" in card.inner_text()
    assert axe_violations(page) == []

    card.get_by_role("button", name="Suspect this change").click()

    causes = page.locator("#causes")
    causes.get_by_text("Suspected change at").wait_for()
    assert "Suspected" in causes.inner_text()
    assert "Change" in causes.inner_text()
    assert "Evidence:" in causes.inner_text()
    assert card.get_by_role("button", name="Suspect this change").count() == 0
    assert card.get_by_role("link", name="Suspected cause").is_visible()
    assert "Deploy of checkout" in page.locator("#timeline").inner_text()
    assert axe_violations(page) == []
