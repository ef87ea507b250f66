"""The quick-add box and in-place timeline edits, with and without htmx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from incidents.views.detail import TIMELINE_WINDOW
from tests.factories import IncidentFactory, TimelineEventFactory
from timeline.models import TimelineEvent

HTMX = {"HTTP_HX_REQUEST": "true"}


def add(client: Any, incident: Any, when: str, body: str, kind: str = "note", **extra: Any) -> Any:
    return client.post(
        reverse("timeline-add", args=[incident.reference]),
        {"when": when, "kind": kind, "body": body},
        **extra,
    )


def test_quick_add_accepts_minus_ten_minutes(client_for: Any, owner: Any, busy_incident: Any) -> None:
    before = timezone.now()
    response = add(client_for(owner), busy_incident, "-10m", "Paged the database team")
    event = TimelineEvent.objects.get(body="Paged the database team")
    assert response.status_code == 302
    assert response.url.endswith(f"#event-{event.pk}")
    assert abs((before - event.occurred_at) - timedelta(minutes=10)) < timedelta(seconds=30)
    assert event.author == owner
    assert event.source == "web"


def test_quick_add_reads_a_clock_time_in_the_users_timezone(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    owner.profile.timezone = "Asia/Tokyo"
    owner.profile.save()
    response = add(client_for(owner), busy_incident, "00:01", "Tokyo minute one", **HTMX)
    assert response.status_code == 200
    event = TimelineEvent.objects.get(body="Tokyo minute one")
    local = event.occurred_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (0, 1)
    assert "Tokyo minute one" in response.content.decode()


def test_quick_add_accepts_14_05(client_for: Any, owner: Any, busy_incident: Any) -> None:
    add(client_for(owner), busy_incident, "14:05", "At five past two")
    event = TimelineEvent.objects.get(body="At five past two")
    local = timezone.localtime(event.occurred_at, ZoneInfo("UTC"))
    assert (local.hour, local.minute) == (14, 5)
    assert event.occurred_at <= timezone.now() + timedelta(minutes=5)


def test_quick_add_shows_the_parsers_message_for_bad_text_and_saves_nothing(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    count = TimelineEvent.objects.count()
    for extra in ({}, HTMX):
        response = add(client_for(owner), busy_incident, "half past lunch", "Should not be saved", **extra)
        assert response.status_code == 422
        page = response.content.decode()
        assert "Cannot read" in page
        assert "half past lunch" in page
        assert "Should not be saved" in page  # the typed text is kept for a retry
    assert TimelineEvent.objects.count() == count


def test_quick_add_refuses_an_empty_body(client_for: Any, owner: Any, busy_incident: Any) -> None:
    count = TimelineEvent.objects.count()
    response = add(client_for(owner), busy_incident, "", "   ", **HTMX)
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert TimelineEvent.objects.count() == count


def test_quick_add_refuses_a_time_in_the_future(client_for: Any, owner: Any, busy_incident: Any) -> None:
    future = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = add(client_for(owner), busy_incident, future, "Time travel")
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()
    assert not TimelineEvent.objects.filter(body="Time travel").exists()


def test_viewers_cannot_add_entries(client_for: Any, viewer: Any, busy_incident: Any) -> None:
    response = add(client_for(viewer), busy_incident, "", "Viewer note")
    assert response.status_code == 403
    assert not TimelineEvent.objects.filter(body="Viewer note").exists()


def test_pin_and_unpin_in_place(client_for: Any, owner: Any, busy_incident: Any, event: Any) -> None:
    client = client_for(owner)
    url = reverse("timeline-event-pin", args=[busy_incident.reference, event.pk])
    response = client.post(url, {"is_key": "1"}, **HTMX)
    event.refresh_from_db()
    assert event.is_key
    page = response.content.decode()
    assert f'id="event-{event.pk}"' in page
    assert "Unpin" in page
    assert 'id="key-events"' in page
    assert 'hx-swap-oob="true"' in page
    client.post(url, {"is_key": "0"})
    event.refresh_from_db()
    assert not event.is_key


def test_edit_in_place_keeps_the_old_text_in_history(
    client_for: Any, owner: Any, busy_incident: Any, event: Any
) -> None:
    client = client_for(owner)
    url = reverse("timeline-event-edit", args=[busy_incident.reference, event.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200
    assert "<form" in form.content.decode()
    old = event.body
    response = client.post(
        url,
        {"when": form.context["form"].initial["when"], "kind": "action", "body": "Rolled back 4182"},
        **HTMX,
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.body == "Rolled back 4182"
    assert event.kind == "action"
    assert event.edited_at
    assert old in [version.body for version in event.history.all()]


def test_edit_with_bad_input_changes_nothing(
    client_for: Any, owner: Any, busy_incident: Any, event: Any
) -> None:
    url = reverse("timeline-event-edit", args=[busy_incident.reference, event.pk])
    response = client_for(owner).post(url, {"when": "tomorrowish", "kind": "note", "body": "changed"})
    assert response.status_code == 422
    assert "Cannot read" in response.content.decode()
    before = event.body
    event.refresh_from_db()
    assert event.body == before


def test_delete_hides_the_entry_and_an_admin_restores_it(
    client_for: Any, owner: Any, admin_user: Any, busy_incident: Any, event: Any
) -> None:
    client = client_for(owner)
    response = client.post(reverse("timeline-event-delete", args=[busy_incident.reference, event.pk]), **HTMX)
    assert response.status_code == 200
    assert f'id="event-{event.pk}"' not in response.content.decode()
    event.refresh_from_db()
    assert event.is_deleted
    detail = client.get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    assert event.body not in detail

    restore = reverse("timeline-event-restore", args=[busy_incident.reference, event.pk])
    assert client.post(restore).status_code == 403

    admin = client_for(admin_user)
    admin_page = admin.get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    assert event.body in admin_page
    assert "Restore" in admin_page
    response = admin.post(restore, **HTMX)
    assert response.status_code == 200
    event.refresh_from_db()
    assert not event.is_deleted


def test_system_entries_can_be_pinned_but_not_edited_or_deleted(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    system = TimelineEventFactory(
        incident=busy_incident, source="system", kind="status_change", body="Status x"
    )
    client = client_for(owner)
    ref = busy_incident.reference
    assert client.post(reverse("timeline-event-delete", args=[ref, system.pk])).status_code == 403
    assert client.get(reverse("timeline-event-edit", args=[ref, system.pk])).status_code == 403
    assert (
        client.post(reverse("timeline-event-pin", args=[ref, system.pk]), {"is_key": "1"}).status_code == 302
    )
    system.refresh_from_db()
    assert system.is_key
    assert not system.is_deleted


def test_every_entry_shows_its_date_as_well_as_its_time(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    owner.profile.timezone = "America/New_York"
    owner.profile.save()
    late = timezone.now().replace(hour=3, minute=50, second=0, microsecond=0) - timedelta(days=1)
    TimelineEventFactory(incident=busy_incident, occurred_at=late, body="Before midnight in New York")
    page = client_for(owner).get(reverse("incident-detail", args=[busy_incident.reference])).content.decode()
    local = late.astimezone(ZoneInfo("America/New_York"))
    assert f'{local:%Y-%m-%d}</span> <span class="clock">{local:%H:%M}' in page


def test_a_large_timeline_is_windowed_with_a_constant_number_of_queries(
    client_for: Any, owner: Any, django_assert_max_num_queries: Any
) -> None:
    incident = IncidentFactory(commander=owner, reporter=owner)
    now = timezone.now()
    TimelineEvent.objects.bulk_create(
        TimelineEvent(incident=incident, occurred_at=now - timedelta(seconds=n), body=f"bulk {n}")
        for n in range(1, 451)
    )
    client = client_for(owner)
    url = reverse("incident-detail", args=[incident.reference])
    client.get(url)
    with django_assert_max_num_queries(40):
        page = client.get(url).content.decode()
    # The newest window: bulk 1 (1 s ago) … bulk N; the rest wait behind "Show earlier entries".
    window = TIMELINE_WINDOW
    assert "<p>bulk 1</p>" in page
    assert f"<p>bulk {window}</p>" in page
    assert f"<p>bulk {window + 1}</p>" not in page
    assert page.count('class="event ') == window
    assert "Show earlier entries" in page

    earliest = TimelineEvent.objects.get(incident=incident, body=f"bulk {window}")
    with django_assert_max_num_queries(15):
        earlier = client.get(
            reverse("incident-timeline", args=[incident.reference]), {"before": earliest.pk}, **HTMX
        ).content.decode()
    assert f"<p>bulk {window + 1}</p>" in earlier
    assert f"<p>bulk {2 * window}</p>" in earlier
    assert f"<p>bulk {window}</p>" not in earlier
    assert f"<p>bulk {2 * window + 1}</p>" not in earlier
    assert "Show earlier entries" in earlier


def test_opening_add_a_cause_fetches_a_form_offering_the_latest_entries(
    client_for: Any, owner: Any, busy_incident: Any
) -> None:
    client = client_for(owner)
    add(client, busy_incident, "-1m", "Just typed this")
    fresh = TimelineEvent.objects.get(body="Just typed this")
    response = client.get(reverse("cause-add", args=[busy_incident.reference]), **HTMX)
    assert response.status_code == 200
    assert f'value="{fresh.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
