"""A service's public state changes only with a published public update, never by declaring an incident."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Incident


def service_state(client: Any, name: str) -> str:
    body = client.get("/status/").content.decode()
    found = dict(re.findall(r'data-service="([^"]+)" data-state="([^"]+)"', body))
    return found[name]


def overall(client: Any) -> str:
    body = client.get("/status/").content.decode()
    match = re.search(r'id="overall-state"[^>]*>\s*<h1>([^<]+)</h1>', body)
    assert match is not None
    return match.group(1)


@pytest.fixture
def outage(owner: Any) -> Incident:
    """A SEV2 on checkout, just declared: nobody has told the public anything yet."""
    return services.incident_declare(
        actor=owner, title="Checkout errors", severity="SEV2", services=["checkout"]
    )


def test_declaring_a_sev2_leaves_the_service_operational(client: Any, outage: Incident) -> None:
    assert service_state(client, "checkout") == "operational"
    assert overall(client) == "All systems operational"
    assert "Checkout errors" not in client.get("/status/").content.decode()


def test_an_internal_update_changes_nothing(client: Any, owner: Any, outage: Incident) -> None:
    services.status_update_post(incident=outage, actor=owner, message="db01 is on fire", audience="internal")
    assert service_state(client, "checkout") == "operational"
    assert "db01" not in client.get("/status/").content.decode()


def test_a_public_update_announces_the_outage_and_the_final_one_clears_it(
    client: Any, owner: Any, outage: Incident
) -> None:
    services.status_update_post(
        incident=outage, actor=owner, message="Some payments fail; we are on it.", audience="public"
    )
    assert service_state(client, "checkout") == "partial_outage"
    assert overall(client) == "Partial outage"

    # Internally resolved, but the public was not told yet: the page keeps what it said last.
    services.incident_update(incident=outage, actor=owner, data={"status": "resolved"})
    assert service_state(client, "checkout") == "partial_outage"

    services.status_update_post(
        incident=outage, actor=owner, message="Payments work again.", audience="public", status="resolved"
    )
    assert service_state(client, "checkout") == "operational"
    assert overall(client) == "All systems operational"
    # Still listed, now among past incidents (and named in the uptime bar's day), no longer current.
    body = client.get("/status/").content.decode()
    assert "Current incidents" not in body
    assert f'class="card status-incident" id="{outage.reference}"' in body[body.index("Past incidents") :]
    assert body.rindex("Checkout errors") > body.index("Past incidents")


def test_raising_the_severity_waits_for_the_next_public_update(
    client: Any, owner: Any, outage: Incident
) -> None:
    services.status_update_post(
        incident=outage, actor=owner, message="Some payments fail.", audience="public"
    )
    services.incident_update(incident=outage, actor=owner, data={"severity": "SEV1"})
    outage.refresh_from_db()
    assert service_state(client, "checkout") == "partial_outage"
    services.status_update_post(incident=outage, actor=owner, message="All payments fail.", audience="public")
    assert service_state(client, "checkout") == "major_outage"


def test_monitoring_announces_degraded_performance(client: Any, owner: Any, outage: Incident) -> None:
    services.status_update_post(
        incident=outage, actor=owner, message="A fix is out.", audience="public", status="monitoring"
    )
    assert service_state(client, "checkout") == "degraded"


def test_an_explicit_state_goes_with_a_public_update_only(client: Any, owner: Any, outage: Incident) -> None:
    services.status_update_post(
        incident=outage,
        actor=owner,
        message="Card payments only.",
        audience="public",
        service_state="degraded",
    )
    assert service_state(client, "checkout") == "degraded"
    with pytest.raises(ValidationError) as error:
        services.status_update_post(
            incident=outage, actor=owner, message="x", audience="internal", service_state="major_outage"
        )
    assert "service_state" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.status_update_post(
            incident=outage, actor=owner, message="x", audience="public", service_state="on fire"
        )
    assert outage.updates.count() == 1
    assert service_state(client, "checkout") == "degraded"
