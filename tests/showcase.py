"""A small, believable record that fills every main page: the UI tests, the 320 px browser test
and `make screenshots` look at the same pages.

Everything is written through the services, as a responder would, so the system entries, history
and postmortem are the ones the product makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from incidents import services
from incidents.models import Incident
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate
from incidents.services.accounts import profile_update
from incidents.services.updates import status_update_post
from tests.factories import IncidentFactory, ServiceFactory, UserFactory
from timeline import services as timeline_services


@dataclass
class Showcase:
    responder: Any
    resolved: Incident
    ongoing: Incident

    def main_pages(self) -> dict[str, str]:
        """The pages a responder reaches for, by name: signed-in ones first, then the public ones."""
        resolved, ongoing = self.resolved.reference, self.ongoing.reference
        return {
            "dashboard": "/",
            "incident list": "/incidents/",
            "incident": f"/incidents/{ongoing}/",
            "resolved incident": f"/incidents/{resolved}/",
            "history": f"/incidents/{resolved}/history/",
            "postmortem editor": f"/incidents/{resolved}/postmortem/",
            "postmortem": f"/incidents/{resolved}/postmortem/read/",
            "action items": "/actions/",
            "insights": "/insights/",
            "profile": "/profile/",
            "notifications": "/notifications/",
            "status page": "/status/",
            "public incident": f"/status/incidents/{resolved}/",
            "public postmortem": f"/status/incidents/{resolved}/postmortem/",
        }


def build_showcase() -> Showcase:
    """Two incidents (one resolved with a published public postmortem, one ongoing SEV1)."""
    responder = UserFactory(
        username="maya", first_name="Maya", last_name="Chen", role="responder", is_staff=False
    )
    colleague = UserFactory(username="jonas", first_name="Jonas", last_name="Berg", role="responder")
    profile_update(user=responder, data={"timezone": "Europe/Berlin"})
    now = timezone.now().replace(second=0, microsecond=0)

    resolved = IncidentFactory(
        title="Checkout returns 502 for card payments",
        severity="SEV2",
        commander=responder,
        reporter=colleague,
        started_at=now - timedelta(days=9, hours=3),
        detected_at=now - timedelta(days=9, hours=2, minutes=52),
        summary="Card payments failed for **47 minutes** after a connection-pool change.",
        impact="About 18% of checkouts failed.",
        services=[ServiceFactory(name="checkout"), ServiceFactory(name="payments-api")],
    )
    start = resolved.started_at
    entries = []
    for minutes, kind, body, author in (
        (8, "alert", "Error-rate alert: checkout 5xx above 5%", colleague),
        (12, "action", "Paged the payments on-call; rolling back deploy 4182", responder),
        (20, "decision", "Freeze deploys to checkout until the pool size is fixed", responder),
        (31, "note", "Errors back to baseline after the rollback", colleague),
    ):
        entries.append(
            timeline_services.timeline_event_add(
                incident=resolved,
                actor=author,
                kind=kind,
                body=body,
                occurred_at=start + timedelta(minutes=minutes),
                source="web",
            )
        )
    for entry in entries[:2]:
        timeline_services.timeline_event_update(event=entry, actor=responder, data={"is_key": True})
    cause = services.cause_add(
        incident=resolved,
        actor=responder,
        category="change",
        role="root_cause",
        status="confirmed",
        description="Deploy 4182 cut the database pool from 50 to 5 connections.",
        evidence=[entries[0].pk],
    )
    services.action_add(
        incident=resolved,
        actor=responder,
        title="Alert when the pool is more than 80% used",
        owner=colleague,
        causes=[cause.pk],
    )
    status_update_post(
        incident=resolved,
        actor=responder,
        message="Card payments are failing; we are rolling back a change.",
        audience="public",
    )
    services.incident_update(
        incident=resolved,
        actor=responder,
        data={
            "mitigated_at": start + timedelta(minutes=31),
            "resolved_at": start + timedelta(minutes=47),
            "status": "resolved",
        },
    )
    postmortem_generate(incident_id=resolved.pk)
    Postmortem.objects.filter(incident=resolved).update(status="published", public=True, published_at=now)

    ongoing = IncidentFactory(
        title="Search results are empty for some users",
        severity="SEV1",
        commander=responder,
        reporter=responder,
        started_at=now - timedelta(minutes=40),
        detected_at=now - timedelta(minutes=35),
        services=[ServiceFactory(name="search")],
    )
    for minutes, kind, body in (
        (35, "alert", "Search zero-results rate at 30%"),
        (20, "action", "Restarted two search replicas"),
    ):
        timeline_services.timeline_event_add(
            incident=ongoing,
            actor=responder,
            kind=kind,
            body=body,
            occurred_at=now - timedelta(minutes=minutes),
            source="web",
        )
    status_update_post(
        incident=ongoing,
        actor=responder,
        message="Some searches return no results. We are investigating.",
        audience="public",
    )
    return Showcase(responder=responder, resolved=resolved, ongoing=ongoing)
