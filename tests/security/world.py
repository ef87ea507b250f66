"""A small, complete test world: one public and one private incident with everything inside them.

Every text a person can write holds `HOSTILE`, so the same world serves the XSS sweep; the
permission matrix and the query-count tests use it for real objects behind every URL placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from incidents.models import ChangeEvent, Job, StatusUpdate
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    ServiceFactory,
    TimelineEventFactory,
)
from tests.security.urlwalk import Route

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) "
    '<a href="javascript:alert(1)">y</a> "><svg onload=alert(1)>'
)


@dataclass
class IncidentWorld:
    incident: Any
    event: Any
    cause: Any
    action: Any
    update: Any
    job: Any
    postmortem: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_incident(
    *,
    owner: Any,
    private: bool,
    participant: Any = None,
    text: str = HOSTILE,
    services: tuple[str, ...] | None = None,
) -> IncidentWorld:
    """An incident commanded by `owner` with an entry, a cause, an action, an update, a job."""
    names = services or (("checkout",) if not private else ("vault",))
    now = timezone.now()
    incident = IncidentFactory(
        title=f"Checkout errors {text}"[:200],
        summary=text,
        impact=text,
        severity="SEV1" if private else "SEV2",
        status="resolved",
        private=private,
        commander=owner,
        reporter=owner,
        tags=["payments", text[:40]],
        started_at=now - timedelta(hours=3),
        detected_at=now - timedelta(hours=3) + timedelta(minutes=5),
        acknowledged_at=now - timedelta(hours=2, minutes=50),
        mitigated_at=now - timedelta(hours=2),
        resolved_at=now - timedelta(hours=1),
        services=[ServiceFactory(name=name) for name in names],
    )
    if participant is not None:
        incident.participants.add(participant)
    event = TimelineEventFactory(incident=incident, body=text, author=owner, is_key=True)
    cause = CauseFactory(incident=incident, description=text, status="confirmed")
    cause.evidence.add(event)
    action = RemediationActionFactory(
        incident=incident,
        title=f"Add alerting {text}"[:200],
        description=text,
        owner=owner,
        ticket_url="https://tickets.example.com/OPS-1",
    )
    action.causes.add(cause)
    communication = TimelineEventFactory(incident=incident, kind="communication", body=text, author=owner)
    update = StatusUpdate.objects.create(
        incident=incident,
        audience="public",
        status="resolved",
        message=text,
        author=owner,
        event=communication,
    )
    job = Job.objects.create(
        name="postmortems.generate", kwargs={"incident_id": incident.pk}, incident=incident
    )
    world = IncidentWorld(incident=incident, event=event, cause=cause, action=action, update=update, job=job)
    # A pipeline's report about a service, not part of the incident's record (never private): the
    # hostile text, not `text` (which may be a private incident's marker).
    world.extra["change"] = ChangeEvent.objects.create(
        service=incident.services.first(),
        kind="deploy",
        summary=HOSTILE,
        author=HOSTILE[:200],
        url="https://ci.example.com/runs/1",
        at=incident.started_at - timedelta(minutes=10),
    )
    world.postmortem = _postmortem(incident, owner, text)
    _classify(incident, text)
    return world


# The incident type every world incident has (when incidents.taxonomy is installed).
WORLD_INCIDENT_TYPE = "world"


def _classify(incident: Any, text: str) -> None:
    """Give the incident the world's type with `text` in its custom field, if the app is installed."""
    from django.apps import apps

    if not apps.is_installed("incidents.taxonomy"):
        return
    from incidents.taxonomy.models import CustomField, IncidentClassification, IncidentType

    # One type for every world incident: its name and label hold HOSTILE, never a private `text`.

    incident_type, _ = IncidentType.objects.get_or_create(
        slug=WORLD_INCIDENT_TYPE, defaults={"name": f"World {HOSTILE}"[:100]}
    )
    CustomField.objects.get_or_create(
        incident_type=incident_type, key="notes", defaults={"label": f"Notes {HOSTILE}"[:200], "kind": "text"}
    )
    IncidentClassification.objects.create(
        incident=incident, incident_type=incident_type, values={"notes": text}
    )


def _postmortem(incident: Any, owner: Any, text: str) -> Any:
    """Generate the incident's postmortem and write `text` into an authored section, if the app has it."""
    try:
        from incidents.postmortems import services as postmortem_services
    except ImportError:
        return None
    generate = getattr(postmortem_services, "postmortem_generate", None)
    if generate is None:
        return None
    generate(incident_id=incident.pk, actor=owner, reason="test world")
    from incidents.postmortems.models import Postmortem

    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is not None:
        postmortem.sections.filter(key__in=["went_well", "lessons"]).update(body=text)
    return postmortem


# The slug of the generic alert source a test creates when it posts to `hooks/generic/{slug}/`.
WORLD_ALERT_SOURCE = "world"


def placeholder_values(route: Route, world: IncidentWorld, *, owner: Any) -> dict[str, str] | None:
    """Real values for the route's placeholders from `world`, or None when one is unknown."""
    values: dict[str, str] = {}
    for name in route.placeholders:
        segment = route.segment_before(name)
        value = _value(name, segment, world, owner=owner)
        if value is None:
            return None
        values[name] = value
    return values


