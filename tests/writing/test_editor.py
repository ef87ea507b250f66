"""Flags in the postmortem editor (dismissible per section) and warnings after saving causes and
action items. Flags never block a save."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.models import Cause, RemediationAction
from incidents.postmortems.models import FlagDismissal
from incidents.postmortems.services import postmortem_ensure, section_update

pytestmark = pytest.mark.django_db


def editor(incident: Any, tail: str = "") -> str:
    return f"/incidents/{incident.reference}/postmortem/{tail}"


@pytest.fixture
def written(owner: Any, incident: Any) -> Any:
    postmortem = postmortem_ensure(incident=incident)
    section_update(
        postmortem=postmortem,
        key="summary",
        actor=owner,
        body="Search slowed down. The root cause was olivia, who forgot to scale the cluster.",
    )
    return postmortem


def test_saving_a_section_with_blame_language_saves_it_and_shows_the_flags(
    client_for: Any, owner: Any, incident: Any
) -> None:
    postmortem = postmortem_ensure(incident=incident)
    client = client_for(owner)
    response = client.post(
        editor(incident, "sections/summary/"), {"body": "It was human error.", "version": 1}, follow=True
    )
    assert postmortem.sections.get(key="summary").body == "It was human error."
    page = response.content.decode()
    assert "Summary saved." in page
    assert 'data-testid="flag-summary-human-error"' in page
    assert "<mark>human error</mark>" in page


def test_the_editor_flags_a_person_named_as_the_cause(client_for: Any, owner: Any, written: Any) -> None:
    page = client_for(owner).get(editor(written.incident)).content.decode()
    assert 'data-testid="flag-summary-person-as-cause"' in page
    assert "<mark>root cause was olivia</mark>" in page
    assert 'data-testid="flag-summary-forgot-to"' in page
    assert 'data-testid="flags-timeline"' not in page  # sections without blame show nothing


def test_dismissing_a_flag_hides_it_in_that_section_only(client_for: Any, owner: Any, written: Any) -> None:
    client = client_for(owner)
    response = client.post(
        editor(written.incident, "sections/summary/flags/dismiss/"),
        {"rule": "forgot-to", "text": "Forgot  To"},
        follow=True,
    )
    page = response.content.decode()
    assert "Flag dismissed." in page
    assert 'data-testid="flag-summary-forgot-to"' not in page
    assert 'data-testid="flag-summary-person-as-cause"' in page
    # Dismissing again is harmless; the dismissal is stored once, in normalised words.
    client.post(
        editor(written.incident, "sections/summary/flags/dismiss/"),
        {"rule": "forgot-to", "text": "forgot to"},
    )
    assert list(FlagDismissal.objects.values_list("rule", "text")) == [("forgot-to", "forgot to")]
    # The same words in another section are still flagged.
    section_update(postmortem=written, key="lessons", actor=owner, body="We forgot to test the restore.")
    page = client.get(editor(written.incident)).content.decode()
    assert 'data-testid="flag-lessons-forgot-to"' in page


def test_a_bad_dismissal_changes_nothing(client_for: Any, owner: Any, viewer: Any, written: Any) -> None:
    url = editor(written.incident, "sections/summary/flags/dismiss/")
    client = client_for(owner)
    page = client.post(url, {"rule": "no-such-rule", "text": "x"}, follow=True).content.decode()
    assert "No such writing rule." in page
    page = client.post(url, {"rule": "forgot-to"}, follow=True).content.decode()
    assert "could not be dismissed" in page
    assert (
        client.post(
            editor(written.incident, "sections/nope/flags/dismiss/"), {"rule": "forgot-to", "text": "x"}
        ).status_code
        == 404
    )
    assert client_for(viewer).post(url, {"rule": "forgot-to", "text": "forgot to"}).status_code == 403
    assert not FlagDismissal.objects.exists()


def test_viewers_and_outsiders_see_no_flags(
    client_for: Any, viewer: Any, outsider: Any, owner: Any, private_incident: Any
) -> None:
    postmortem = postmortem_ensure(incident=private_incident)
    section_update(postmortem=postmortem, key="summary", actor=owner, body="Pure human error.")
    assert "pm-flag" not in client_for(viewer).get(editor(private_incident)).content.decode()
    url = editor(private_incident, "sections/summary/flags/dismiss/")
    assert client_for(outsider).post(url, {"rule": "human-error", "text": "human error"}).status_code == 404


def test_saving_a_cause_with_blame_language_saves_it_and_warns(
    client_for: Any, owner: Any, incident: Any
) -> None:
    response = client_for(owner).post(
        reverse("cause-add", args=[incident.reference]),
        {
            "cause-category": "change",
            "cause-role": "trigger",
            "cause-status": "suspected",
            "cause-description": "Human error: the engineer failed to review the migration.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Cause.objects.filter(incident=incident, description__startswith="Human error").exists()
    page = response.content.decode()
    assert "Writing check" in page
    assert "“Human error”" in page
    assert "“failed to”" in page


def test_a_blameless_cause_saves_without_a_warning(client_for: Any, owner: Any, incident: Any) -> None:
    response = client_for(owner).post(
        reverse("cause-add", args=[incident.reference]),
        {
            "cause-category": "change",
            "cause-role": "trigger",
            "cause-status": "suspected",
            "cause-description": "The migration locked the orders table for nine minutes.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Writing check" not in response.content.decode()


def test_saving_an_action_item_with_blame_language_saves_it_and_warns(
    client_for: Any, owner: Any, incident: Any
) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("action-add", args=[incident.reference]),
        {"action-title": "Retrain olivia so she stops being careless", "action-kind": "prevent",
         "action-priority": "P2", "action-status": "open"},
        follow=True,
    )  # fmt: skip
    action = RemediationAction.objects.get(incident=incident)
    assert response.status_code == 200
    assert "“careless”" in response.content.decode()
    response = client.post(
        reverse("action-edit", args=[incident.reference, action.pk]),
        {"action-title": "Add a pre-deploy capacity check", "action-kind": "prevent",
         "action-priority": "P2", "action-status": "open", "action-due_date": action.due_date.isoformat(),
         "action-description": "Nobody should have to remember it."},
        follow=True,
    )  # fmt: skip
    action.refresh_from_db()
    assert action.title == "Add a pre-deploy capacity check"
    assert "“should have”" in response.content.decode()
