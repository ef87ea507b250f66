"""The postmortem editor's "Draft with AI": the button, "drafting…" with polling, the suggestion
with its sources, and accept / edit / dismiss."""

from __future__ import annotations

import pytest
from django.test import Client

from incidents.drafting.models import SectionDraft
from incidents.postmortems.services import postmortem_ensure
from tests.drafting.conftest import llm_settings, run_drafting_jobs

pytestmark = pytest.mark.django_db

GOOD = (
    "Checkout failed for most users after the deploy of payments v2.3 [E1][I1]. "
    "It may have slipped through without a canary [C2]."
)
HTMX = {"HTTP_HX_REQUEST": "true"}


def _editor(client: Client, incident) -> str:
    response = client.get(f"/incidents/{incident.reference}/postmortem/")
    assert response.status_code == 200
    return response.content.decode()


def test_no_button_while_drafting_is_off(client_for, owner, record) -> None:
    page = _editor(client_for(owner), record)

    assert "Draft with AI" not in page
    assert "drafts" not in page.split('id="section-summary"')[1].split("</section>")[0]
    response = client_for(owner).post(
        f"/incidents/{record.reference}/postmortem/drafts/", {"section": "summary"}
    )
    assert response.status_code == 404
    assert not SectionDraft.objects.exists()


def test_a_button_under_each_draftable_section_for_writers_only(
    llm, client_for, owner, viewer, record
) -> None:
    page = _editor(client_for(owner), record)

    for key in ("summary", "went_wrong", "lessons"):
        assert f'data-testid="draft-with-ai-{key}"' in page
    assert page.count("Draft with AI") == 3
    assert "Draft with AI" not in _editor(client_for(viewer), record)


def test_a_private_incident_shows_why_there_is_no_button(
    settings, model_server, client_for, owner, private_incident
) -> None:
    llm_settings(settings, model_server.url)
    page = _editor(client_for(owner), private_incident)

    assert "Draft with AI" not in page
    assert 'data-testid="ai-draft-refused-summary"' in page
    assert "never sent to the model" in page


def test_drafting_then_the_suggestion_appears_with_links_to_its_entries(
    llm, client_for, owner, record
) -> None:
    client = client_for(owner)
    llm.reply(GOOD)

    asked = client.post(f"/incidents/{record.reference}/postmortem/drafts/", {"section": "summary"}, **HTMX)

    partial = asked.content.decode()
    assert asked.status_code == 200
    assert "Drafting…" in partial
    poll = f'hx-get="/incidents/{record.reference}/postmortem/drafts/sections/summary/"'
    assert poll in partial
    assert 'hx-trigger="every 2s"' in partial
    assert "Draft with AI" not in partial

    run_drafting_jobs()
    done = client.get(
        f"/incidents/{record.reference}/postmortem/drafts/sections/summary/", **HTMX
    ).content.decode()
    assert poll not in done
    draft = SectionDraft.objects.get()
    event_url = draft.citations["E1"]["url"]
    assert f'<a href="{event_url}">[E1]</a>' in done
    assert f'href="{draft.citations["C2"]["url"]}"' in done
    assert "Sources (3)" in done
    assert 'data-testid="ai-draft-accept"' in done
    assert 'data-testid="ai-draft-dismiss"' in done
    # The editor shows the same suggestion under the section.
    assert f'<a href="{event_url}">[E1]</a>' in _editor(client, record)


def test_a_failure_is_shown_under_the_section(llm, client_for, owner, record) -> None:
    llm.answers.append((400, {"error": "model not found"}, 0.0))
    client = client_for(owner)
    client.post(f"/incidents/{record.reference}/postmortem/drafts/", {"section": "lessons"})

    run_drafting_jobs()

    page = _editor(client, record)
    assert "The AI draft failed" in page
    assert "HTTP 400" in page


def test_left_out_sentences_are_listed_with_their_reasons(llm, client_for, owner, record) -> None:
    llm.reply(GOOD + " The provider caused it [C3]. Nobody slept.")
    client = client_for(owner)
    client.post(f"/incidents/{record.reference}/postmortem/drafts/", {"section": "summary"})
    run_drafting_jobs()

    page = _editor(client, record)
    assert "Left out of the draft (2)" in page
    assert "C3 is ruled out" in page
    assert "No citation" in page


def test_accept_edit_and_dismiss_from_the_editor(llm, client_for, owner, record) -> None:
    client = client_for(owner)
    llm.reply(GOOD)
    llm.reply("Add a canary stage [A1].")
    client.post(f"/incidents/{record.reference}/postmortem/drafts/", {"section": "summary"})
    client.post(f"/incidents/{record.reference}/postmortem/drafts/", {"section": "lessons"})
    run_drafting_jobs()
    summary, lessons = SectionDraft.objects.order_by("id")
    postmortem = postmortem_ensure(incident=record)
    revisions = postmortem.revision_number

    accepted = client.post(
        f"/incidents/{record.reference}/postmortem/drafts/{summary.pk}/accept/", {"text": ""}
    )
    dismissed = client.post(f"/incidents/{record.reference}/postmortem/drafts/{lessons.pk}/dismiss/")

    assert accepted.status_code == 302
    assert accepted["Location"].endswith("#section-summary")
    assert dismissed.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.revision_number == revisions + 1
    assert "deploy of payments v2.3" in postmortem.sections.get(key="summary").body
    assert "canary stage" not in postmortem.sections.get(key="lessons").body
    page = _editor(client, record)
    assert "deploy of payments v2.3" in page.split('data-testid="body-summary"')[1].split("</div>")[0]


def test_viewers_cannot_decide(llm, client_for, owner, viewer, record) -> None:
    llm.reply(GOOD)
    client_for(owner).post(f"/incidents/{record.reference}/postmortem/drafts/", {"section": "summary"})
    run_drafting_jobs()
    draft = SectionDraft.objects.get()

    response = client_for(viewer).post(f"/incidents/{record.reference}/postmortem/drafts/{draft.pk}/accept/")

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "pending"


def test_asking_for_a_section_a_model_does_not_draft_is_a_400(llm, client_for, owner, record) -> None:
    response = client_for(owner).post(
        f"/incidents/{record.reference}/postmortem/drafts/", {"section": "timeline"}
    )

    assert response.status_code == 400
    assert not SectionDraft.objects.exists()
