"""Hostile Markdown and HTML in every text field, rendered on every page and export, never executes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.urlwalk import all_routes, fill
from tests.security.world import HOSTILE, build_incident, placeholder_values
from tests.security.xss import executable_markup


def _pages(client: Any, owner: Any, worlds: list[Any]) -> list[tuple[str, Any]]:
    """GET every route (both incidents for routes with placeholders); return (path, response)."""
    seen: list[tuple[str, Any]] = []
    for route in all_routes():
        if "GET" not in route.methods():
            continue
        for world in worlds:
            values = placeholder_values(route, world, owner=owner)
            if values is None:
                continue
            path = fill(route, values)
            seen.append((path, client.get(path, HTTP_ACCEPT="text/html")))
            if not route.placeholders:
                break
    return seen


def _feed_problems(xml: str) -> list[str]:
    """Feed readers render the HTML of `type="html"` elements (Atom) and descriptions (RSS); text
    elements (an Atom title without a type) are shown as text. Check that HTML, XML-unescaped."""
    from xml.etree import ElementTree

    problems: list[str] = []
    for element in ElementTree.fromstring(xml).iter():
        rendered = element.get("type") in ("html", "xhtml") or element.tag.endswith("description")
        if element.text and rendered:
            problems.extend(executable_markup(element.text))
    return problems


def test_the_detector_finds_what_browsers_would_run() -> None:
    assert executable_markup("<p>fine</p><script src='/static/js/app.js'></script>") == []
    assert executable_markup('<script type="application/json">{"a": 1}</script>') == []
    assert executable_markup("<script>alert(1)</script>")
    assert executable_markup("<img src=x onerror=alert(1)>")
    assert executable_markup('<a href=" java\tscript:alert(1)">x</a>')
    assert executable_markup("<iframe src=/x></iframe>")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_hostile_text_is_inert_on_every_page(
    client: Any, owner: Any, participant: Any, admin_user: Any, persona: str
) -> None:
    worlds = [
        build_incident(owner=owner, private=False),
        build_incident(owner=owner, private=True, participant=participant),
    ]
    client.force_login({"owner": owner, "admin_user": admin_user}[persona])
    problems: list[str] = []
    showing_payload = 0
    pages = _pages(client, owner, worlds)
    for path, response in pages:
        if response.status_code >= 500:
            problems.append(f"{path}: {response.status_code}")
            continue
        content_type = response.get("Content-Type", "")
        body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
        if "alert(1)" in body:
            showing_payload += 1
        if "html" in content_type:
            problems.extend(f"{path}: {issue}" for issue in executable_markup(body))
        elif "xml" in content_type:
            problems.extend(f"{path}: {issue}" for issue in _feed_problems(body))
    assert problems == []
    # The sweep is only worth something if hostile text reached pages.
    assert showing_payload >= 3, [path for path, _ in pages]


@pytest.mark.django_db
def test_exports_never_carry_executable_markup(client: Any, owner: Any) -> None:
    world = build_incident(owner=owner, private=False)
    if world.postmortem is None:
        pytest.skip("postmortems are not built yet")
    client.force_login(owner)
    base = f"/api/v1/incidents/{world.incident.pk}/postmortem/export/"
    html = client.get(base, {"format": "html"})
    assert html.status_code == 200
    assert executable_markup(html.content.decode()) == []
    assert "alert(1)" in html.content.decode()
    markdown = client.get(base, {"format": "md"})
    assert markdown.status_code == 200
    assert "html" not in markdown["Content-Type"]
    as_json = client.get(base, {"format": "json"})
    assert as_json.status_code == 200
    assert as_json["Content-Type"].startswith("application/json")
    assert HOSTILE in as_json.content.decode().replace("\\u003c", "<").replace("\\u003e", ">").replace(
        '\\"', '"'
    )
