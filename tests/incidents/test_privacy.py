"""Private incidents are visible to their participants and admins only, in every selector."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from incidents import selectors
from incidents.models import Incident
from incidents.permissions import can_edit_incident, can_view_incident
from tests.factories import (
    CauseFactory,
    RemediationActionFactory,
    ServiceFactory,
    StatusUpdateFactory,
    TimelineEventFactory,
    UserFactory,
)

SEES_PRIVATE = ["owner", "participant", "author", "admin_user"]
BLIND_TO_PRIVATE = ["outsider", "viewer", "no_group_user"]
EVERY_SIGNED_IN = SEES_PRIVATE + BLIND_TO_PRIVATE


@pytest.fixture
def author(db: Any) -> Any:
    """A responder who only wrote a timeline entry in the private incident."""
    return UserFactory(username="aaron", role="responder")


@pytest.fixture
def world(incident: Incident, private_incident: Incident, author: Any) -> dict[str, Any]:
    checkout = ServiceFactory(name="checkout")
    incident.services.add(checkout)
    private_incident.services.add(checkout)
    CauseFactory(incident=incident, category="capacity")
    CauseFactory(incident=private_incident, category="capacity")
    TimelineEventFactory(incident=private_incident, author=author, body="Rotated the leaked key.")
    public_action = RemediationActionFactory(incident=incident, title="Add a search cache")
    private_action = RemediationActionFactory(incident=private_incident, title="Rotate every credential")
    StatusUpdateFactory(incident=incident, audience="public", message="Search is slow.")
    StatusUpdateFactory(incident=private_incident, audience="public", message="Secret work.")
    StatusUpdateFactory(incident=incident, audience="internal", message="Internal note.")
    return {"public_action": public_action, "private_action": private_action}


def _user(request: Any, persona: str) -> Any:
    return AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)


@pytest.mark.parametrize("persona", SEES_PRIVATE)
def test_participants_and_admins_see_the_private_incident_everywhere(
    request: Any, persona: str, incident: Incident, private_incident: Incident, world: dict[str, Any]
) -> None:
    user = _user(request, persona)
    assert set(selectors.incident_list(user=user)) == {incident, private_incident}
    assert selectors.incident_list(user=user).count() == 2
    assert selectors.incident_get(user=user, reference=private_incident.reference) == private_incident
    assert selectors.incident_get(user=user, reference=str(private_incident.pk)) == private_incident
    assert world["private_action"] in selectors.action_list(user=user)
    assert selectors.action_get(user=user, pk=world["private_action"].pk) is not None
    assert private_incident in selectors.related_incidents(user=user, incident=incident)
    assert private_incident in selectors.incident_list(user=user, filters={"q": "Credential"})
    assert can_view_incident(user, private_incident)


@pytest.mark.parametrize("persona", BLIND_TO_PRIVATE)
def test_others_never_see_the_private_incident(
    request: Any, persona: str, incident: Incident, private_incident: Incident, world: dict[str, Any]
) -> None:
    user = _user(request, persona)
    assert list(selectors.incident_list(user=user)) == [incident]
    assert selectors.incident_list(user=user).count() == 1
    assert selectors.incident_get(user=user, reference=private_incident.reference) is None
    assert selectors.incident_get(user=user, reference=str(private_incident.pk)) is None
    assert set(selectors.action_list(user=user)) == {world["public_action"]}
    assert selectors.action_get(user=user, pk=world["private_action"].pk) is None
    assert list(selectors.related_incidents(user=user, incident=incident)) == []
    assert selectors.incident_list(user=user, filters={"q": "Credential"}).count() == 0
    assert selectors.incident_list(user=user, filters={"q": private_incident.reference}).count() == 0
    assert selectors.incident_list(user=user, filters={"service": "checkout"}).count() == 1
    assert selectors.active_incidents(user=user).count() == 1
    assert selectors.cause_get(user=user, pk=private_incident.causes.get().pk) is None
    assert not can_view_incident(user, private_incident)
    assert not can_edit_incident(user, private_incident)


def test_anonymous_visitors_see_no_incident_at_all(
    incident: Incident, private_incident: Incident, world: dict[str, Any]
) -> None:
    anonymous = AnonymousUser()
    assert selectors.incident_list(user=anonymous).count() == 0
    assert selectors.incident_get(user=anonymous, reference=incident.reference) is None
    assert selectors.action_list(user=anonymous).count() == 0
    assert selectors.active_incidents(user=anonymous).count() == 0
    assert not can_view_incident(anonymous, incident)


def test_an_inactive_participant_sees_nothing(
    owner: Any, incident: Incident, private_incident: Incident, world: dict[str, Any]
) -> None:
    owner.is_active = False
    owner.save()
    assert selectors.incident_list(user=owner).count() == 0


@pytest.mark.parametrize("persona", [*EVERY_SIGNED_IN, "anonymous"])
def test_the_public_status_page_shows_only_public_updates_of_public_incidents(
    request: Any, persona: str, incident: Incident, world: dict[str, Any]
) -> None:
    _user(request, persona)  # who asks does not matter: the page is the same for everyone
    messages = [update.message for update in selectors.public_status_updates()]
    assert messages == ["Search is slow."]


def test_making_an_incident_private_hides_its_public_updates(
    owner: Any, incident: Incident, world: dict[str, Any]
) -> None:
    from incidents.services import incident_update

    incident_update(incident=incident, actor=owner, data={"private": True})
    assert selectors.public_status_updates().count() == 0


def test_the_related_list_never_includes_the_incident_itself_or_ruled_out_causes(
    owner: Any, incident: Incident, private_incident: Incident, world: dict[str, Any]
) -> None:
    related = selectors.related_incidents(user=owner, incident=incident)
    assert incident not in related
    private_incident.causes.update(status="ruled_out")
    assert list(selectors.related_incidents(user=owner, incident=incident)) == []


def test_viewers_see_public_incidents_but_cannot_edit_them(viewer: Any, incident: Incident) -> None:
    assert can_view_incident(viewer, incident)
    assert not can_edit_incident(viewer, incident)


def test_the_author_of_a_deleted_entry_still_takes_part(private_incident: Incident) -> None:
    from timeline.services import timeline_event_delete

    writer = UserFactory(username="wendy", role="responder")
    event = TimelineEventFactory(incident=private_incident, author=writer)
    timeline_event_delete(event=event, actor=writer)
    assert selectors.incident_get(user=writer, reference=private_incident.reference) == private_incident
    assert can_view_incident(writer, private_incident)
