"""The drafting job through a real Celery worker and broker: enqueued on commit, run on a worker."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from config.celery_app import app
from incidents.drafting.models import SectionDraft
from incidents.drafting.services import draft_request
from incidents.postmortems.services import postmortem_ensure


@pytest.fixture
def worker(transactional_db):
    import incidents.tasks  # noqa: F401 — registers hindsight.jobs.run with the app

    with start_worker(app, pool="solo", perform_ping_check=False):
        yield


def _wait_until_decided(draft: SectionDraft, timeout: float = 90) -> SectionDraft:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        draft.refresh_from_db()
        if draft.status != "drafting":
            return draft
        time.sleep(0.2)
    raise AssertionError(f"draft still {draft.status} after {timeout}s")


@pytest.mark.django_db(transaction=True)
def test_a_requested_draft_is_written_on_the_worker(worker, llm, record, owner) -> None:
    llm.reply("Checkout failed after the deploy of payments v2.3 [E1][I1].")
    postmortem = postmortem_ensure(incident=record)
    with transaction.atomic():
        draft = draft_request(postmortem=postmortem, section_key="summary", actor=owner)
        # Not sent before the request's transaction commits.
        time.sleep(0.5)
        assert llm.requests == []

    assert _wait_until_decided(draft).status == "pending"
    assert draft.text == "Checkout failed after the deploy of payments v2.3 [E1][I1]."
    draft.job.refresh_from_db()
    assert draft.job.status == "succeeded"
    assert len(llm.requests) == 1
