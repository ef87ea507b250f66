"""The privacy net: crawl everything a viewer, an outsider and the public can reach; find nothing private.

A private incident holds a marker in every text a person can write (title, summary, impact, tags,
timeline entries, causes, action items, status updates — a public one included —, postmortem
sections), its reference, and a service only it uses. Public incidents point at it: one is marked
its duplicate, one shares a service and a cause category with it (related incidents). Its action
items were assigned to the viewer and the outsider, who got notifications about them, and were
then handed back to its owner and the two taken off the incident (an owner is a participant while
they own an item): their notifications stay, about an incident they may no longer see. Its owner
gets notifications of their own.

Each persona crawls every page, partial, feed and API response reachable from the usual starting
points (tests/security/crawl.py follows every link and `hx-get`), and no response may contain a
marker. A page added later is crawled as soon as something links to it: keep this test as the net
for every future page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from incidents import services
from incidents.reminders.handlers import action_assigned
from incidents.services.accounts import calendar_token_reset, profile_for
from tests.security.crawl import Crawl, crawl
from tests.security.urlwalk import all_routes, fill
from tests.security.world import IncidentWorld, build_incident, placeholder_values

# In every private text. "quokka" is searched for: a search echoes its query, never the marker.
MARKER = "zqxhush"
PRIVATE_TEXT = f"{MARKER} quokka secret words"
PRIVATE_SERVICE = f"{MARKER}-vault"
CAP = 700


@pytest.fixture
def net(owner: Any, participant: Any, viewer: Any, outsider: Any) -> dict[str, Any]:
    secret = build_incident(
        owner=owner,
        private=True,
        participant=participant,
        text=PRIVATE_TEXT,
        services=("checkout", PRIVATE_SERVICE),
    )
    # An internal update too, and open action items due soon for people who cannot see it.
    services.status_update_post(
        incident=secret.incident, actor=owner, message=f"Internal: {PRIVATE_TEXT}", audience="internal"
    )
    soon = timezone.localdate() + timedelta(days=1)
    for person in (viewer, outsider, owner):
        # No quiet hours: the notifications are there at once, whatever the time the test runs.
        profile_for(person).__class__.objects.filter(user=person).update(
            quiet_hours_start=None, quiet_hours_end=None, quiet_weekends=False
        )
        action = services.action_add(
            incident=secret.incident,
            actor=owner,
            title=f"Rotate keys {MARKER} for {person.username}",
            owner=person,
            due_date=soon,
        )
        action_assigned(action_id=action.pk)
        if person != owner:
            # Handed back, and taken off the incident: what they were told stays in their bell.
            services.action_update(action=action, actor=owner, data={"owner": owner})
            secret.incident.participants.remove(person)
    public = build_incident(owner=owner, private=False, text="Public words about checkout")
    services.status_update_post(
        incident=public.incident, actor=owner, message="We are looking into checkout.", audience="public"
    )
    duplicate = build_incident(owner=owner, private=False, text="Public words, a second report")
    services.incident_update(incident=duplicate.incident, actor=owner, data={"duplicate_of": secret.incident})
    for person in (viewer, outsider):
        calendar_token_reset(user=person)
    return {"secret": secret, "public": public, "duplicate": duplicate}


def leaks(result: Crawl, secret: IncidentWorld) -> list[str]:
    """Return "url: what" for every response that names the private incident or its contents."""
    reference = re.compile(rf"\b{re.escape(secret.incident.reference)}\b")
    found = []
    for page in result.pages:
        body = page.body.lower()
        what = [
            label
            for label, hit in (
                ("marker", MARKER in body),
                ("reference", reference.search(page.body) is not None),
            )
            if hit
        ]
        if what:
            where = " (htmx)" if page.partial else ""
            found.append(f"{page.url}{where}: {', '.join(what)}")
    return found


def signed_in_starts(net: dict[str, Any], user: Any) -> list[str]:
    starts = [
        "/",
        "/incidents/",
        "/incidents/?q=quokka",
        f"/incidents/?service={PRIVATE_SERVICE}",
        "/actions/",
        "/actions/?tab=all",
        "/actions/?tab=overdue",
        "/insights/",
        "/insights/export.csv",
        "/notifications/",
        "/notifications/?unread=true",
        "/profile/",
        "/profile/calendar/",
        f"/calendar/{profile_for(user).calendar_token}.ics",
        f"/actions/hints/?action_id={net['secret'].action.pk}&title=x",
        "/api/v1/incidents/",
        "/api/v1/incidents/?q=quokka",
        "/api/v1/actions/",
        "/api/v1/actions/?overdue=true",
        "/api/v1/notifications/",
        "/api/v1/insights/",
        "/api/v1/search/?q=quokka",
        "/api/v1/me/",
    ]
    for world in (net["public"], net["duplicate"]):
        reference = world.incident.reference
        starts += [
            f"/incidents/{reference}/",
            f"/incidents/{reference}/history/",
            f"/incidents/{reference}/related/",
            f"/incidents/{reference}/postmortem/",
            f"/api/v1/incidents/{reference}/",
            f"/api/v1/incidents/{world.incident.pk}/similar/",
            f"/api/v1/incidents/{world.incident.pk}/history/",
            f"/api/v1/incidents/{world.incident.pk}/changes/",
        ]
        starts += [
            f"/api/v1/incidents/{world.incident.pk}/{part}/"
            for part in ("timeline", "causes", "actions", "updates", "postmortem", "postmortem/revisions")
        ]
        starts.append(f"/api/v1/incidents/{world.incident.pk}/postmortem/export/?format=json")
    return starts + public_starts(net)


def public_starts(net: dict[str, Any]) -> list[str]:
    reference = net["public"].incident.reference
    return ["/status/", "/status/feed.atom", f"/status/incidents/{reference}/"]


def assert_clean(result: Crawl, net: dict[str, Any], *, at_least: int) -> None:
    errors = [f"{page.url}: {page.status}" for page in result.pages if page.status >= 500]
    assert errors == [], "\n".join(errors)
    found = leaks(result, net["secret"])
    assert found == [], "private incident shown at:\n" + "\n".join(found)
    assert not result.truncated, f"crawl stopped at {CAP} responses: raise CAP or skip a volatile parameter"
    assert len(result.pages) >= at_least  # the crawl really went through the site


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_a_signed_in_outsider_finds_nothing_private_anywhere(
    client_for: Any, net: dict[str, Any], viewer: Any, outsider: Any, persona: str
) -> None:
    user = viewer if persona == "viewer" else outsider
    result = crawl(client_for(user), signed_in_starts(net, user), limit=CAP)
    assert_clean(result, net, at_least=60)
    pages = result.by_url()
    # The crawl saw the public incident, the duplicate's page and the notifications it was sent.
    assert pages[f"/incidents/{net['duplicate'].incident.reference}/"].status == 200
    assert "Public words, a second report" in pages[f"/incidents/{net['duplicate'].incident.reference}/"].body
    assert "private incident" in pages["/notifications/"].body


@pytest.mark.django_db
def test_the_public_finds_nothing_private_on_the_status_pages(client_for: Any, net: dict[str, Any]) -> None:
    result = crawl(client_for(None), public_starts(net), limit=CAP)
    assert_clean(result, net, at_least=3)
    assert "We are looking into checkout." in result.by_url()["/status/"].body


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_every_url_of_the_private_incident_answers_404(
    client_for: Any, net: dict[str, Any], owner: Any, viewer: Any, outsider: Any, persona: str
) -> None:
    client = client_for(viewer if persona == "viewer" else outsider)
    secret = net["secret"]
    answers = {}
    for route in all_routes():
        scoped = [
            name
            for name in route.placeholders
            if name in ("reference", "incident_id", "incident", "pk", "id")
        ]
        if not scoped or route.template.startswith("/logout/") or "GET" not in route.methods():
            continue
        values = placeholder_values(route, secret, owner=owner)
        if values is None or route.segment_before(scoped[0]) in ("notifications", "tokens"):
            continue
        path = fill(route, values)
        answers[path] = client.get(path).status_code
    assert {path: status for path, status in answers.items() if status not in (404, 405)} == {}
    assert len(answers) > 20
