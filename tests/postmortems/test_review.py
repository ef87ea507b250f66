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
    second = UserFactory(username="sam", role="responder")
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
        postmortem_approve(postmortem=draft, actor=reviewer)
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


def test_with_nobody_named_the_author_cannot_approve_their_own_postmortem(draft, owner, outsider):
    postmortem_submit(postmortem=draft, actor=owner)
    with pytest.raises(PermissionDenied) as refused:
        postmortem_approve(postmortem=draft, actor=owner)
    assert str(refused.value) == "You sent this postmortem for review: someone else must approve it."
    draft.refresh_from_db()
    assert draft.status == "in_review"
    with pytest.raises(ValidationError):
        postmortem_publish(postmortem=draft, actor=owner)

    # Any other responder may approve.
    assert postmortem_approve(postmortem=draft, actor=outsider).status == "approved"


def test_someone_who_wrote_a_section_cannot_approve_even_if_someone_else_submitted(
    draft, owner, outsider, admin_user
):
    section_update(postmortem=draft, key="went_well", actor=outsider, body="Paging worked.")
    postmortem_submit(postmortem=draft, actor=owner)
    with pytest.raises(PermissionDenied) as refused:
        postmortem_approve(postmortem=draft, actor=outsider)
    assert "You wrote part of this postmortem" in str(refused.value)
    assert postmortem_approve(postmortem=draft, actor=admin_user).status == "approved"


def test_viewers_never_approve_even_with_nobody_named(draft, owner, viewer):
    postmortem_submit(postmortem=draft, actor=owner)
    with pytest.raises(PermissionDenied):
        postmortem_approve(postmortem=draft, actor=viewer)


def test_naming_a_viewer_or_an_author_as_reviewer_is_refused_with_the_reason(draft, owner, viewer, outsider):
    with pytest.raises(ValidationError) as refused:
        reviewers_set(postmortem=draft, actor=owner, reviewers=[viewer.username])
    assert refused.value.message_dict == {
        "reviewers": ["vera cannot edit this incident (viewers do not review postmortems)."]
    }
    with pytest.raises(ValidationError) as refused:
        reviewers_set(postmortem=draft, actor=outsider, reviewers=[owner.username])
    assert refused.value.message_dict == {
        "reviewers": ["olivia wrote part of this postmortem and cannot review it."]
    }
    assert list(draft.reviewers.all()) == []


def test_the_submitter_cannot_name_themselves_reviewer(record, owner, outsider):
    postmortem_generate(incident_id=record.pk)
    postmortem = postmortem_ensure(incident=record)
    # outsider wrote the impact; owner (who wrote nothing) submits and names themselves.
    section_update(postmortem=postmortem, key="impact", actor=outsider, body="Half of all orders failed.")
    with pytest.raises(ValidationError) as refused:
        postmortem_submit(postmortem=postmortem, actor=owner, reviewers=[owner])
    assert "name someone else" in refused.value.message_dict["reviewers"][0]
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_a_named_reviewer_is_told_once_and_an_api_viewer_reviewer_is_a_400(
    draft, owner, reviewer, viewer, api_client
):
    from django.core import mail

    from incidents.jobs import job_run
    from incidents.models import Job
    from incidents.reminders.models import Notification
    from tests.reminders.conftest import set_profile

    set_profile(reviewer, start=None, end=None, weekends=False)
    reviewers_set(postmortem=draft, actor=owner, reviewers=[reviewer.username])
    reviewers_set(postmortem=draft, actor=owner, reviewers=[reviewer.username])  # no second naming
    jobs = list(Job.objects.filter(name="reminders.postmortem_reviewer_named"))
    assert len(jobs) == 1
    job_run(job_id=str(jobs[0].pk))
    job_run(job_id=str(jobs[0].pk))  # a redelivered job
    reference = draft.incident.reference
    assert list(Notification.objects.filter(recipient=reviewer).values_list("title", flat=True)) == [
        f"olivia asks you to review the postmortem for {reference}"
    ]
    assert [message.to for message in mail.outbox] == [[reviewer.email]]

    api_client.force_authenticate(owner)
    answer = api_client.patch(
        f"/api/v1/incidents/{reference}/postmortem/", {"reviewers": ["vera"]}, format="json"
    )
    assert answer.status_code == 400
    assert "viewers do not review postmortems" in str(answer.json())
    assert list(draft.reviewers.values_list("username", flat=True)) == ["rita"]
