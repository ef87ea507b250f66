"""Fixes that did not hold: a confirmed cause of a new incident matches an earlier incident whose
repair/prevent items were done.

When a cause is confirmed (the `cause_confirmed` incident event), `on_incident_event` enqueues the
`insights.fixes_not_held` job. The job finds the earlier countable incidents that share a service
with the new one and have a cause (not ruled out) of the confirmed category, and whose done
repair/prevent items meant for that category were completed before the new incident started. It
links each pair once (`FixNotHeld`), and asks reminders to tell the owners of those items and the
approvers of the earlier postmortem — each only if they may see both incidents.

`fixes_not_held_for` is the selector behind the incident page's panel and the API: it returns
only links whose other incident the reader may see, and only while the new incident still has a
confirmed cause of that category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from incidents.choices import ActionStatus, CauseStatus
from incidents.events import IncidentEvent, IncidentEventName
from incidents.insights.models import FixNotHeld
from incidents.insights.recurrence import FIX_KINDS
from incidents.jobs import job_enqueue, job_handler
from incidents.models import Cause, Incident, RemediationAction
from timeline.actors import Actor

JOB = "insights.fixes_not_held"
NOTIFY_JOB = "reminders.fix_not_held"
# The newest earlier incidents looked at for one confirmed cause: a repeat is about the last times.
MAX_EARLIER = 20


def on_incident_event(event: IncidentEvent) -> None:
    """The hook (registered in apps.py): a confirmed cause may mean a fix did not hold."""
    if event.name == IncidentEventName.CAUSE_CONFIRMED:
        job_enqueue(
            name=JOB,
            kwargs={"cause_id": event.detail["cause_id"], "actor_id": getattr(event.actor, "pk", None)},
            incident_id=event.incident.pk,
            actor=event.actor,
        )


def _fixes_for(earlier: Incident, *, category: str, before: Any) -> list[RemediationAction]:
    """The earlier incident's done repair/prevent items meant for `category`, completed before
    `before`: those linked to a cause of that category, or linked to no cause at all."""
    linked_elsewhere = Exists(
        RemediationAction.causes.through.objects.filter(
            remediationaction_id=OuterRef("pk"), cause__deleted_at__isnull=True
        ).exclude(cause__category=category)
    )
    linked_here = Exists(
        RemediationAction.causes.through.objects.filter(
            remediationaction_id=OuterRef("pk"), cause__deleted_at__isnull=True, cause__category=category
        )
    )
    return list(
        RemediationAction.objects.filter(
            incident=earlier,
            kind__in=FIX_KINDS,
            status=ActionStatus.DONE,
            completed_at__lte=before,
        )
        .filter(Q(linked_here) | ~Q(linked_elsewhere))
        .order_by("completed_at", "id")
    )


def earlier_matches(cause: Cause) -> list[tuple[Incident, list[RemediationAction]]]:
    """Return the earlier incidents this confirmed cause repeats, with the fixes that did not hold."""
    incident = cause.incident
    if incident.duplicate_of_id is not None or incident.false_alarm:
        return []
    service_ids = list(incident.services.values_list("pk", flat=True))
    if not service_ids:
        return []
    shares_service = Exists(
        Incident.services.through.objects.filter(incident_id=OuterRef("pk"), service_id__in=service_ids)
    )
    shares_cause = Exists(
        Cause.objects.filter(incident=OuterRef("pk"), category=cause.category).exclude(
            status=CauseStatus.RULED_OUT
        )
    )
    candidates = (
        Incident.objects.countable()
        .filter(shares_service, shares_cause, started_at__lt=incident.started_at)
        .exclude(pk=incident.pk)
        .order_by("-started_at", "-number")[:MAX_EARLIER]
    )
    matches = []
    for earlier in candidates:
        fixes = _fixes_for(earlier, category=cause.category, before=incident.started_at)
        if fixes:
            matches.append((earlier, fixes))
    return matches


def _approver_ids(earlier: Incident) -> set[int]:
    """Who approved the earlier incident's postmortem (none when postmortems are not installed)."""
    if not apps.is_installed("incidents.postmortems"):
        return set()
    review = apps.get_model("postmortems", "Review")
    return set(
        review.objects.filter(postmortem__incident=earlier, decision="approved", reviewer__isnull=False)
        .values_list("reviewer_id", flat=True)
        .distinct()
    )


@job_handler(JOB)
def fixes_not_held(*, cause_id: int, actor_id: int | None = None) -> dict[str, Any]:
    """Link the incident to each earlier one whose fixes did not hold, and say so to their owners.

    Idempotent: a pair is linked once (a unique constraint), and people are told only when it is
    first linked; a rerun adds fixes found since to the link and tells nobody twice.
    """
    cause = Cause.objects.select_related("incident").filter(pk=cause_id).first()
    if cause is None or cause.status != CauseStatus.CONFIRMED:
        return {"linked": 0}  # deleted or no longer confirmed since: nothing to say
    linked = 0
    for earlier, fixes in earlier_matches(cause):
        with transaction.atomic():
            link, created = FixNotHeld.objects.get_or_create(
                incident=cause.incident,
                earlier=earlier,
                defaults={"cause": cause, "category": cause.category, "detected_at": timezone.now()},
            )
            link.actions.add(*fixes)
            if not created:
                continue
            linked += 1
            recipients: dict[int, list[str]] = {}
            for action in fixes:
                if action.owner_id is not None:
                    recipients.setdefault(action.owner_id, []).append("owner")
            for reviewer_id in _approver_ids(earlier):
                recipients.setdefault(reviewer_id, []).append("approver")
            for user_id, reasons in sorted(recipients.items()):
                if user_id == actor_id:
                    continue  # they confirmed the cause and see the notice on the page
                job_enqueue(
                    name=NOTIFY_JOB,
                    kwargs={"link_id": link.pk, "user_id": user_id, "reasons": sorted(set(reasons))},
                    incident_id=cause.incident_id,
                )
    return {"linked": linked}


@dataclass(frozen=True)
class FixNotHeldView:
    """One link as a reader sees it from `incident`'s page."""

    link: FixNotHeld
    other: Incident  # the earlier incident, or the later one that repeats this one
    repeats: bool  # True: this incident repeats `other`; False: `other` repeats this one
    actions: list[RemediationAction]


def fixes_not_held_for(*, user: Actor, incident: Incident) -> list[FixNotHeldView]:
    """Return the fixes that did not hold around this incident, both ways, that the reader may see.

    A link shows while the later incident still has a confirmed cause of its category; the other
    incident must be one the reader may see (private incidents do not show through).
    """
    visible = Incident.objects.visible_to(user)
    still_confirmed = Exists(
        Cause.objects.filter(
            incident_id=OuterRef("incident_id"), category=OuterRef("category"), status=CauseStatus.CONFIRMED
        )
    )
    links = (
        FixNotHeld.objects.filter(Q(incident=incident) | Q(earlier=incident))
        .filter(still_confirmed)
        .filter(Q(incident__in=visible.values("pk")) & Q(earlier__in=visible.values("pk")))
        .select_related("incident", "earlier")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=RemediationAction.objects.select_related("owner").order_by("completed_at", "id"),
            )
        )
    )
    views = []
    for link in links:
        repeats = link.incident_id == incident.pk
        views.append(
            FixNotHeldView(
                link=link,
                other=link.earlier if repeats else link.incident,
                repeats=repeats,
                actions=list(link.actions.all()),
            )
        )
    views.sort(key=lambda view: (not view.repeats, -view.other.started_at.timestamp()))
    return views
