"""A kept incident page (incidents/response_cache.py) works in a real browser: its forms carry the
browser's own CSRF token, and what is written through them shows at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from incidents import services
from incidents.response_cache import STATUS_HEADER
from tests.browser.test_incident_flow import quick_add

pytestmark = [
    pytest.mark.browser,
    pytest.mark.alone,  # see tests/performance/test_response_cache.py: until_kept
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kept pages need PostgreSQL"),
]


def reload_until_kept(page: Any, seconds: float = 20) -> None:
    """Reload until the page is served kept: any write in the PostgreSQL cluster moves the snapshot
    on, so it may take a few reloads (see until_kept in tests/performance/test_response_cache.py)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.reload().headers[STATUS_HEADER.lower()] == "hit":
            return
    pytest.fail(f"never served kept in {seconds} s of reloads: is something writing to the cluster?")


def test_a_kept_page_takes_quick_entries_and_shows_them(page: Any, sign_in: Any, owner: Any) -> None:
    incident = services.incident_declare(actor=owner, title="Chat assistant unavailable", severity="SEV1")
    sign_in(owner)
    url = incident.get_absolute_url()
    page.goto(url)
    reload_until_kept(page)

    quick_add(page, "", "Rolled back the **model gateway**")  # the form of the kept page
    expect(page.locator("#timeline-events")).to_contain_text("Rolled back the model gateway")
    fresh = page.goto(url)
    assert fresh.headers[STATUS_HEADER.lower()] == "miss"
    expect(page.locator("#timeline-events")).to_contain_text("Rolled back the model gateway")

    # A full form post (no htmx) from a kept page is accepted too.
    reload_until_kept(page)
    page.fill("#id_body", "Error rate back under 0.1%")
    with page.expect_navigation():
        page.evaluate("document.querySelector('#quick-add').submit()")  # skips htmx's handler
    expect(page.locator("#timeline-events")).to_contain_text("Error rate back under 0.1%")
    assert "Forbidden" not in page.content()
    assert page.dialogs == []
