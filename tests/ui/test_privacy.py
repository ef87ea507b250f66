"""An outsider never learns that a private incident exists: not in lists, search, dashboard or actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents import services


@pytest.fixture
def private_world(private_incident: Any, owner: Any, participant: Any) -> Any:
    # Owned by a participant: owning an item would make the outsider a participant too.
    services.action_add(
        incident=private_incident, actor=owner, title="Rotate leaked credentials", owner=participant
    )
    return private_incident


def test_the_outsider_gets_404_for_the_private_incident_and_its_subpages(
    client_for: Any, outsider: Any, private_world: Any
) -> None:
    client = client_for(outsider)
    ref = private_world.reference
    for name in ("incident-detail", "incident-history", "incident-timeline", "incident-edit"):
        assert client.get(reverse(name, args=[ref])).status_code == 404, name
    response = client.post(reverse("timeline-add", args=[ref]), {"when": "", "kind": "note", "body": "hi"})
    assert response.status_code == 404
    assert private_world.events.filter(body="hi").count() == 0


def test_the_outsider_does_not_see_it_in_the_list_or_search(
    client_for: Any, outsider: Any, private_world: Any, incident: Any
) -> None:
    client = client_for(outsider)
    page = client.get(reverse("incident-list")).content.decode()
    assert incident.title in page
    assert private_world.title not in page
    search = client.get(reverse("incident-list"), {"q": "Credential"}).content.decode()
    assert private_world.title not in search
    # The results partial by itself: the search box echoes the query back on the full page.
    by_reference = client.get(
        reverse("incident-list"), {"q": private_world.reference}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert private_world.reference not in by_reference
    assert "No incidents match." in by_reference


def test_the_outsider_does_not_see_it_on_the_dashboard_or_action_list(
    client_for: Any, outsider: Any, private_world: Any
) -> None:
    client = client_for(outsider)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert private_world.title not in dashboard
    assert "Rotate leaked credentials" not in dashboard
    for tab in ("mine", "all", "overdue"):
        page = client.get(reverse("action-list"), {"tab": tab}).content.decode()
        assert "Rotate leaked credentials" not in page
        assert private_world.reference not in page


def test_participants_and_admins_see_the_private_incident(
    client_for: Any, participant: Any, admin_user: Any, private_world: Any
) -> None:
    for user in (participant, admin_user):
        client = client_for(user)
        assert client.get(reverse("incident-detail", args=[private_world.reference])).status_code == 200
        assert private_world.title in client.get(reverse("incident-list")).content.decode()
        assert private_world.title in client.get(reverse("dashboard")).content.decode()


def test_a_duplicate_of_a_private_incident_does_not_name_it_to_outsiders(
    client_for: Any, owner: Any, viewer: Any, outsider: Any, private_world: Any, incident: Any
) -> None:
    services.incident_update(incident=incident, actor=owner, data={"duplicate_of": private_world})
    for user in (viewer, outsider):
        client = client_for(user)
        page = client.get(reverse("incident-detail", args=[incident.reference])).content.decode()
        assert "duplicate" in page
        assert private_world.reference not in page
    edit = client_for(outsider).get(reverse("incident-edit", args=[incident.reference])).content.decode()
    assert private_world.reference not in edit
    page = client_for(owner).get(reverse("incident-detail", args=[incident.reference])).content.decode()
    assert f'duplicate of <a href="/incidents/{private_world.reference}/">' in page


def test_saving_the_edit_form_keeps_a_link_the_editor_cannot_see(
    client_for: Any, owner: Any, outsider: Any, private_world: Any, incident: Any
) -> None:
    incident = services.incident_update(incident=incident, actor=owner, data={"duplicate_of": private_world})
    client = client_for(outsider)
    form = {
        "version": incident.version, "title": "Search latency, renamed", "status": incident.status,
        "severity": incident.severity, "commander": owner.username, "services": "",
        "started_at": incident.started_at.strftime("%Y-%m-%dT%H:%M"),
        "detected_at": incident.detected_at.strftime("%Y-%m-%dT%H:%M"), "duplicate_of": "",
    }  # fmt: skip
    response = client.post(reverse("incident-edit", args=[incident.reference]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    incident.refresh_from_db()
    assert incident.title == "Search latency, renamed"
    assert incident.duplicate_of_id == private_world.pk
