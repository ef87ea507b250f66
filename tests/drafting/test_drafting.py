"""Drafting a section end to end: request, the outbox job against a stand-in model server, the
checks on the answer, and the author's decision."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.drafting.models import SectionDraft
from incidents.drafting.services import DraftingOff, draft_accept, draft_dismiss, draft_request
from incidents.models import Job
from incidents.postmortems.models import Revision
from incidents.postmortems.services import postmortem_ensure
from tests.drafting.conftest import MODEL, llm_settings, run_drafting_jobs
from tests.factories import IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "Checkout failed for most users for 50 minutes after the deploy of payments v2.3 [E1][I1]. "
    "A null pointer in the new tax code path was the root cause [C1]. "
    "Rolling back to v2.2 restored checkout [E3][U2]."
)


def _requested(record: Any, owner: Any, section: str = "summary") -> SectionDraft:
    postmortem = postmortem_ensure(incident=record)
    with transaction.atomic():
        return draft_request(postmortem=postmortem, section_key=section, actor=owner)


def _drafted(record: Any, owner: Any, answer: str, llm: Any, section: str = "summary") -> SectionDraft:
    llm.reply(answer)
    draft = _requested(record, owner, section)
    run_drafting_jobs()
    draft.refresh_from_db()
    return draft


def test_a_good_draft_becomes_a_suggestion_citing_its_entries(llm, record, owner) -> None:
    draft = _drafted(record, owner, GOOD, llm)

    assert draft.status == "pending"
    assert draft.text == GOOD
    assert draft.removed == []
    assert set(draft.citations) == {"E1", "I1", "C1", "E3", "U2"}
    assert draft.citations["C1"]["url"].startswith(f"/incidents/{record.reference}/#cause-")
    assert draft.citations["E1"]["url"].startswith(f"/incidents/{record.reference}/timeline/")
    assert draft.model_name == MODEL
    assert draft.job.status == "succeeded"
    # Nothing reaches the postmortem until the author accepts it.
    assert "null pointer" not in record.postmortem.sections.get(key="summary").body


def test_the_request_speaks_chat_completions_and_carries_the_record(llm, record, owner) -> None:
    _drafted(record, owner, GOOD, llm)

    (request,) = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test-key"
    body = json.loads(request["body"])
    assert body["model"] == MODEL
    assert [message["role"] for message in body["messages"]] == ["system", "user"]
    prompt = llm.prompt()
    for line in (
        "[E1] 2026-11-19 23:35 UTC action (key event): Deployed payments v2.3",
        "[E2] 2026-11-19 23:47 UTC alert (key event): 5xx rate above 20% on checkout",
        "[E3] 2026-11-20 00:10 UTC action: Rolled back payments to v2.2",
        "[C1] status CONFIRMED; root cause, software: Null pointer in the new tax code path. Evidence: E1.",
        "[C2] status SUSPECTED; contributing factor, process: No canary stage for payments.",
        "[C3] status RULED_OUT",
        "[A1] P1 prevent, status open",
        "[U1] 2026-11-20 00:05 UTC public, status identified: We found the cause and are rolling back.",
        "[U2] 2026-11-20 00:30 UTC internal, status resolved",
    ):
        assert line in prompt
    assert f"[I1] {record.reference} “Checkout outage”" in prompt
    assert "Write the section “Summary”" in prompt
    # A deleted entry is not part of the record.
    assert "pager password" not in prompt


def test_nothing_of_another_incident_is_sent(llm, record, owner, participant) -> None:
    secret = IncidentFactory(title="Credential leak in logs", private=True, commander=owner, reporter=owner)
    TimelineEventFactory(incident=secret, body="Rotated the leaked database password hunter2")
    other = IncidentFactory(title="Search latency", commander=owner, reporter=owner)
    TimelineEventFactory(incident=other, body="Reindexed the search cluster")

    _drafted(record, owner, GOOD, llm)

    prompt = llm.prompt()
    assert "hunter2" not in prompt
    assert "Credential leak" not in prompt
    assert "Reindexed" not in prompt
    assert "Search latency" not in prompt
    assert prompt.count("[I1]") == 1


def test_sentences_without_a_citation_or_citing_unknown_entries_are_left_out(llm, record, owner) -> None:
    answer = (
        "Checkout failed for most users [I1]. Engineers worked hard all night. "
        "The database was also overloaded [E42]. The canary was skipped [X7]."
    )
    draft = _drafted(record, owner, answer, llm)

    assert draft.status == "pending"
    assert draft.text == "Checkout failed for most users [I1]."
    reasons = {removal["sentence"]: removal["reason"] for removal in draft.removed}
    assert reasons["Engineers worked hard all night."].startswith("No citation")
    assert (
        reasons["The database was also overloaded [E42]."]
        == "Cites E42, which is not in this incident's record."
    )
    assert "X7" in reasons["The canary was skipped [X7]."]
    assert set(draft.citations) == {"I1"}


def test_a_suspected_cause_stated_as_confirmed_is_left_out_with_the_reason(llm, record, owner) -> None:
    answer = (
        "The outage was caused by the missing canary stage [C2]. "
        "The missing canary stage may have let the bad build through [C2]. "
        "The root cause was the payment provider [C3]. "
        "A payment provider outage was ruled out [C3]."
    )
    draft = _drafted(record, owner, answer, llm, section="went_wrong")

    assert draft.text == (
        "The missing canary stage may have let the bad build through [C2]. "
        "A payment provider outage was ruled out [C3]."
    )
    reasons = {removal["sentence"]: removal["reason"] for removal in draft.removed}
    assert reasons["The outage was caused by the missing canary stage [C2]."].startswith(
        "C2 is suspected, but this sentence states it as established (“was caused”)"
    )
    assert reasons["The root cause was the payment provider [C3]."].startswith("C3 is ruled out")


def test_the_blame_check_runs_on_the_draft(llm, record, owner) -> None:
    draft = _drafted(
        record, owner, "The on-call engineer should have rolled back sooner [E3].", llm, "went_wrong"
    )

    assert draft.status == "pending"
    assert [flag["rule"] for flag in draft.flags] == ["should-have"]


def test_a_draft_with_nothing_cited_fails_and_says_why(llm, record, owner) -> None:
    draft = _drafted(record, owner, "Everything went fine. Nobody was hurt.", llm)

    assert draft.status == "failed"
    assert "no sentence cited this incident's record" in draft.error
    assert len(draft.removed) == 2


def test_drafting_is_off_by_default(record, owner) -> None:
    postmortem = postmortem_ensure(incident=record)
    with pytest.raises(DraftingOff, match="HINDSIGHT_LLM_BASE_URL"):
        draft_request(postmortem=postmortem, section_key="summary", actor=owner)
    assert not SectionDraft.objects.exists()
    assert not Job.objects.filter(name__startswith="drafting.").exists()


def test_a_private_incident_is_refused_unless_the_endpoint_is_local(
    settings, model_server, private_incident, owner
) -> None:
    llm_settings(settings, model_server.url)
    postmortem = postmortem_ensure(incident=private_incident)
    with pytest.raises(ValidationError, match="private") as refused:
        draft_request(postmortem=postmortem, section_key="summary", actor=owner)
    assert "HINDSIGHT_LLM_LOCAL" in str(refused.value)
    assert not SectionDraft.objects.exists()

    llm_settings(settings, model_server.url, LLM_LOCAL=True)
    model_server.reply("Credentials were found in logs [I1].")
    with transaction.atomic():
        draft = draft_request(postmortem=postmortem, section_key="summary", actor=owner)
    run_drafting_jobs()
    draft.refresh_from_db()
    assert draft.status == "pending"
    assert "Credential leak in logs" in model_server.prompt()


def test_an_incident_made_private_after_the_request_is_never_sent(llm, record, owner) -> None:
    draft = _requested(record, owner)
    type(record).objects.filter(pk=record.pk).update(private=True)

    run_drafting_jobs()

    draft.refresh_from_db()
    assert draft.status == "failed"
    assert "private" in draft.error
    assert llm.requests == []


def test_a_server_error_is_recorded_and_retried(llm, record, owner) -> None:
    llm.answers.append((503, {"error": "model loading"}, 0.0))
    llm.reply(GOOD)
    draft = _requested(record, owner)

    (job,) = run_drafting_jobs()
    draft.refresh_from_db()
    assert job.status == "queued"  # back in the outbox: the task retries it with backoff
    assert draft.status == "drafting"
    assert draft.error.startswith("Attempt 1 failed, trying again: The model's endpoint answered HTTP 503")

    (job,) = run_drafting_jobs()
    draft.refresh_from_db()
    assert job.status == "succeeded"
    assert draft.status == "pending"
    assert draft.attempts == 2
    assert draft.error == ""


def test_a_timeout_is_retried_then_recorded_as_failed(settings, model_server, record, owner) -> None:
    llm_settings(settings, model_server.url, LLM_TIMEOUT=0.3, LLM_MAX_ATTEMPTS=2)
    model_server.answers += [(200, {}, 1.0), (200, {}, 1.0)]
    draft = _requested(record, owner)

    run_drafting_jobs()
    draft.refresh_from_db()
    assert draft.status == "drafting"
    assert "No answer within 0.3 s" in draft.error

    (job,) = run_drafting_jobs()
    draft.refresh_from_db()
    assert draft.status == "failed"
    assert draft.error.startswith(
        "The model gave no usable answer after 2 attempt(s): No answer within 0.3 s"
    )
    assert job.status == "failed"
    assert "after 2 attempt(s)" in job.error


def test_a_refused_key_is_not_retried(llm, record, owner) -> None:
    llm.answers.append((401, {"error": "invalid api key"}, 0.0))
    draft = _requested(record, owner)

    (job,) = run_drafting_jobs()

    draft.refresh_from_db()
    assert draft.status == "failed"
    assert "HTTP 401" in draft.error
    assert job.status == "failed"
    assert len(llm.requests) == 1


def test_asking_twice_queues_one_draft_and_running_twice_calls_the_model_once(llm, record, owner) -> None:
    first = _requested(record, owner)
    second = _requested(record, owner)
    assert first.pk == second.pk
    assert Job.objects.filter(name="drafting.draft_section").count() == 1

    llm.reply(GOOD)
    run_drafting_jobs()
    from incidents.drafting.services import draft_run

    assert draft_run(draft_id=first.pk) == {"status": "pending"}
    assert len(llm.requests) == 1


def test_accepting_copies_the_draft_into_the_section_as_a_revision(llm, record, owner) -> None:
    draft = _drafted(record, owner, GOOD, llm)
    postmortem = record.postmortem
    before = postmortem.revision_number

    draft_accept(draft=draft, actor=owner)

    section = postmortem.sections.get(key="summary")
    c1 = draft.citations["C1"]["url"]
    assert f"was the root cause [\\[C1\\]]({c1})." in section.body
    assert section.edited
    assert section.edited_by == owner
    revision = Revision.objects.get(postmortem=postmortem, number=before + 1)
    assert revision.kind == "save"
    assert revision.author == owner
    draft.refresh_from_db()
    assert draft.status == "accepted"
    assert draft.revision_number == before + 1
    assert draft.decided_by == owner

    with pytest.raises(ValidationError, match="accepted"):
        draft_accept(draft=draft, actor=owner)


def test_the_author_may_edit_before_accepting(llm, record, owner) -> None:
    draft = _drafted(record, owner, GOOD, llm)

    draft_accept(draft=draft, actor=owner, text="Checkout failed for 50 minutes after a deploy.")

    assert (
        record.postmortem.sections.get(key="summary").body == "Checkout failed for 50 minutes after a deploy."
    )


def test_dismissing_leaves_the_section_alone(llm, record, owner, viewer) -> None:
    draft = _drafted(record, owner, GOOD, llm)
    body = record.postmortem.sections.get(key="summary").body
    revisions = record.postmortem.revision_number

    with pytest.raises(PermissionDenied):
        draft_dismiss(draft=draft, actor=viewer)
    draft_dismiss(draft=draft, actor=owner)

    draft.refresh_from_db()
    assert draft.status == "dismissed"
    record.postmortem.refresh_from_db()
    assert record.postmortem.sections.get(key="summary").body == body
    assert record.postmortem.revision_number == revisions


def test_only_summary_went_wrong_and_lessons_are_drafted(llm, record, owner) -> None:
    postmortem = postmortem_ensure(incident=record)
    for key in ("timeline", "impact", "nonsense", 7):
        with pytest.raises(ValidationError, match="summary, went_wrong, lessons"):
            draft_request(postmortem=postmortem, section_key=key, actor=owner)
