"""Exports (Markdown, standalone HTML, JSON) and the import that restores a JSON export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.models import Incident
from incidents.postmortems.exports import export_html, export_incident, export_markdown
from incidents.postmortems.importing import incident_import
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate, section_update
from incidents.services import incident_declare, status_update_post
from tests.factories import TimelineEventFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    "Hello <script>alert('x')</script>\n\n"
    "[click me](javascript:alert(1))\n\n"
    '<img src="x" onerror="alert(2)">\n\n'
    '<a href="#" onclick="steal()">link</a>\n\n'
    '<iframe src="https://evil.example"></iframe>'
)


@pytest.fixture
def postmortem(record):
    postmortem_generate(incident_id=record.pk)
    return Postmortem.objects.get(incident=record)


def test_markdown_export_is_one_document_in_section_order(postmortem, record):
    text = export_markdown(postmortem)
    assert text.startswith(f"# {record.reference}: Checkout outage — postmortem")
    assert text.index("## Overview") < text.index("## Summary") < text.index("## Appendix: full timeline")
    assert "## Impact\n\n_Not written yet._" in text
    assert "Checkout failed for most users for 50 minutes." in text


def test_hostile_markdown_never_survives_into_html(postmortem, owner):
    section_update(postmortem=postmortem, key="summary", actor=owner, body=HOSTILE)
    TimelineEventFactory(incident=postmortem.incident, body="<script>alert(3)</script> event", is_key=True)
    postmortem_generate(incident_id=postmortem.incident_id)
    html = export_html(postmortem).lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "<iframe" not in html
    assert "hello" in html
    assert "event" in html


def test_html_export_is_standalone_with_tables_and_a_print_stylesheet(postmortem):
    html = export_html(postmortem)
    assert html.startswith("<!doctype html>")
    assert "<style>" in html
    assert "@media print" in html
    assert "<table>" in html
    assert "<th>Title</th>" in html
    assert "<link" not in html  # no external stylesheet: it must open on its own


def test_the_web_ui_exports_too(client_for, viewer, postmortem, record):
    response = client_for(viewer).get(f"/incidents/{record.reference}/postmortem/export/?format=html")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


def test_json_export_holds_the_whole_record(postmortem, record, owner):
    status_update_post(incident=record, actor=owner, message="We rolled back.", audience="public")
    data = export_incident(record)
    assert data["format"] == "hindsight.incident"
    assert data["incident"]["reference"] == record.reference
    assert data["incident"]["services"] == ["api-gateway", "checkout"]
    assert len(data["events"]) == 6  # five, plus the update's communication event; not the deleted one
    assert {"occurred_at", "recorded_at", "kind", "body", "author", "source", "is_key"} <= set(
        data["events"][0]
    )
    assert len(data["causes"]) == 4
    assert any(cause["evidence"] for cause in data["causes"])
    assert {action["title"] for action in data["actions"]} >= {"Alert on checkout 5xx"}
    assert data["updates"][0]["message"] == "We rolled back."
    assert [s["key"] for s in data["postmortem"]["sections"]][:2] == ["header", "summary"]
    json.dumps(data)  # serialisable as it is


def test_export_then_import_restores_the_record_under_a_new_reference(postmortem, record, owner, tmp_path):
    section_update(postmortem=postmortem, key="went_well", actor=owner, body="Fast rollback.")
    status_update_post(incident=record, actor=owner, message="Fixed.", audience="public")
    data = export_incident(record)
    data["users"].append({"username": "ghost", "first_name": "G", "last_name": "Host"})
    data["actions"][0]["owner"] = "ghost"
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(data))

    call_command("import_incident", str(path))

    copy = Incident.objects.exclude(pk=record.pk).get(title=record.title)
    assert copy.reference != record.reference
    assert (copy.severity, copy.status, copy.commander, copy.started_at) == (
        record.severity,
        record.status,
        owner,
        record.started_at,
    )
    assert sorted(copy.services.values_list("name", flat=True)) == ["api-gateway", "checkout"]
    events = list(copy.events.order_by("occurred_at"))
    assert len(events) == 6
    assert {event.source for event in events} == {"import"}
    assert events[0].body == "Deployed payments v2.3"
    assert events[0].author == owner
    trigger = copy.causes.get(role="trigger")
    assert [event.body for event in trigger.evidence.all()] == ["Deployed payments v2.3"]
    ghost = copy.actions.get(owner__username="ghost").owner
    assert ghost.is_active is False
    assert not ghost.has_usable_password()
    assert copy.updates.get().event.body.endswith("Fixed.")
    sections = {s.key: s for s in copy.postmortem.sections.all()}
    assert sections["went_well"].body == "Fast rollback."
    assert sections["went_well"].edited
    assert copy.postmortem.revisions.get().kind == "import"


def test_import_refuses_a_file_that_is_not_an_export(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(CommandError, match="not a Hindsight incident export"):
        call_command("import_incident", str(path))
    assert not Incident.objects.exists()


def test_an_import_takes_the_next_reference_and_writes_every_entry_with_its_history(
    postmortem, record, owner
):
    copy = incident_import(data=export_incident(record))

    assert copy.reference == f"INC-{copy.number}" != record.reference
    assert incident_declare(actor=owner, title="After the import", severity="SEV3").number == copy.number + 1
    events = list(copy.events.all())
    assert events
    assert all([entry.history_type for entry in event.history.all()] == ["+"] for event in events)
    assert copy.postmortem.revisions.get().number == copy.postmortem.revision_number == 1


def test_an_import_is_checked_as_the_timeline_checks_an_entry(record):
    data = export_incident(record)
    data["events"][0]["occurred_at"] = (timezone.now() + timedelta(days=2)).isoformat()

    with pytest.raises(ValidationError) as refused:
        incident_import(data=data)

    assert refused.value.message_dict == {"events.occurred_at": ["An entry cannot be in the future."]}
    assert Incident.objects.get() == record
