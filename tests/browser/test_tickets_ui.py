"""Ticket sync as an editor meets it in Chromium, on the incident page's action items: "Create
ticket in …" then the link once the outbox job has run; "Link existing ticket…" with a bad address
shows the form error, and a good one links the ticket. GitHub is a local pytest-httpserver answering
with its documented payloads; the queued job runs from the test thread, as a worker would."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.browser.test_accessibility import axe_violations
from tests.tickets.conftest import action, github, payload, run_ticket_jobs  # noqa: F401 — fixtures

pytestmark = pytest.mark.browser

ISSUES = "/repos/octocat/Hello-World/issues"


@pytest.fixture(autouse=True)
def _tracker_settings(settings: Any) -> None:
    settings.HINDSIGHT = {**settings.HINDSIGHT, "TICKETS_TIMEOUT": 2, "TICKETS_MAX_ATTEMPTS": 3}
    settings.SITE_URL = "https://hindsight.example.com"


def test_an_editor_creates_a_ticket_and_the_item_shows_its_link(
    page: Any,
    sign_in: Any,
    owner: Any,
    action: Any,  # noqa: F811
    github: Any,  # noqa: F811
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(ISSUES, method="POST").respond_with_json(payload("github_issue"), status=201)
    sign_in(owner)
    page.goto(f"/incidents/{action.incident.reference}/")
    item = page.locator(f"#action-{action.pk}")
    assert axe_violations(page) == []

    item.get_by_role("button", name="Create ticket in GitHub Hello-World").click()
    page.wait_for_url(f"**/incidents/{action.incident.reference}/#action-{action.pk}")
    ticket = item.locator(f"#ticket-{action.pk}")
    assert "being created in GitHub Hello-World" in ticket.inner_text()
    assert item.get_by_role("button", name="Create ticket in GitHub Hello-World").count() == 0
    assert not httpserver.log  # nothing leaves before the job runs

    [job] = run_ticket_jobs()
    assert job.status == "succeeded", job.error
    page.reload()
    link = ticket.get_by_role("link", name="octocat/Hello-World#1347")
    assert link.get_attribute("href") == "https://github.com/octocat/Hello-World/issues/1347"
    assert "in GitHub Hello-World · open" in ticket.inner_text()
    assert item.get_by_text("Link existing ticket…").count() == 0
    assert axe_violations(page) == []


def test_linking_a_bad_address_shows_the_form_error_then_a_good_one_links(
    page: Any,
    sign_in: Any,
    owner: Any,
    action: Any,  # noqa: F811
    github: Any,  # noqa: F811
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(f"{ISSUES}/1347", method="GET").respond_with_json(payload("github_issue"))
    sign_in(owner)
    page.goto(f"/incidents/{action.incident.reference}/")
    item = page.locator(f"#action-{action.pk}")

    item.get_by_text("Link existing ticket…").click()
    item.get_by_label("Tracker").select_option(label="GitHub Hello-World")
    item.get_by_label("Ticket address or key").fill("https://example.com/not/an/issue")
    item.get_by_role("button", name="Link ticket").click()

    page.wait_for_url(f"**/actions/{action.pk}/ticket/")
    assert "Please fix the fields marked below." in page.get_by_role("main").inner_text()
    error = page.locator(".field-error")
    assert "Give the issue's address" in error.inner_text()
    address = page.get_by_label("Ticket address or key")
    assert address.input_value() == "https://example.com/not/an/issue"
    assert address.get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    assert not httpserver.log  # a bad address is refused before asking GitHub

    address.fill("octocat/Hello-World#1347")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/incidents/{action.incident.reference}/#action-{action.pk}")
    link = item.locator(f"#ticket-{action.pk}").get_by_role("link", name="octocat/Hello-World#1347")
    assert link.get_attribute("href") == "https://github.com/octocat/Hello-World/issues/1347"
