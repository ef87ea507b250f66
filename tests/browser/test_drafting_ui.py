"""AI drafting of a postmortem section as its author meets it in Chromium: "Draft with AI", the
"Drafting…" panel polling until the suggestion shows with its sources and the sentences left out,
Accept; and the refusal note on a private incident. The model is a stand-in OpenAI-compatible
server on 127.0.0.1; the queued job runs from the test thread, as a worker would."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import axe_violations
from tests.drafting.conftest import (  # noqa: F401 — shared fixtures
    ModelServer,
    llm,
    llm_settings,
    model_server,
    record,
    run_drafting_jobs,
)

pytestmark = pytest.mark.browser

GOOD = (
    "Checkout failed for most users after the deploy of payments v2.3 [E1][I1]. "
    "It may have slipped through without a canary [C2]."
)


def test_drafting_a_summary_then_accepting_it(
    page: Any,
    sign_in: Any,
    owner: Any,
    record: Any,  # noqa: F811
    llm: ModelServer,  # noqa: F811
) -> None:
    llm.reply(GOOD + " The provider caused it [C3]. Nobody slept.")
    sign_in(owner)
    page.goto(f"/incidents/{record.reference}/postmortem/")
    panel = page.locator("#drafts-summary")

    panel.get_by_role("button", name="Draft with AI").click()
    panel.get_by_role("status").filter(has_text="Drafting…").wait_for()
    assert panel.get_by_role("button", name="Draft with AI").count() == 0
    assert llm.requests == []  # nothing is sent until a worker runs the job

    [job] = run_drafting_jobs()
    assert job.status == "succeeded", job.error
    # The panel polls every 2 s: the suggestion replaces "Drafting…" without a reload.
    suggestion = panel.locator("[data-testid=ai-draft-pending]")
    suggestion.wait_for()
    assert "deploy of payments v2.3" in suggestion.locator("[data-testid=ai-draft-text]").inner_text()
    assert panel.get_by_role("status").count() == 0
    cited = suggestion.locator("[data-testid=ai-draft-text] a", has_text="[E1]")
    assert cited.get_attribute("href")
    suggestion.locator("summary", has_text="Sources (3)").click()
    sources = suggestion.locator(".pm-ai-sources li")
    assert sources.count() == 3
    assert "Deployed payments v2.3" in sources.filter(has_text="[E1]").inner_text()
    removed = suggestion.locator("[data-testid=ai-draft-removed]")
    removed.locator("summary", has_text="Left out of the draft (2)").click()
    left_out = removed.locator("li").all_inner_texts()
    assert any("The provider caused it" in item and "C3 is ruled out" in item for item in left_out)
    assert any("Nobody slept" in item and "No citation" in item for item in left_out)
    assert axe_violations(page) == []

    body = page.locator("[data-testid=body-summary]")
    assert "deploy of payments v2.3" not in body.inner_text()
    suggestion.get_by_role("button", name="Accept into").click()
    page.wait_for_url("**/postmortem/#section-summary")
    assert "Draft accepted" in page.get_by_role("main").inner_text()
    assert "deploy of payments v2.3" in body.inner_text()
    assert "The provider caused it" not in body.inner_text()
    assert panel.locator("[data-testid=ai-draft-pending]").count() == 0
    assert panel.get_by_role("button", name="Draft with AI").is_visible()

    # A citation in the accepted text is a link to the entry it cites.
    body.get_by_role("link", name="[E1]").click()
    page.wait_for_url(f"**/incidents/{record.reference}/#event-*")
    entry = page.locator(page.url[page.url.index("#") :])
    assert "Deployed payments v2.3" in entry.inner_text()


def test_a_private_incident_with_a_remote_model_says_why_there_is_no_button(
    page: Any,
    sign_in: Any,
    settings: Any,
    owner: Any,
    private_incident: Any,
    model_server: ModelServer,  # noqa: F811
) -> None:
    llm_settings(settings, model_server.url)  # not marked local
    sign_in(owner)
    page.goto(f"/incidents/{private_incident.reference}/postmortem/")

    refusal = page.locator("[data-testid=ai-draft-refused-summary]")
    assert "never sent to the model" in refusal.inner_text()
    assert page.get_by_role("button", name="Draft with AI").count() == 0
    assert axe_violations(page) == []
    assert model_server.requests == []
