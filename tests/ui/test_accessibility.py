"""Accessibility a server-rendered page can promise: described fields, named buttons, headings."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse


def _described_ids_missing(html: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    named = {name for group in re.findall(r'aria-describedby="([^"]+)"', html) for name in group.split()}
    return sorted(named - ids)


def test_every_aria_describedby_names_an_element_on_the_page(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    client = client_for(owner)
    pages = {
        "declare": client.get(reverse("incident-declare")),
        "declare with errors": client.post(reverse("incident-declare"), {"title": "", "severity": "SEV9"}),
        "edit": client.get(reverse("incident-edit", args=[busy_incident.reference])),
        "incident": client.get(reverse("incident-detail", args=[busy_incident.reference])),
        "incident with a bad filter": client.get(
            reverse("incident-detail", args=[busy_incident.reference]) + "?kind=bogus"
        ),
        "quick add with errors": client.post(
            reverse("timeline-add", args=[busy_incident.reference]), {"when": "not a time", "body": ""}
        ),
        "insights with errors": client.get(reverse("insights") + "?since=yesterday"),
        "profile": client.get(reverse("profile")),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert "aria-describedby" in html, name
        assert not _described_ids_missing(html), (name, _described_ids_missing(html))
    with_errors = pages["declare with errors"].content.decode()
    assert re.search(r'aria-describedby="[^"]*id_title_error', with_errors)
    assert 'id="id_title_error"' in with_errors


def test_timeline_row_buttons_name_their_entry_and_delete_asks_first(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    html = client_for(owner).get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    rows = re.findall(r'<li id="event-\d+".*?</li>', html, re.S)
    assert len(rows) == 3
    names = set()
    for row in rows:
        date, clock = re.search(
            r'<span class="date">([^<]+)</span> <span class="clock">([^<]+)</span>', row
        ).groups()
        for action in ("Pin", "Edit", "Delete"):
            name = f'{action}<span class="visually-hidden"> the entry at {date} {clock}</span>'
            assert name in row, (action, row)
            names.add(name)
        assert f'hx-confirm="Delete the entry at {date} {clock}?' in row
    assert len(names) == 9  # no two buttons share an accessible name


def test_the_public_incident_page_has_a_main_heading(client: Any, busy_incident: Any) -> None:
    from incidents.services.updates import status_update_post

    status_update_post(
        incident=busy_incident, actor=busy_incident.commander, message="Looking", audience="public"
    )
    html = client.get(reverse("status-incident", args=[busy_incident.reference])).content.decode()
    assert re.search(rf"<h1><bdi>{busy_incident.title}</bdi></h1>", html)
