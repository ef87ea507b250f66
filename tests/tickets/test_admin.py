"""Tracker connections in the admin: secrets are write-only."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.tickets.models import TrackerConnection

FORM = {
    "name": "Jira OPS",
    "kind": "jira",
    "base_url": "https://example.atlassian.net",
    "project": "OPS",
    "labels": "incident-followup",
    "issue_type": "Task",
    "email": "bot@example.com",
    "token": "jira-token-never-shown",
    "webhook_secret": "webhook-secret-never-shown",
    "active": "on",
}


@pytest.fixture
def staff(admin_user: Any) -> Any:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_the_admin_never_shows_a_saved_secret_and_a_blank_field_keeps_it(client_for: Any, staff: Any) -> None:
    client = client_for(staff)
    add = client.post("/admin/tickets/trackerconnection/add/", FORM)
    assert add.status_code == 302, add.content.decode()[:3000]
    tracker = TrackerConnection.objects.get(name="Jira OPS")
    assert (tracker.token, tracker.webhook_secret, tracker.allow_private) == (
        "jira-token-never-shown",
        "webhook-secret-never-shown",
        False,
    )

    page = client.get(f"/admin/tickets/trackerconnection/{tracker.pk}/change/").content.decode()
    assert "jira-token-never-shown" not in page
    assert "webhook-secret-never-shown" not in page
    assert "Set. " in page  # says a secret is saved, without showing it
    listing = client.get("/admin/tickets/trackerconnection/").content.decode()
    assert "jira-token-never-shown" not in listing
    assert ">set<" in listing
    assert f"/api/v1/hooks/tickets/{tracker.pk}/" in page

    kept = client.post(
        f"/admin/tickets/trackerconnection/{tracker.pk}/change/",
        {**FORM, "token": "", "webhook_secret": "", "labels": "followup"},
    )
    assert kept.status_code == 302
    tracker.refresh_from_db()
    assert (tracker.token, tracker.webhook_secret, tracker.labels) == (
        "jira-token-never-shown",
        "webhook-secret-never-shown",
        "followup",
    )

    client.post(
        f"/admin/tickets/trackerconnection/{tracker.pk}/change/",
        {**FORM, "token": "", "webhook_secret": "", "clear_webhook_secret": "on"},
    )
    tracker.refresh_from_db()
    assert tracker.webhook_secret == ""
    assert tracker.token == "jira-token-never-shown"
    assert "Not set" in client.get(f"/admin/tickets/trackerconnection/{tracker.pk}/change/").content.decode()


def test_the_admin_explains_what_each_tracker_needs(client_for: Any, staff: Any) -> None:
    response = client_for(staff).post(
        "/admin/tickets/trackerconnection/add/",
        {**FORM, "email": "", "token": "", "labels": "two words", "project": "ops team"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jira project key" in page
    assert "Atlassian account" in page
    assert "cannot contain spaces" in page
    assert "needs a token" in page
    github = client_for(staff).post(
        "/admin/tickets/trackerconnection/add/",
        {**FORM, "kind": "github", "base_url": "https://api.github.com", "project": "just-a-name"},
    )
    assert "owner/repo" in github.content.decode()
    assert not TrackerConnection.objects.exists()
