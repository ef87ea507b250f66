"""Every URL of the URLconf, every method it answers, for every persona: the expected refusal.

Walks the URLconf (UI and API), fills placeholders with real objects of a public and a private
incident, and checks: no 500 anywhere; anonymous callers are sent to sign in (UI) or refused (API);
people outside a private incident get 404 for everything in it; viewers get 403 for writes; admins
see private incidents. A route added later is covered without being listed here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from tests.security.urlwalk import Route, all_routes, fill
from tests.security.world import build_incident, placeholder_values

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Open to anyone: sign-in (password and single sign-on, 404 while SSO is off), health, the public
# status page and its feed, API docs, links carrying their own secret token (calendar feed, snooze
# link from an email).
PUBLIC_PREFIXES = ("/healthz", "/login/", "/oidc/", "/status/", "/api/v1/schema/", "/api/v1/docs/")
TOKEN_ROUTES = ("token",)
# Placeholders that point into an incident (its privacy applies to the URL).
INCIDENT_SEGMENTS = {
    "incidents",
    "timeline-events",
    "timeline",
    "causes",
    "actions",
    "updates",
    "jobs",
    "events",
}
SKIPPED = {"/logout/"}  # signs the persona out; covered by Django's own tests
# Writes that change only the caller's own settings about an incident they may read (following it):
# open to viewers, so not expected to answer 403.
READER_WRITES = ("/subscription/",)


def _is_public(route: Route) -> bool:
    return route.template.startswith(PUBLIC_PREFIXES) or any(p in TOKEN_ROUTES for p in route.placeholders)


def _is_incident_scoped(route: Route) -> bool:
    return any(
        name in ("reference", "incident_id") or route.segment_before(name) in INCIDENT_SEGMENTS
        for name in route.placeholders
    )


def _request(client: Any, method: str, path: str, api: bool) -> Any:
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        elif api:
            response = client.generic(method, path, json.dumps({}), content_type="application/json")
        else:
            response = client.generic(method, path, "", content_type="application/x-www-form-urlencoded")
        transaction.set_rollback(True)
    return response


def _login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "viewer", "outsider", "owner", "admin_user"])
def test_every_route_answers_each_persona_as_expected(
    client: Any, owner: Any, participant: Any, outsider: Any, viewer: Any, admin_user: Any, persona: str
) -> None:
    worlds = {
        "public": build_incident(owner=owner, private=False),
        "private": build_incident(owner=owner, private=True, participant=participant),
    }
    user = {
        "anonymous": None,
        "viewer": viewer,
        "outsider": outsider,
        "owner": owner,
        "admin_user": admin_user,
    }[persona]
    problems: list[str] = []
    checked = 0
    for route in all_routes():
        if route.template in SKIPPED:
            continue
        scoped = _is_incident_scoped(route)
        for variant, world in worlds.items():
            values = placeholder_values(route, world, owner=owner)
            if values is None:
                problems.append(
                    f"{route.template}: no object for its placeholders (teach tests/security/world.py)"
                )
                break
            path = fill(route, values)
            for method in route.methods():
                client.logout()
                if user is not None:
                    client.force_login(user)
                response = _request(client, method, path, route.is_api)
                status = response.status_code
                checked += 1
                where = f"{persona} {method} {path} ({variant})"
                if status >= 500:
                    problems.append(f"{where}: {status}")
                    continue
                if user is None and not _is_public(route):
                    refused = status in (401, 403, 405) if route.is_api else _login_redirect(response)
                    if not (refused or status == 405):
                        problems.append(f"{where}: {status}, expected sign-in / 401")
                    continue
                private_outsider = variant == "private" and persona in ("viewer", "outsider")
                if private_outsider and scoped and not _is_public(route) and status not in (404, 405):
                    problems.append(f"{where}: {status}, expected 404")
                    continue
                # Plain function views do not declare their methods; a POST to a read-only page is
                # not a write. An empty API body may be refused as invalid (400) before the
                # permission check: test_viewers_cannot_write checks valid bodies get 403.
                declared = route.methods_declared()
                # An empty API PATCH changes nothing and may answer 200.
                empty_api_answer = route.is_api and (status == 400 or (method == "PATCH" and status == 200))
                viewer_write = (
                    persona == "viewer"
                    and method in WRITES
                    and variant == "public"
                    and not route.template.endswith(READER_WRITES)
                )
                if viewer_write and scoped and declared and status not in (403, 405) and not empty_api_answer:
                    problems.append(f"{where}: {status}, expected 403")
                visible_to_them = scoped and not _is_public(route)
                if (
                    persona in ("owner", "admin_user")
                    and method == "GET"
                    and status == 404
                    and visible_to_them
                ):
                    problems.append(f"{where}: 404 for someone who may see it")
            if not scoped:
                break  # one pass is enough for routes that do not point into an incident
    assert problems == [], "\n".join(problems)
    assert checked > 50


@pytest.mark.django_db
def test_viewers_cannot_write_through_the_api(api_client: Any, owner: Any, viewer: Any) -> None:
    """Valid bodies, so that only the permission check can refuse them."""
    world = build_incident(owner=owner, private=False)
    incident = world.incident
    api_client.force_authenticate(viewer)
    writes = [
        ("post", "/api/v1/incidents/", {"title": "Viewer declares", "severity": "SEV3"}),
        ("patch", f"/api/v1/incidents/{incident.pk}/", {"title": "Viewer renames"}),
        ("post", f"/api/v1/incidents/{incident.pk}/timeline/", {"kind": "note", "body": "Viewer notes"}),
        ("patch", f"/api/v1/timeline-events/{world.event.pk}/", {"body": "Viewer edits"}),
        ("delete", f"/api/v1/timeline-events/{world.event.pk}/", None),
        ("post", f"/api/v1/incidents/{incident.pk}/causes/", {"category": "software", "description": "Bug"}),
        ("patch", f"/api/v1/causes/{world.cause.pk}/", {"status": "ruled_out"}),
        ("post", f"/api/v1/incidents/{incident.pk}/actions/", {"title": "Viewer adds work"}),
        ("patch", f"/api/v1/actions/{world.action.pk}/", {"title": "Viewer edits work"}),
        (
            "post",
            f"/api/v1/incidents/{incident.pk}/updates/",
            {"message": "Viewer speaks", "audience": "public"},
        ),
    ]
    if world.postmortem is not None:
        writes += [
            ("post", f"/api/v1/incidents/{incident.pk}/postmortem/generate/", {}),
            (
                "patch",
                f"/api/v1/incidents/{incident.pk}/postmortem/sections/summary/",
                {"body": "Viewer writes"},
            ),
        ]
    answers = {
        f"{method.upper()} {path}": getattr(api_client, method)(path, body, format="json").status_code
        for method, path, body in writes
    }
    assert {call: status for call, status in answers.items() if status != 403} == {}
