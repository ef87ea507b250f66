"""What a new user read on the pages, in a real browser: no template syntax, history in words,
labels instead of stored values, a public postmortem without internal names, and a status page
that changes only when the public is told."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from incidents import services
from tests.showcase import Showcase, build_showcase

TEMPLATE_SYNTAX = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}")


@pytest.fixture
def showcase(_roles: None) -> Showcase:
    return build_showcase()


@pytest.mark.browser
def test_no_page_shows_template_syntax(page: Any, sign_in: Any, showcase: Showcase) -> None:
    sign_in(showcase.responder)
    for name, path in showcase.main_pages().items():
        page.goto(path)
        text = page.locator("body").inner_text()
        assert not TEMPLATE_SYNTAX.search(text), f"{name} ({path}) shows template syntax"


@pytest.mark.browser
def test_history_names_people_fields_and_records_in_words(
    page: Any, sign_in: Any, showcase: Showcase
) -> None:
    sign_in(showcase.responder)
    page.goto(f"/incidents/{showcase.resolved.reference}/history/")
    text = page.locator("main").inner_text()
    assert "Maya Chen" in text  # people by name
    assert "Resolved" in text  # field labels
    assert "resolved_at" not in text  # never raw field names
    assert "detected_at" not in text
    assert not re.search(r"#\d+\b", text)  # records by their titles, not ids


@pytest.mark.browser
def test_screens_show_labels_not_stored_values(page: Any, sign_in: Any, showcase: Showcase) -> None:
    sign_in(showcase.responder)
    page.goto(f"/incidents/{showcase.resolved.reference}/")
    causes = page.locator("#causes")
    expect(causes).to_contain_text("Root cause")
    expect(causes).to_contain_text("Confirmed")
    text = page.locator("main").inner_text()
    for stored in ("root_cause", "in_progress", "status_change"):
        assert stored not in text


@pytest.mark.browser
def test_the_public_postmortem_names_no_usernames_and_no_sources(page: Any, showcase: Showcase) -> None:
    page.goto(f"/status/incidents/{showcase.resolved.reference}/postmortem/")
    expect(page.locator("h1")).to_be_visible()
    text = page.locator("main").inner_text()
    assert "Checkout returns 502" in text
    for internal in ("maya", "jonas", "(web)", "(api)"):
        assert internal not in text, f"the public postmortem shows {internal!r}"


@pytest.mark.browser
@pytest.mark.usefixtures("_roles")
def test_a_service_turns_red_only_when_the_public_is_told(page: Any, owner: Any) -> None:
    outage = services.incident_declare(
        actor=owner, title="Ledger writes fail", severity="SEV2", services=["ledger"]
    )
    state = page.locator('li.service-state[data-service="ledger"]')

    page.goto("/status/")
    expect(state).to_have_attribute("data-state", "operational")
    expect(page.locator("body")).not_to_contain_text("Ledger writes fail")

    services.status_update_post(
        incident=outage, actor=owner, message="Some ledger writes fail; we are on it.", audience="public"
    )
    page.reload()
    expect(state).to_have_attribute("data-state", "partial_outage")
    expect(page.locator("body")).to_contain_text("Some ledger writes fail")

    services.status_update_post(
        incident=outage,
        actor=owner,
        message="Ledger writes work again.",
        audience="public",
        status="resolved",
    )
    page.reload()
    expect(state).to_have_attribute("data-state", "operational")
