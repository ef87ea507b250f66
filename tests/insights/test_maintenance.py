"""Scheduled maintenance: announced, in progress, completed, on the public status page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents import services
from incidents.insights.maintenance import (
    maintenance_complete,
    maintenance_reschedule,
    maintenance_schedule,
    maintenance_start,
)
from incidents.insights.models import Maintenance
from incidents.models import Service

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def checkout() -> Service:
    return Service.objects.create(name="checkout", public=True)


def schedule(actor: Any, *, starts_in: timedelta, hours: int = 2, **extra: Any) -> Maintenance:
    starts_at = timezone.now() + starts_in
    values: dict[str, Any] = {
        "title": "Database upgrade",
        "description": "Checkout may be **slow**.",
        "services": ["checkout"],
        "starts_at": starts_at,
        "ends_at": starts_at + hours * HOUR,
    }
    return maintenance_schedule(actor=actor, **(values | extra))


def sections(client: Any) -> dict[str, str]:
    """Return the status page's maintenance sections by heading."""
    body = client.get("/status/").content.decode()
    found = {}
    for heading in ("Maintenance in progress", "Scheduled maintenance", "Past maintenance"):
        if heading in body:
            rest = body[body.index(heading) :]
            found[heading] = rest[: rest.index("</section>")]
    return found


def test_announced_maintenance_is_listed_as_scheduled_with_its_window(
    client: Any, owner: Any, checkout: Service
) -> None:
    maintenance = schedule(owner, starts_in=2 * HOUR)
    shown = sections(client)
    assert list(shown) == ["Scheduled maintenance"]
    assert "Database upgrade" in shown["Scheduled maintenance"]
    assert "<strong>slow</strong>" in shown["Scheduled maintenance"]
    assert f"{maintenance.starts_at:%Y-%m-%d %H:%M}" in shown["Scheduled maintenance"]
    assert "Under maintenance" not in client.get("/status/").content.decode()


def test_maintenance_in_progress_marks_its_services_and_completing_it_moves_it_to_past(
    client: Any, owner: Any, checkout: Service
) -> None:
    maintenance = schedule(owner, starts_in=2 * HOUR)
    maintenance_start(actor=owner, maintenance=maintenance)
    shown = sections(client)
    assert list(shown) == ["Maintenance in progress"]
    body = client.get("/status/").content.decode()
    service_row = body[body.index('data-service="checkout"') :]
    assert "Under maintenance" in service_row[: service_row.index("</li>")]

    maintenance_complete(actor=owner, maintenance=maintenance)
    maintenance_complete(actor=owner, maintenance=maintenance)  # twice: nothing more happens
    shown = sections(client)
    assert list(shown) == ["Past maintenance"]
    assert "Completed" in shown["Past maintenance"]
    assert "Under maintenance" not in client.get("/status/").content.decode()


def test_the_state_follows_the_clock_without_anyone_moving_it(owner: Any, checkout: Service) -> None:
    maintenance = schedule(owner, starts_in=HOUR)
    assert maintenance.state_at(timezone.now()) == "announced"
    assert maintenance.state_at(maintenance.starts_at) == "in_progress"
    assert maintenance.state_at(maintenance.ends_at) == "completed"
    assert list(Maintenance.objects.in_progress(maintenance.starts_at + HOUR)) == [maintenance]


def test_work_that_runs_over_gets_a_later_end(owner: Any, checkout: Service) -> None:
    maintenance = schedule(owner, starts_in=-HOUR, hours=2)
    later = maintenance.ends_at + 3 * HOUR
    maintenance_reschedule(
        actor=owner, maintenance=maintenance, starts_at=maintenance.starts_at, ends_at=later
    )
    maintenance.refresh_from_db()
    assert maintenance.state_at(later - HOUR) == "in_progress"


def test_completing_announced_work_or_starting_completed_work_is_refused(
    owner: Any, checkout: Service
) -> None:
    announced = schedule(owner, starts_in=HOUR)
    with pytest.raises(ValidationError, match="not started"):
        maintenance_complete(actor=owner, maintenance=announced)
    done = schedule(owner, starts_in=-3 * HOUR, hours=1)
    with pytest.raises(ValidationError, match="already completed"):
        maintenance_start(actor=owner, maintenance=done)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": " "}, "title"),
        ({"services": []}, "services"),
        ({"services": ["no-such-service"]}, "services"),
        ({"ends_at": timezone.now() - 10 * HOUR}, "ends_at"),
        ({"ends_at": timezone.now() + timedelta(days=40)}, "ends_at"),
        ({"starts_at": datetime(2030, 1, 1, 10)}, "starts_at"),  # noqa: DTZ001 — a naive time is the bad input
    ],
)
def test_bad_input_is_a_field_error_and_saves_nothing(
    owner: Any, checkout: Service, extra: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        schedule(owner, starts_in=HOUR, **extra)
    assert field in error.value.message_dict
    assert not Maintenance.objects.exists()


def test_a_service_only_private_incidents_use_cannot_be_announced(owner: Any, checkout: Service) -> None:
    services.incident_declare(
        actor=owner, title="Vault breach", severity="SEV1", services=["vault"], private=True
    )
    with pytest.raises(ValidationError, match="Not on the status page: vault"):
        schedule(owner, starts_in=HOUR, services=["checkout", "vault"])


def test_viewers_cannot_schedule_maintenance(viewer: Any, checkout: Service) -> None:
    with pytest.raises(PermissionDenied):
        schedule(viewer, starts_in=HOUR)


def test_the_admin_adds_maintenance_with_the_same_checks(
    client: Any, admin_user: Any, checkout: Service
) -> None:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    start = (timezone.now() + HOUR).replace(microsecond=0)
    form = {
        "title": "Network switch swap",
        "description": "",
        "services": [checkout.pk],
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "ends_at_0": f"{start - HOUR:%Y-%m-%d}",
        "ends_at_1": f"{start - HOUR:%H:%M:%S}",
    }
    response = client.post("/admin/insights/maintenance/add/", form)
    assert response.status_code == 200
    assert "The window must end after it starts." in response.content.decode()
    assert not Maintenance.objects.exists()

    end = start + 2 * HOUR
    response = client.post(
        "/admin/insights/maintenance/add/",
        form | {"ends_at_0": f"{end:%Y-%m-%d}", "ends_at_1": f"{end:%H:%M:%S}"},
    )
    assert response.status_code == 302
    maintenance = Maintenance.objects.get()
    assert maintenance.created_by == admin_user
    assert maintenance.history.first().history_user == admin_user  # type: ignore[attr-defined]

    response = client.post(
        "/admin/insights/maintenance/",
        {"action": "start_now", "_selected_action": [maintenance.pk]},
    )
    assert response.status_code == 302
    maintenance.refresh_from_db()
    assert maintenance.state_at(timezone.now()) == "in_progress"
