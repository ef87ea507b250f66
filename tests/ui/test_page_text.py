"""What every main page shows a reader: never a piece of template syntax."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.showcase import Showcase, build_showcase

# `{#`, `{%` and `{{` in the rendered HTML: a comment Django did not read as one (`{# … #}` is
# single-line only), or a tag that slipped out of a template.
TEMPLATE_SYNTAX = re.compile(r"\{[#%{]")


@pytest.fixture
def showcase(db: Any) -> Showcase:
    return build_showcase()


def test_no_main_page_shows_template_syntax(client: Any, showcase: Showcase) -> None:
    client.force_login(showcase.responder)
    for name, url in showcase.main_pages().items():
        response = client.get(url)
        assert response.status_code == 200, name
        found = TEMPLATE_SYNTAX.findall(response.content.decode())
        assert not found, f"{name} ({url}) shows template syntax: {found}"


def test_the_public_postmortem_names_people_and_hides_internal_markers(
    client: Any, showcase: Showcase
) -> None:
    page = client.get(showcase.main_pages()["public postmortem"]).content.decode()
    assert "Maya Chen" in page  # the commander, by name
    assert ">maya<" not in page
    assert "| maya" not in page
    assert "jonas" not in page  # the action item's owner and the alert's author: by name
    assert "Jonas Berg" in page
    for marker in ("(Web)", "(web)", "(API)", "(System)"):
        assert marker not in page
    # The overview table has a header that says something, and Markdown tables are styled here.
    assert "<th></th>" not in page
    assert "<th>Fact</th>" in page
    assert "hindsight.css" in page


def test_the_postmortem_overview_and_tables_use_labels(client: Any, showcase: Showcase) -> None:
    client.force_login(showcase.responder)
    page = client.get(showcase.main_pages()["postmortem"]).content.decode()
    assert "<td>Resolved</td>" in page  # the incident's status
    assert "<td>Open</td>" in page  # the action item's status
    assert "<td>Prevent</td>" in page  # the action item's kind
    assert "_alert_" not in page
    assert "<em>Alert</em>" in page


def _visible_text(html: str) -> str:
    """The page's text as a reader sees it: no tags, attributes, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_screens_show_vocabulary_labels_never_stored_values(client: Any, showcase: Showcase) -> None:
    from incidents import choices as incident_choices
    from incidents import services
    from timeline import choices as timeline_choices

    action = showcase.resolved.actions.get()
    services.action_update(action=action, actor=showcase.responder, data={"status": "in_progress"})
    # Stored values a person would not write: `in_progress`, `root_cause`, `status_change`, …
    stored_only = {
        value
        for module in (incident_choices, timeline_choices)
        for vocabulary in vars(module).values()
        if isinstance(vocabulary, type) and issubclass(vocabulary, incident_choices.models.TextChoices)
        for value, label in vocabulary.choices
        if "_" in value
    }
    assert {"in_progress", "root_cause", "ruled_out", "status_change"} <= stored_only
    client.force_login(showcase.responder)
    pages = showcase.main_pages()
    for name, url in pages.items():
        text = _visible_text(client.get(url).content.decode())
        shown = sorted(value for value in stored_only if re.search(rf"\b{value}\b", text))
        assert not shown, f"{name} ({url}) shows stored values {shown}"
    incident_page = client.get(pages["incident"]).content.decode()
    # A responder changes the status from the header's menu: its options show labels too.
    assert re.search(r'<option value="investigating" selected>Investigating<', incident_page)
    assert "In progress" in _visible_text(client.get(pages["action items"]).content.decode())
    assert "Root cause" in _visible_text(client.get(pages["resolved incident"]).content.decode())
