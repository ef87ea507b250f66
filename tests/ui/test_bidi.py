"""Direction controls in titles and names stay inside them: `<bdi>` in HTML, isolates in plain text.

A title holding U+202E (right-to-left override) would otherwise reverse what follows it on the page
— the reference, the next column — so one incident could be made to read like another.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from incidents import services
from tests.factories import UserFactory

OVERRIDE = "\u202e"
TITLE = f"Checkout {OVERRIDE}sliaf\u2066"
SERVICE = f"pay{OVERRIDE}ments"
# Isolated text, and attribute values (never rendered as text).
ISOLATED = re.compile(r"<bdi>[^<]*</bdi>|\u2068[^\u2069]*\u2069|[\w-]+=\"[^\"]*\"")


def outside_isolation(body: str) -> list[str]:
    """Return the text around each direction control that is not inside `<bdi>` or isolates."""
    rest = ISOLATED.sub("", body)
    return [
        rest[max(0, i - 40) : i + 10] for i, char in enumerate(rest) if char in "\u202e\u2066\u2067\u202d"
    ]


@pytest.fixture
def spoofing(owner: Any) -> Any:
    commander = UserFactory(username=f"eve{OVERRIDE}lin", role="responder")
    incident = services.incident_declare(
        actor=owner, title=TITLE, severity="SEV2", services=[SERVICE], commander=commander.username
    )
    services.action_add(incident=incident, actor=owner, title=f"Fix {OVERRIDE}it", owner=owner)
    services.status_update_post(incident=incident, actor=owner, message="Looking into it.", audience="public")
    return incident


@pytest.mark.parametrize(
    "page", ["incident-list", "incident-detail", "dashboard", "status-page", "action-list"]
)
def test_a_title_with_a_right_to_left_override_renders_isolated(
    client_for: Any, owner: Any, spoofing: Any, page: str
) -> None:
    client = client_for(None if page == "status-page" else owner)
    args = [spoofing.reference] if page == "incident-detail" else []
    url = reverse(page, args=args) + ("?tab=all" if page == "action-list" else "")
    body = client.get(url).content.decode()
    expected = "<bdi>Fix \u202eit</bdi>" if page == "action-list" else f"<bdi>{TITLE}</bdi>"
    assert expected in body
    assert outside_isolation(body) == []


def test_service_and_people_names_render_isolated(
    client_for: Any, owner: Any, viewer: Any, spoofing: Any
) -> None:
    body = client_for(owner).get(reverse("incident-detail", args=[spoofing.reference])).content.decode()
    assert f"<bdi>{SERVICE}</bdi>" in body
    # A responder names people from menus, whose options hold plain text: isolates, not <bdi>.
    assert f">\u2068eve{OVERRIDE}lin\u2069</option>" in body
    assert outside_isolation(body) == []
    shown = client_for(viewer).get(reverse("incident-detail", args=[spoofing.reference])).content.decode()
    assert f"<bdi>eve{OVERRIDE}lin</bdi>" in shown
    assert f"<title>{spoofing.reference} \u2068{TITLE}\u2069" in body  # the browser tab: plain text


def test_the_atom_feed_isolates_titles(client: Any, spoofing: Any) -> None:
    body = client.get(reverse("status-feed")).content.decode()
    assert f"\u2068{TITLE}\u2069" in body
    assert outside_isolation(body) == []
