"""The incident list filters by type (`?type=`), on the page and in the API, within what the user may see."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.services import incident_declare

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(owner: Any, security: Any, availability: Any) -> dict[str, Any]:
    breach = incident_declare(
        actor=owner,
        title="Leaked keys",
        severity="SEV1",
        extra={"type": "security", "custom_fields": {"attack_vector": "phishing"}},
    )
    hidden = incident_declare(
        actor=owner,
        title="Private breach",
        severity="SEV1",
        private=True,
        extra={"type": "security", "custom_fields": {"attack_vector": "supply chain"}},
    )
    outage = incident_declare(
        actor=owner,
        title="Checkout down",
        severity="SEV2",
        extra={"type": "availability", "custom_fields": {"customers_affected": 40}},
    )
    plain = incident_declare(actor=owner, title="Slow search", severity="SEV3")
    return {"breach": breach, "hidden": hidden, "outage": outage, "plain": plain}


def _titles(response: Any) -> list[str]:
    return sorted(item["title"] for item in response.json()["results"])


def test_the_api_filters_by_type_and_keeps_private_incidents_private(client_as, owner, outsider, typed):
    assert _titles(client_as(owner).get("/api/v1/incidents/?type=security")) == [
        "Leaked keys",
        "Private breach",
    ]
    assert _titles(client_as(outsider).get("/api/v1/incidents/?type=security")) == ["Leaked keys"]
    assert _titles(client_as(outsider).get("/api/v1/incidents/?type=none")) == ["Slow search"]
    assert _titles(client_as(outsider).get("/api/v1/incidents/?type=availability&severity=SEV2")) == [
        "Checkout down"
    ]
    assert _titles(client_as(outsider).get("/api/v1/incidents/?type=no-such-type")) == []
    assert client_as(outsider).get("/api/v1/incidents/?type=%00").status_code in (200, 400)


def test_the_schema_documents_the_type_filter(client_as, viewer):
    schema = client_as(viewer).get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]
    assert "type" in {parameter["name"] for parameter in parameters}


def test_the_list_page_offers_the_types_and_filters(client_for, outsider, typed):
    client = client_for(outsider)

    page = client.get("/incidents/").content.decode()
    assert '<select name="type" id="id_type">' in page
    assert '<option value="security">\u2068Security\u2069</option>' in page  # the name isolated (bidi)

    filtered = client.get("/incidents/?type=availability").content.decode()
    assert "Checkout down" in filtered
    assert "Leaked keys" not in filtered
    assert '<option value="availability" selected>' in filtered


def test_without_types_the_page_shows_no_type_filter(client_for, outsider, owner):
    incident_declare(actor=owner, title="Slow search", severity="SEV3")
    page = client_for(outsider).get("/incidents/").content.decode()
    assert 'name="type"' not in page
