"""`type` and `custom_fields` through the API: round trip, 400s keyed by field, required, privacy."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Incident
from incidents.taxonomy.models import IncidentClassification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def _declare(client: Any, **body: Any) -> Any:
    return client.post(URL, {"title": "Leaked keys", "severity": "SEV1", **body}, format="json")


def test_it_lists_types_with_their_fields_and_template(client_as, viewer, security, availability):
    response = client_as(viewer).get("/api/v1/incident-types/")
    assert response.status_code == 200
    types = {row["slug"]: row for row in response.json()["results"]}
    assert list(types) == ["availability", "security"]
    security_row = types["security"]
    assert security_row["name"] == "Security"
    assert [f["key"] for f in security_row["fields"]] == [
        "attack_vector", "records_exposed", "security_lead", "disclosed_on", "cve"
    ]  # fmt: skip
    assert security_row["fields"][0] == {
        "key": "attack_vector",
        "label": "Attack vector",
        "kind": "choice",
        "required": True,
        "choices": ["phishing", "credential stuffing", "supply chain"],
        "help": "",
    }
    assert [s["key"] for s in security_row["template"]] == [
        "summary", "exposure", "timeline", "notification", "action_items"
    ]  # fmt: skip
    assert security_row["template"][1]["required"] is True
    assert types["availability"]["template"] is None  # the default template


def test_it_refuses_types_to_the_anonymous(client_as, security):
    assert client_as().get("/api/v1/incident-types/").status_code == 401


def test_a_typed_incident_round_trips(client_as, owner, security, participant):
    client = client_as(owner)
    response = _declare(
        client,
        type="security",
        custom_fields={
            "attack_vector": "phishing",
            "records_exposed": "1,200",
            "security_lead": "paul",
            "disclosed_on": "2026-11-23",
            "cve": "  CVE-2026-1234 ",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["type"] == "security"
    assert body["custom_fields"] == {
        "attack_vector": "phishing",
        "records_exposed": 1200,
        "security_lead": "paul",
        "disclosed_on": "2026-11-23",
        "cve": "CVE-2026-1234",
    }
    detail = client.get(f"{URL}{body['reference']}/").json()
    assert (detail["type"], detail["custom_fields"]) == (body["type"], body["custom_fields"])
    # Stored by id: the user's id, not a name that could change.
    stored = IncidentClassification.objects.get(incident__reference=body["reference"])
    assert stored.values["security_lead"] == participant.pk

    patched = client.patch(
        f"{URL}{body['reference']}/",
        {"custom_fields": {"records_exposed": 2.5, "cve": None}},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    fields = patched.json()["custom_fields"]
    assert (fields["records_exposed"], fields["cve"], fields["attack_vector"]) == (2.5, None, "phishing")


def test_an_incident_without_a_type_is_as_before(client_as, owner, security):
    response = client_as(owner).post(URL, {"title": "Slow search", "severity": "SEV3"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["custom_fields"]) == (None, {})
    assert not IncidentClassification.objects.exists()
    # Every field the API gave before is still there.
    for key in ("reference", "title", "severity", "status", "commander", "roles", "version", "url"):
        assert key in body
    # The list's shape is unchanged.
    row = client_as(owner).get(URL).json()["results"][0]
    assert "type" not in row
    assert "custom_fields" not in row


P = {"attack_vector": "phishing"}
REQUIRED = "Attack vector is required for Security incidents."
BAD_VALUES = [
    (
        {"attack_vector": "guessing"},
        "attack_vector",
        "Choose one of phishing, credential stuffing, supply chain.",
    ),
    ({**P, "records_exposed": "many"}, "records_exposed", "Enter a number."),
    ({**P, "records_exposed": True}, "records_exposed", "Enter a number."),
    ({**P, "records_exposed": "NaN"}, "records_exposed", "Enter a number."),
    ({**P, "records_exposed": "1e999999999"}, "records_exposed", "Enter a number up to 10^15."),
    ({**P, "records_exposed": 10**16}, "records_exposed", "Enter a number up to 10^15."),
    ({**P, "security_lead": "nobody"}, "security_lead", "No active user 'nobody'."),
    ({**P, "security_lead": "gone"}, "security_lead", "No active user 'gone'."),
    ({**P, "disclosed_on": "23/11/2026"}, "disclosed_on", "Enter a date as YYYY-MM-DD."),
    ({**P, "disclosed_on": "2026-02-30"}, "disclosed_on", "Enter a real date as YYYY-MM-DD."),
    ({**P, "cve": 12}, "cve", "Give this value as text."),
    ({**P, "colour": "red"}, "colour", "Security incidents have no field 'colour'."),
    ({}, "attack_vector", REQUIRED),
    ({"attack_vector": None}, "attack_vector", REQUIRED),
]


@pytest.mark.parametrize(("values", "key", "message"), BAD_VALUES)
def test_bad_values_are_400s_keyed_by_the_field(client_as, owner, security, values, key, message):
    UserFactory(username="gone", is_active=False)
    response = _declare(client_as(owner), type="security", custom_fields=values)
    assert response.status_code == 400
    assert response.json() == {"custom_fields": {key: [message]}}
    assert not Incident.objects.exists()


def test_core_and_custom_errors_come_back_together(client_as, owner, security):
    response = _declare(
        client_as(owner),
        started_at="2026-11-20T11:00:00Z",
        detected_at="2026-11-20T10:00:00Z",
        type="security",
        custom_fields={"records_exposed": "x"},
    )
    assert response.status_code == 400
    errors = response.json()
    assert "detected_at" in errors
    assert set(errors["custom_fields"]) == {"records_exposed", "attack_vector"}


NO_TYPE = "Custom fields belong to an incident type: choose one first."
NOT_A_DICT = 'Expected a dictionary of items but got type "list".'
BAD_TYPES = [
    ({"type": "nope"}, {"type": ["No incident type 'nope'."]}),
    ({"type": 3}, {"type": ["Not a valid string."]}),
    ({"custom_fields": {"cve": "x"}}, {"custom_fields": [NO_TYPE]}),
    ({"type": "security", "custom_fields": ["phishing"]}, {"custom_fields": [NOT_A_DICT]}),
]


@pytest.mark.parametrize(("body", "expected"), BAD_TYPES)
def test_bad_types_are_400s(client_as, owner, security, body, expected):
    response = _declare(client_as(owner), **body)
    assert response.status_code == 400
    assert response.json() == expected
    assert not Incident.objects.exists()


def test_a_bad_edit_saves_nothing(client_as, owner, security):
    client = client_as(owner)
    reference = _declare(client, type="security", custom_fields={"attack_vector": "phishing"}).json()[
        "reference"
    ]
    before = client.get(f"{URL}{reference}/").json()
    response = client.patch(
        f"{URL}{reference}/",
        {"title": "Renamed", "custom_fields": {"attack_vector": "phishing", "records_exposed": "lots"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"custom_fields": {"records_exposed": ["Enter a number."]}}
    after = client.get(f"{URL}{reference}/").json()
    assert after == before


def test_changing_the_type_asks_for_the_new_types_required_fields(client_as, owner, security, availability):
    client = client_as(owner)
    reference = _declare(client, type="security", custom_fields={"attack_vector": "phishing"}).json()[
        "reference"
    ]
    refused = client.patch(f"{URL}{reference}/", {"type": "availability"}, format="json")
    assert refused.json() == {
        "custom_fields": {
            "customers_affected": ["Customers affected is required for Availability incidents."]
        }
    }
    changed = client.patch(
        f"{URL}{reference}/",
        {"type": "availability", "custom_fields": {"customers_affected": 40}},
        format="json",
    )
    assert changed.status_code == 200
    assert (changed.json()["type"], changed.json()["custom_fields"]) == (
        "availability",
        {"customers_affected": 40},
    )
    cleared = client.patch(f"{URL}{reference}/", {"type": None}, format="json")
    assert (cleared.json()["type"], cleared.json()["custom_fields"]) == (None, {})


def test_an_edit_that_leaves_the_type_alone_is_not_held_up_by_it(client_as, owner, security, admin_user):
    client = client_as(owner)
    reference = _declare(client, type="security", custom_fields={"attack_vector": "phishing"}).json()[
        "reference"
    ]
    # The admin adds a required field later: older incidents can still be edited otherwise.
    from incidents.taxonomy.services import incident_type_save
    from tests.taxonomy.conftest import SECURITY_FIELDS

    incident_type_save(
        actor=admin_user,
        incident_type=security,
        values={"slug": "security", "name": "Security"},
        fields=[*SECURITY_FIELDS, {"key": "ticket", "label": "Ticket", "kind": "text", "required": True}],
    )
    assert client.patch(f"{URL}{reference}/", {"title": "Keys leaked"}, format="json").status_code == 200
    refused = client.patch(f"{URL}{reference}/", {"custom_fields": {"cve": "CVE-1"}}, format="json")
    assert refused.json() == {"custom_fields": {"ticket": ["Ticket is required for Security incidents."]}}


def test_a_retired_type_is_not_offered_but_kept(client_as, owner, security, admin_user):
    client = client_as(owner)
    reference = _declare(client, type="security", custom_fields={"attack_vector": "phishing"}).json()[
        "reference"
    ]
    from incidents.taxonomy.services import incident_type_save

    incident_type_save(
        actor=admin_user,
        incident_type=security,
        values={"slug": "security", "name": "Security", "active": False},
    )
    assert _declare(client, type="security", custom_fields={"attack_vector": "phishing"}).json() == {
        "type": ["No incident type 'security'."]
    }
    kept = client.patch(f"{URL}{reference}/", {"custom_fields": {"cve": "CVE-9"}}, format="json")
    assert kept.status_code == 200
    assert kept.json()["type"] == "security"


def test_a_private_incidents_values_stay_private(client_as, owner, outsider, security):
    reference = _declare(
        client_as(owner), private=True, type="security", custom_fields={"attack_vector": "supply chain"}
    ).json()["reference"]
    assert client_as(outsider).get(f"{URL}{reference}/").status_code == 404
    assert (
        client_as(outsider)
        .patch(f"{URL}{reference}/", {"custom_fields": {"cve": "x"}}, format="json")
        .status_code
        == 404
    )
    assert "supply chain" not in client_as(outsider).get(f"{URL}?q=Leaked").content.decode()


def test_viewers_cannot_set_values(client_as, owner, viewer, security):
    reference = _declare(
        client_as(owner), type="security", custom_fields={"attack_vector": "phishing"}
    ).json()["reference"]
    response = client_as(viewer).patch(f"{URL}{reference}/", {"custom_fields": {"cve": "x"}}, format="json")
    assert response.status_code == 403
    assert IncidentClassification.objects.get().values == {"attack_vector": "phishing"}


def test_the_schema_names_the_new_fields(client_as, owner, security):
    schema = client_as(owner).get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert {"type", "custom_fields"} <= set(components["IncidentDetail"]["properties"])
    assert {"type", "custom_fields"} <= set(components["IncidentWriteRequest"]["properties"])
    assert "/api/v1/incident-types/" in schema["paths"]


def test_the_history_shows_who_set_the_type_and_values(client_as, owner, security):
    client = client_as(owner)
    reference = _declare(client, type="security", custom_fields={"attack_vector": "phishing"}).json()[
        "reference"
    ]
    client.patch(f"{URL}{reference}/", {"custom_fields": {"cve": "CVE-7"}}, format="json")
    history = client.get(f"{URL}{reference}/history/").json()["results"]
    typed = [entry for entry in history if entry["object_type"] == "incident type"]
    assert [entry["action"] for entry in typed] == ["changed", "created"]
    assert all(entry["actor"]["username"] == "olivia" for entry in typed)
    created_changes = {change["field"]: change["after"] for change in typed[1]["changes"]}
    assert created_changes["incident_type"] == "Security"
    assert "CVE-7" in {change["field"]: change["after"] for change in typed[0]["changes"]}["values"]
