"""The review workflow: draft → in_review → approved → published, and every refusal on the way."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.postmortems.services import (
    postmortem_approve,
    postmortem_ensure,
    postmortem_generate,
    postmortem_publish,
    postmortem_reopen,
    postmortem_request_changes,
    postmortem_submit,
    reviewers_set,
    section_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = postmortem_ensure(incident=record)
    section_update(postmortem=postmortem, key="impact", actor=owner, body="Half of all orders failed.")
    return postmortem


def test_submit_is_refused_while_a_required_section_only_holds_its_prompt(record, owner):
    postmortem = postmortem_ensure(incident=record)  # never generated: causes and actions empty
    with pytest.raises(ValidationError) as refused:
        postmortem_submit(postmortem=postmortem, actor=owner)
    assert set(refused.value.message_dict) == {"impact", "causes", "action_items", "sections"}
    assert refused.value.message_dict["sections"] == ["Still empty: impact, causes, action_items."]
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_the_whole_way_to_published_and_back(draft, owner, reviewer):
    postmortem = postmortem_submit(postmortem=draft, actor=owner, reviewers=["rita"])
    assert postmortem.status == "in_review"
    postmortem = postmortem_approve(postmortem=postmortem, actor=reviewer, comment="Clear.")
    assert postmortem.status == "approved"
    postmortem = postmortem_publish(postmortem=postmortem, actor=owner, public=True)
    assert (postmortem.status, postmortem.public) == ("published", True)
    assert postmortem.published_at is not None
    postmortem = postmortem_reopen(postmortem=postmortem, actor=owner)
    assert (postmortem.status, postmortem.published_at) == ("draft", None)


def test_only_named_reviewers_review(draft, owner, reviewer, outsider):
    postmortem_submit(postmortem=draft, actor=owner, reviewers=[reviewer])
    with pytest.raises(PermissionDenied):
        postmortem_approve(postmortem=draft, actor=outsider)
    with pytest.raises(PermissionDenied):
        postmortem_request_changes(postmortem=draft, actor=owner, comment="I wrote it, I like it")


def test_every_named_reviewer_must_approve(draft, owner, reviewer):
    second = UserFactory(username="sam", role="viewer")
    postmortem_submit(postmortem=draft, actor=owner, reviewers=[reviewer, second])
    assert postmortem_approve(postmortem=draft, actor=reviewer).status == "in_review"
    assert postmortem_approve(postmortem=draft, actor=second).status == "approved"


def test_requesting_changes_needs_a_comment_and_returns_to_draft(draft, owner, reviewer):
    postmortem_submit(postmortem=draft, actor=owner, reviewers=[reviewer])
    with pytest.raises(ValidationError):
        postmortem_request_changes(postmortem=draft, actor=reviewer, comment="  ")
    postmortem = postmortem_request_changes(postmortem=draft, actor=reviewer, comment="Add numbers.")
    assert postmortem.status == "draft"
    assert postmortem.reviews.get().comment == "Add numbers."


def test_out_of_order_moves_are_refused(draft, owner, reviewer):
    with pytest.raises(ValidationError):
        postmortem_approve(postmortem=draft, actor=owner)
    with pytest.raises(ValidationError):
        postmortem_publish(postmortem=draft, actor=owner)
    with pytest.raises(ValidationError):
        postmortem_reopen(postmortem=draft, actor=owner)
    postmortem_submit(postmortem=draft, actor=owner, reviewers=[reviewer])
    with pytest.raises(ValidationError):
        postmortem_submit(postmortem=draft, actor=owner)
    with pytest.raises(ValidationError):
        postmortem_publish(postmortem=draft, actor=owner)


def test_a_published_postmortem_is_read_only_and_not_regenerated(draft, owner, reviewer, record):
    postmortem_submit(postmortem=draft, actor=owner, reviewers=[reviewer])
    postmortem_approve(postmortem=draft, actor=reviewer)
    postmortem_publish(postmortem=draft, actor=owner)
    with pytest.raises(ValidationError):
        section_update(postmortem=draft, key="summary", actor=owner, body="Sneaky edit")
    with pytest.raises(ValidationError):
        reviewers_set(postmortem=draft, actor=owner, reviewers=[])
    assert postmortem_generate(incident_id=record.pk)["skipped"] == "published"
    assert draft.sections.get(key="summary").body != "Sneaky edit"


def test_viewers_cannot_submit_or_publish(draft, viewer):
    with pytest.raises(PermissionDenied):
        postmortem_submit(postmortem=draft, actor=viewer)
    with pytest.raises(PermissionDenied):
        postmortem_publish(postmortem=draft, actor=viewer)


def test_reviewers_of_a_private_incident_must_be_able_to_see_it(
    private_incident, owner, outsider, participant
):
    postmortem = postmortem_ensure(incident=private_incident)
    with pytest.raises(ValidationError):
        reviewers_set(postmortem=postmortem, actor=owner, reviewers=[outsider])
    reviewers_set(postmortem=postmortem, actor=owner, reviewers=[participant])
    assert list(postmortem.reviewers.all()) == [participant]
