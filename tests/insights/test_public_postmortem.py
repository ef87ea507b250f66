"""Postmortems published with the `public` flag, as the public reads them on the status page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate
from incidents.services.updates import status_update_post
from tests.factories import IncidentFactory, StatusUpdateFactory


def publish(incident: Any, *, public: bool) -> Postmortem:
    postmortem_generate(incident_id=incident.pk)
    Postmortem.objects.filter(incident=incident).update(
        status="published", public=public, published_at=timezone.now()
    )
    return Postmortem.objects.get(incident=incident)


@pytest.fixture
def outage(owner: Any) -> Any:
    incident = IncidentFactory(
        title="Checkout outage", commander=owner, reporter=owner, summary="Payments failed for 40 minutes."
    )
    status_update_post(incident=incident, actor=owner, message="Public: we are on it", audience="public")
    status_update_post(
        incident=incident, actor=owner, message="Internal: blame db01 again", audience="internal"
    )
    return incident


def test_a_public_postmortem_has_a_page_without_the_internal_appendix(client, outage):
    postmortem = publish(outage, public=True)
    assert "blame db01" in postmortem.sections.get(key="appendix").body  # what must not leak
    response = client.get(f"/status/incidents/{outage.reference}/postmortem/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Payments failed for 40 minutes." in body
    assert 'id="section-appendix"' not in body
    assert "blame db01" not in body


def test_the_status_page_links_to_public_postmortems(client, outage):
    publish(outage, public=True)
    body = client.get("/status/").content.decode()
    assert f"/status/incidents/{outage.reference}/postmortem/" in body
    assert "Read the postmortem" in body


def test_a_published_but_not_public_postmortem_stays_internal(client, outage):
    publish(outage, public=False)
    assert client.get(f"/status/incidents/{outage.reference}/postmortem/").status_code == 404
    assert "/postmortem/" not in client.get("/status/").content.decode()


def test_a_public_draft_is_not_shown(client, outage):
    postmortem_generate(incident_id=outage.pk)
    Postmortem.objects.filter(incident=outage).update(public=True)
    assert client.get(f"/status/incidents/{outage.reference}/postmortem/").status_code == 404


def test_a_private_incidents_postmortem_never_appears_even_if_marked_public(client, owner):
    secret = IncidentFactory(title="Vault breach", private=True, commander=owner)
    StatusUpdateFactory(incident=secret, message="Public-looking")
    publish(secret, public=True)
    assert client.get(f"/status/incidents/{secret.reference}/postmortem/").status_code == 404
    body = client.get("/status/").content.decode()
    assert "Vault breach" not in body
    assert secret.reference not in body
