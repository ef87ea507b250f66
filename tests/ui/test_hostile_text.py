"""Hostile text typed into any field is shown as text, never run, on every UI page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from incidents import services
from timeline.services import timeline_event_add, timeline_event_update

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>[click](javascript:alert(1))'


def test_hostile_text_is_escaped_or_sanitised_everywhere(
    client_for: Any, owner: Any, admin_user: Any
) -> None:
    incident = services.incident_declare(
        actor=owner, title=HOSTILE, severity="SEV2", summary=HOSTILE, services=["<b>svc</b>"]
    )
    event = timeline_event_add(incident=incident, actor=owner, body=HOSTILE)
    timeline_event_update(event=event, actor=owner, data={"is_key": True, "body": HOSTILE + " edited"})
    cause = services.cause_add(
        incident=incident, actor=owner, category="software", description=HOSTILE, evidence=[event]
    )
    services.action_add(
        incident=incident, actor=owner, title=HOSTILE, description=HOSTILE, owner=owner, causes=[cause]
    )
    services.status_update_post(incident=incident, actor=owner, message=HOSTILE, audience="public")
    ref = incident.reference
    pages = [
        reverse("dashboard"),
        reverse("incident-list"),
        reverse("incident-list") + "?q=script",
        reverse("incident-detail", args=[ref]),
        reverse("incident-history", args=[ref]),
        reverse("incident-edit", args=[ref]),
        reverse("incident-timeline", args=[ref]),
        reverse("cause-edit", args=[ref, cause.pk]),
        reverse("cause-add", args=[ref]),
        reverse("action-list") + "?tab=all",
    ]
    for user in (owner, admin_user):
        client = client_for(user)
        for url in pages:
            page = client.get(url).content.decode()
            assert "<script>alert" not in page, url
            assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", ""), url
            assert 'href="javascript:' not in page, url
            assert "<b>svc</b>" not in page, url