def _value(name: str, segment: str, world: IncidentWorld, *, owner: Any) -> str | None:
    incident = world.incident
    if name == "reference":
        return str(incident.reference)
    if name == "job_id":
        return str(world.job.pk)
    if name in ("incident_id", "incident"):
        return str(incident.pk)
    if name == "key":
        return "summary"
    if name == "change_id" or (name == "pk" and segment == "changes"):
        return str(world.extra["change"].pk)
    if name == "number":
        return "1"
    if name == "token":
        return _token(segment, world, owner=owner)
    if name == "tracker_id":
        from incidents.tickets.models import TrackerConnection

        tracker, _ = TrackerConnection.objects.get_or_create(
            name="world tracker",
            defaults={
                "kind": "github",
                "base_url": "http://127.0.0.1:9",
                "project": "o/r",
                "webhook_secret": "s",
            },
        )
        return str(tracker.pk)
    if name == "slug" and segment == "generic":
        return WORLD_ALERT_SOURCE
    if name == "draft_id":
        return _ai_draft(world, owner)
    if name == "conflict_id":
        return _git_conflict(world)
    if name == "slug" and segment == "incident-types":
        return WORLD_INCIDENT_TYPE
    if name in ("pk", "id"):
        objects = {
            "incidents": incident,
            "timeline-events": world.event,
            "events": world.event,
            "timeline": world.event,
            "causes": world.cause,
            "actions": world.action,
            "updates": world.update,
            "jobs": world.job,
            "postmortems": world.postmortem,
        }
        if segment in objects and objects[segment] is not None:
            return str(objects[segment].pk)
        if segment == "drafts":
            return _ai_draft(world, owner)
        if segment == "notifications":
            return str(_notification(world, owner).pk)
        if segment == "tokens":
            from incidents.services.accounts import api_token_create

            token, _ = api_token_create(user=owner, name="world")
            return str(token.pk)
    return None


def _ai_draft(world: IncidentWorld, owner: Any) -> str | None:
    """A pending AI draft of the summary (incidents.drafting), its texts hostile."""
    draft = world.extra.get("ai_draft")
    if draft is None and world.postmortem is not None:
        from incidents.drafting.models import SectionDraft

        draft = SectionDraft.objects.create(
            postmortem=world.postmortem,
            section_key="summary",
            status="pending",
            text=f"{HOSTILE} [I1].",
            citations={
                "I1": {"kind": "incident", "label": HOSTILE, "url": world.incident.get_absolute_url()}
            },
            removed=[{"sentence": HOSTILE, "reason": HOSTILE}],
            raw_response=HOSTILE,
            model_name=HOSTILE[:200],
            created_by=owner,
        )
        world.extra["ai_draft"] = draft
    return str(draft.pk) if draft is not None else None


def _git_conflict(world: IncidentWorld) -> str | None:
    """An open Git conflict on the postmortem (incidents.gitsync), both versions hostile."""
    conflict = world.extra.get("git_conflict")
    if conflict is None and world.postmortem is not None:
        from incidents.gitsync.models import Conflict

        conflict = Conflict.objects.create(
            postmortem=world.postmortem,
            kind="edited_in_both",
            commit="0" * 40,
            blob="1" * 40,
            git_authors=HOSTILE[:500],
            git_markdown=f"## Summary\n\n{HOSTILE}\n",
            hindsight_markdown=f"## Summary\n\n{HOSTILE} (Hindsight)\n",
        )
        world.extra["git_conflict"] = conflict
    return str(conflict.pk) if conflict is not None else None


def _notification(world: IncidentWorld, owner: Any) -> Any:
    notification = world.extra.get("notification")
    if notification is None:
        from incidents.reminders.models import Notification

        notification = Notification.objects.create(
            recipient=owner,
            rule="action_assigned",
            incident=world.incident,
            title=f"Assigned: {world.action.title}",
            body=HOSTILE,
            url=f"/incidents/{world.incident.reference}/",
            created_at=timezone.now(),
        )
        world.extra["notification"] = notification
    return notification


def _token(segment: str, world: IncidentWorld, *, owner: Any) -> str | None:
    if segment == "calendar":
        from incidents.services.accounts import calendar_token_reset

        return str(calendar_token_reset(user=owner).calendar_token)
    if segment == "snooze":
        from incidents.reminders.models import Reminder
        from incidents.reminders.services import snooze_token

        reminder = Reminder.objects.create(
            key=f"world-{world.incident.pk}",
            rule="action_due_soon",
            object_type="action",
            object_id=world.action.pk,
            window="world",
            recipient=owner,
            incident=world.incident,
            deliver_after=timezone.now(),
            created_at=timezone.now(),
        )
        return snooze_token(reminder)
    if segment in ("confirm", "unsubscribe"):  # status page subscriber links (incidents.broadcasts)
        from incidents.broadcasts.emails import confirm_token
        from incidents.broadcasts.models import StatusSubscriber

        subscriber, _ = StatusSubscriber.objects.get_or_create(email="world@example.org")
        return confirm_token(subscriber) if segment == "confirm" else subscriber.token
    return None
