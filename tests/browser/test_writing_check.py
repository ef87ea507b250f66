"""A postmortem author in a real browser: blame language is flagged under the section, and a
dismissed flag stays hidden."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import IncidentFactory


@pytest.mark.browser
def test_the_editor_flags_blame_and_dismissing_hides_the_flag(page: Any, sign_in: Any, owner: Any) -> None:
    incident = IncidentFactory(title="Checkout errors", status="resolved", commander=owner, reporter=owner)
    sign_in(owner)
    page.goto(f"/incidents/{incident.reference}/postmortem/")
    summary = page.locator("#section-summary")
    summary.locator("details summary").click()
    summary.locator("textarea").fill("Human error. The on-call should have checked the canary first.")
    summary.locator("details button[type=submit]").click()

    # Saved (flags never block) and flagged, with the reason and a suggestion.
    page.wait_for_selector("[data-testid=body-summary] >> text=should have checked")
    human_error = page.locator("[data-testid=flag-summary-human-error]")
    assert human_error.is_visible()
    assert "names who rather than what" in human_error.inner_text()
    assert page.locator("[data-testid=flag-summary-should-have]").is_visible()

    human_error.get_by_role("button", name="Dismiss").click()
    page.wait_for_selector("text=Flag dismissed.")
    assert page.locator("[data-testid=flag-summary-human-error]").count() == 0
    assert page.locator("[data-testid=flag-summary-should-have]").is_visible()

    page.reload()
    assert page.locator("[data-testid=flag-summary-human-error]").count() == 0
    assert page.locator("[data-testid=flag-summary-should-have]").is_visible()
