"""The demo's finished postmortem: written, reviewed, approved, published, and its incident closed.

Registered in `incidents.demo.DEMO_STEPS` (PostmortemsConfig.ready), so `manage.py load_demo`
shows the whole life of an incident: this one's read page opens from the incident page and the
public status page, and the incident is closed. Written through the services, on the demo clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incidents.choices import Status
from incidents.demo import Output
from incidents.demo.clock import DemoClock
from incidents.models import Incident
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import (
    postmortem_approve,
    postmortem_generate,
    postmortem_publish,
    postmortem_submit,
    section_update,
)
from incidents.services import incident_update

FAILOVER = "Database failover left chat-api read-only"

SECTIONS = {
    "went_well": (
        "- The write-error alert fired within four minutes and paged the right team.\n"
        "- The first public update went out ten minutes after impact began."
    ),
    "went_wrong": (
        "- Nobody knew chat-api cached the database address: we spent 20 minutes on the database "
        "before looking at the client.\n"
        "- The failover runbook stopped at the database and said nothing about its clients."
    ),
    "got_lucky": "- It happened at 03:00 UTC, our quietest hour; most customers were asleep.",
    "lessons": (
        "A failover is not finished until every client has followed it. Drill the whole path, "
        "not only the database."
    ),
}


def publish_failover_postmortem(clock: DemoClock, users: dict[str, Any], out: Output) -> int:
    """Write, review, publish and close the database failover's postmortem; 0 when already done."""
    incident = Incident.objects.filter(title=FAILOVER).first()
    if incident is None or incident.resolved_at is None:
        return 0
    existing = Postmortem.objects.filter(incident=incident).first()
    if existing is not None and existing.is_published:
        return 0
    day = timedelta(days=1)
    resolved = incident.resolved_at
    clock.set(resolved + timedelta(hours=2))
    postmortem_generate(incident_id=incident.pk, reason="incident resolved")
    postmortem = Postmortem.objects.get(incident=incident)
    clock.set(resolved + day)
    for key, body in SECTIONS.items():
        section_update(postmortem=postmortem, key=key, actor=users["maya"], body=body)
    clock.set(resolved + 2 * day)
    postmortem_submit(postmortem=postmortem, actor=users["maya"], reviewers=[users["priya"]])
    clock.set(resolved + 3 * day)
    postmortem_approve(
        postmortem=postmortem, actor=users["priya"], comment="Clear, and the drill action is the right one."
    )
    clock.set(resolved + 3 * day + timedelta(hours=1))
    postmortem_publish(postmortem=Postmortem.objects.get(pk=postmortem.pk), actor=users["maya"], public=True)
    clock.set(resolved + 3 * day + timedelta(hours=2))
    incident_update(incident=incident, actor=users["maya"], data={"status": Status.CLOSED})
    out.write(f"  {incident.reference} postmortem published, incident closed\n")
    return 1
