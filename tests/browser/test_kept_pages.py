"""A kept incident page (incidents/response_cache.py) works in a real browser: its forms carry the
browser's own CSRF token, and what is written through them shows at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from incidents import services
from incidents.response_cache import STATUS_HEADER
from tests.browser.test_incident_flow import quick_add

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kept pages need PostgreSQL"),
]


def test_a_kept_page_takes_quick_entries_and_shows_them(page: Any, sign_in: Any, owner: Any) -> None:
    incident = services.incident_declare(actor=owner, title="Chat assistant unavailable", severity="SEV1")
    sign_in(owner)
    url = incident.get_absolute_url()
    page.goto(url)
    kept = page.reload()
    assert kept.headers[STATUS_HEADER.lower()] == "hit"

    quick_add(page, "", "Rolled back the **model gateway**")  # the form of the kept page
    expect(page.locator("#timeline-events")).to_contain_text("Rolled back the model gateway")
    fresh = page.goto(url)
    assert fresh.headers[STATUS_HEADER.lower()] == "miss"
    expect(page.locator("#timeline-events")).to_contain_text("Rolled back the model gateway")

    # A full form post (no htmx) from a kept page is accepted too.
    assert page.reload().headers[STATUS_HEADER.lower()] == "hit"
    page.fill("#id_body", "Error rate back under 0.1%")
    with page.expect_navigation():
        page.evaluate("document.querySelector('#quick-add').submit()")  # skips htmx's handler
    expect(page.locator("#timeline-events")).to_contain_text("Error rate back under 0.1%")
    assert "Forbidden" not in page.content()
    assert page.dialogs == []
