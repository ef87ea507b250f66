"""Every page answers each persona as it should: 200 to who may see it, 302/403/404 otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

PAGES = [
    ("dashboard", []),
    ("incident-list", []),
    ("action-list", []),
    ("profile", []),
    ("password_change", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Any, db: Any, name: str, args: list[Any]) -> None:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.parametrize(("name", "args"), PAGES)
@pytest.mark.parametrize("persona", ["owner", "viewer", "no_group_user", "admin_user", "outsider"])
def test_every_signed_in_persona_sees_the_general_pages(
    client_for: Any, request: Any, busy_incident: Any, persona: str, name: str, args: list[Any]
) -> None:
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert b"Hindsight" in response.content


def test_the_login_page_renders(client: Any, db: Any) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in to Hindsight" in response.content


@pytest.mark.parametrize("persona", ["owner", "viewer", "admin_user", "outsider"])
def test_incident_pages_render_for_everyone_who_may_see_them(
    client_for: Any, request: Any, busy_incident: Any, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    for name in ("incident-detail", "incident-history", "incident-timeline"):
        response = client.get(reverse(name, args=[busy_incident.reference]))
        assert response.status_code == 200, name
        assert busy_incident.title.encode() in response.content


def test_responders_get_the_declare_and_edit_forms(client_for: Any, owner: Any, busy_incident: Any) -> None:
    client = client_for(owner)
    assert client.get(reverse("incident-declare")).status_code == 200
    assert client.get(reverse("incident-edit", args=[busy_incident.reference])).status_code == 200
    cause = busy_incident.causes.get()
    action = busy_incident.actions.get()
    assert client.get(reverse("cause-edit", args=[busy_incident.reference, cause.pk])).status_code == 200
    assert client.get(reverse("action-edit", args=[busy_incident.reference, action.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["viewer", "no_group_user"])
def test_viewers_see_no_edit_controls_and_get_403_on_forms(
    client_for: Any, request: Any, busy_incident: Any, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    page = client.get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    assert "Edit incident" not in page
    assert 'id="quick-add"' not in page
    assert "Add a cause" not in page
    assert "Declare incident" not in page
    assert client.get(reverse("incident-declare")).status_code == 403
    assert client.get(reverse("incident-edit", args=[busy_incident.reference])).status_code == 403


def test_responders_see_the_edit_controls(client_for: Any, owner: Any, busy_incident: Any) -> None:
    page = client_for(owner).get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    for control in ("Edit incident", 'id="quick-add"', "Add a cause", "Add an action item", "Post an update"):
        assert control in page


def test_an_unknown_incident_is_404(client_for: Any, owner: Any) -> None:
    assert client_for(owner).get("/incidents/INC-999999/").status_code == 404
    assert client_for(owner).get("/incidents/nonsense/").status_code == 404


def test_refusals_explain_themselves_in_the_site_layout(
    client_for: Any, viewer: Any, busy_incident: Any
) -> None:
    client = client_for(viewer)
    refused = client.get(reverse("incident-declare"))
    assert refused.status_code == 403
    assert "Only responders can declare incidents." in refused.content.decode()
    missing = client.get("/incidents/INC-424242/")
    assert missing.status_code == 404
    assert "nothing you can see" in missing.content.decode()
