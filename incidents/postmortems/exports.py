"""Exports: the postmortem as Markdown and as a standalone HTML file, the incident record as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from incidents.extensions import extensions_describe, extensions_represent
from incidents.markdown import render_markdown
from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from incidents.postmortems.models import Postmortem, Section
from incidents.selectors import incident_roles
from timeline.actors import Actor
from timeline.selectors import timeline_for_incident

EXPORT_FORMAT = "hindsight.incident"
EXPORT_VERSION = 1
EMPTY_SECTION = "_Not written yet._"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _username(user: Actor) -> str | None:
    return user.get_username() if user is not None else None


def _document_sections(postmortem: Postmortem) -> list[Section]:
    return list(postmortem.sections.order_by("position", "id"))


def export_filename(postmortem: Postmortem, extension: str) -> str:
    return f"{postmortem.incident.reference}-postmortem.{extension}"


def export_markdown(postmortem: Postmortem) -> str:
    """Return the whole postmortem as one Markdown document."""
    incident = postmortem.incident
    parts = [
        f"# {incident.reference}: {incident.title} — postmortem",
        "",
        f"_Status: {postmortem.status} · revision {postmortem.revision_number}"
        + (f" · due {postmortem.due_date.isoformat()}" if postmortem.due_date else "")
        + (f" · published {_iso(postmortem.published_at)}" if postmortem.published_at else "")
        + "_",
    ]
    facts = extensions_describe(incident)
    if facts:
        parts += ["", " · ".join(f"**{label}:** {value}" for label, value in facts)]
    for section in _document_sections(postmortem):
        body = EMPTY_SECTION if section.is_empty else section.body.strip()
        parts += ["", f"## {section.title}", "", body]
    return "\n".join(parts) + "\n"


@cache
def _export_stylesheet() -> SafeString:
    # The exported file is opened on its own (downloaded, mailed, printed to PDF), so its CSS
    # travels inside it; the web app itself never serves inline styles (see the CSP).
    path = finders.find("css/postmortem-export.css")
    css = Path(str(path)).read_text(encoding="utf-8") if path else ""
    return mark_safe(f"<style>\n{css}</style>")  # noqa: S308 — our own static file


def export_html(postmortem: Postmortem) -> str:
    """Return a standalone HTML page: inline CSS with a print stylesheet, user text sanitised."""
    sections = [
        {
            "key": section.key,
            "title": section.title,
            "html": render_markdown(EMPTY_SECTION if section.is_empty else section.body),
        }
        for section in _document_sections(postmortem)
    ]
    return render_to_string(
        "postmortems/export.html",
        {
            "postmortem": postmortem,
            "incident": postmortem.incident,
            "sections": sections,
            "facts": extensions_describe(postmortem.incident),
            "generated_at": timezone.now(),
            "stylesheet": _export_stylesheet(),
        },
    )


def export_incident(incident: Incident) -> dict[str, Any]:
    """Return the whole incident record as JSON-ready data (for `import_incident`)."""
    incident = Incident.objects.select_related("commander", "reporter").get(pk=incident.pk)
    usernames: set[str] = set()

    def who(user: Actor) -> str | None:
        name = _username(user)
        if name:
            usernames.add(name)
        return name

    events = [
        {
            "id": event.pk,
            "occurred_at": _iso(event.occurred_at),
            "recorded_at": _iso(event.recorded_at),
            "kind": event.kind,
            "body": event.body,
            "author": who(event.author),
            "source": event.source,
            "is_key": event.is_key,
            "external_id": event.external_id,
            "edited_at": _iso(event.edited_at),
        }
        for event in timeline_for_incident(incident=incident)
    ]
    event_ids = {event["id"] for event in events}
    causes = [
        {
            "id": cause.pk,
            "category": cause.category,
            "role": cause.role,
            "status": cause.status,
            "description": cause.description,
            "status_changed_at": _iso(cause.status_changed_at),
            "created_at": _iso(cause.created_at),
            "created_by": who(cause.created_by),
            "evidence": sorted(e.pk for e in cause.evidence.all() if e.pk in event_ids),
        }
        for cause in Cause.objects.filter(incident=incident)
        .select_related("created_by")
        .prefetch_related("evidence")
    ]
    actions = [
        {
            "title": action.title,
            "description": action.description,
            "kind": action.kind,
            "priority": action.priority,
            "owner": who(action.owner),
            "due_date": action.due_date.isoformat(),
            "status": action.status,
            "ticket_url": action.ticket_url,
            "completed_at": _iso(action.completed_at),
            "completion_note": action.completion_note,
            "created_at": _iso(action.created_at),
            "causes": sorted(c.pk for c in action.causes.all()),
        }
        for action in RemediationAction.objects.filter(incident=incident)
        .select_related("owner")
        .prefetch_related("causes")
        .order_by("id")
    ]
    updates = [
        {
            "audience": update.audience,
            "status": update.status,
            "message": update.message,
            "author": who(update.author),
            "posted_at": _iso(update.posted_at),
            "event": update.event_id if update.event_id in event_ids else None,
        }
        for update in StatusUpdate.objects.filter(incident=incident)
        .select_related("author")
        .order_by("posted_at", "id")
    ]
    postmortem_data: dict[str, Any] | None = None
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is not None:
        postmortem_data = {
            "status": postmortem.status,
            "due_date": postmortem.due_date.isoformat() if postmortem.due_date else None,
            "published_at": _iso(postmortem.published_at),
            "public": postmortem.public,
            "revision_number": postmortem.revision_number,
            "reviewers": [who(user) for user in postmortem.reviewers.order_by("username")],
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "position": s.position,
                    "source": s.source,
                    "prompt": s.prompt,
                    "body": s.body,
                    "generated_body": s.generated_body,
                    "edited": s.edited,
                    "stale": s.stale,
                }
                for s in _document_sections(postmortem)
            ],
            "reviews": [
                {
                    "reviewer": who(review.reviewer),
                    "decision": review.decision,
                    "comment": review.comment,
                    "revision_number": review.revision_number,
                    "created_at": _iso(review.created_at),
                }
                for review in postmortem.reviews.select_related("reviewer").order_by("created_at", "id")
            ],
        }
    data = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(timezone.now()),
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "summary": incident.summary,
            "impact": incident.impact,
            "severity": incident.severity,
            "status": incident.status,
            "private": incident.private,
            "tags": incident.tags,
            "false_alarm": incident.false_alarm,
            "started_at": _iso(incident.started_at),
            "detected_at": _iso(incident.detected_at),
            "acknowledged_at": _iso(incident.acknowledged_at),
            "mitigated_at": _iso(incident.mitigated_at),
            "resolved_at": _iso(incident.resolved_at),
            "created_at": _iso(incident.created_at),
            "commander": who(incident.commander),
            "roles": {
                slot.key: who(slot.holder)
                for slot in incident_roles(incident=incident)
                if slot.key != "commander" and slot.holder is not None
            },
            "reporter": who(incident.reporter),
            "participants": [who(user) for user in incident.participants.order_by("username")],
            "services": list(incident.services.order_by("name").values_list("name", flat=True)),
            # What other apps add (an incident type and its custom fields: `type`, `custom_fields`).
            **extensions_represent(incident),
        },
        "events": events,
        "causes": causes,
        "actions": actions,
        "updates": updates,
        "postmortem": postmortem_data,
    }
    User = get_user_model()
    data["users"] = [
        {"username": user.get_username(), "first_name": user.first_name, "last_name": user.last_name}
        for user in User.objects.filter(username__in=usernames).order_by("username")
    ]
    return data


EXPORT_FORMATS = ("md", "html", "json")


def export_response(postmortem: Postmortem, incident: Incident, export_format: str) -> HttpResponse:
    """Build the download for one export format (shared by the API and the web UI)."""
    if export_format == "md":
        response = HttpResponse(export_markdown(postmortem), content_type="text/markdown; charset=utf-8")
        extension = "md"
    elif export_format == "html":
        response = HttpResponse(export_html(postmortem), content_type="text/html; charset=utf-8")
        extension = "html"
    elif export_format == "json":
        response = HttpResponse(
            json.dumps(export_incident(incident), indent=2, ensure_ascii=False),
            content_type="application/json",
        )
        extension = "json"
    else:
        raise Http404("Unknown export format.")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(postmortem, extension)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
