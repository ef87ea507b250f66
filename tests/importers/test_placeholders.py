"""Placeholders: people a source names without an account here, merged later by an admin."""

from __future__ import annotations

from typing import Any

from incidents.importers.models import ImportedRecord, PlaceholderPerson
from incidents.models import Incident
from tests.factories import UserFactory
from timeline.models import TimelineEvent


def _staff(user: Any) -> Any:
    """An admin who can open the Django admin (staff with a superuser's permissions)."""
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def test_an_admin_merges_a_placeholder_into_the_real_user(
    run_import: Any, client_for: Any, admin_user: Any
) -> None:
    run_import("pagerduty", "pagerduty_incidents.json")
    earline = UserFactory(username="earline", role="responder")
    placeholder = PlaceholderPerson.objects.get(name="Earline Greenholt")

    response = client_for(_staff(admin_user)).post(
        "/admin/importers/placeholderperson/",
        {
            "action": "merge_into_user",
            "_selected_action": [placeholder.pk],
            "into": "earline",
            "confirm": "1",
        },
    )

    assert response.status_code == 302
    fire = ImportedRecord.objects.get(source="pagerduty", external_id="PT4KHLK").incident
    assert fire.commander == earline
    assert TimelineEvent.objects.filter(incident=fire, author=earline).count() == 2
    placeholder.refresh_from_db()
    assert placeholder.merged_into == earline
    assert not placeholder.user.is_active
    # A later import of the same source maps the person straight to the real account.
    run_import("pagerduty", "pagerduty_incidents.json", force=True)
    assert Incident.objects.get(pk=fire.pk).commander == earline
    assert PlaceholderPerson.objects.filter(name="Earline Greenholt").count() == 1


def test_the_merge_asks_for_the_user_first(run_import: Any, client_for: Any, admin_user: Any) -> None:
    run_import("pagerduty", "pagerduty_incidents.json")
    placeholder = PlaceholderPerson.objects.get(name="Kim Responder")

    response = client_for(_staff(admin_user)).post(
        "/admin/importers/placeholderperson/",
        {"action": "merge_into_user", "_selected_action": [placeholder.pk]},
    )

    assert response.status_code == 200
    assert b"Username of the real user" in response.content
    placeholder.refresh_from_db()
    assert placeholder.merged_into is None
