"""The pages: admins define types; the declare and edit forms ask for the type's fields; the incident
page shows them."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import Incident
from incidents.taxonomy.models import IncidentClassification, IncidentType
from incidents.taxonomy.selectors import classification_for
from incidents.taxonomy.services import incident_type_save

pytestmark = pytest.mark.django_db

P = {"attack_vector": "phishing"}


def _type_post(fields: list[dict[str, Any]], sections: list[dict[str, Any]], **values: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Data",
        "slug": "data",
        "description": "",
        "active": "on",
        "position": "0",
    }
    data.update(values)
    for prefix, rows in (("fields", fields), ("sections", sections)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


@pytest.mark.parametrize("persona", ["owner", "viewer"])
def test_only_admins_open_the_type_pages(client_for, request, persona, security):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/settings/incident-types/").status_code == 403
    assert client.get("/settings/incident-types/new/").status_code == 403
    assert client.get("/settings/incident-types/security/").status_code == 403
    response = client.post("/settings/incident-types/new/", _type_post([], []))
    assert response.status_code == 403
    assert list(IncidentType.objects.values_list("slug", flat=True)) == ["security"]


def test_an_admin_lists_and_creates_a_type(client_for, admin_user, security):
    client = client_for(admin_user)
    listing = client.get("/settings/incident-types/").content.decode()
    for text in ("Security", "Attack vector*", "5 sections"):
        assert text in listing
    new = client.get("/settings/incident-types/new/").content.decode()
    # A new type's template starts as a copy of the default one.
    assert 'value="went_well"' in new
    response = client.post(
        "/settings/incident-types/new/",
        _type_post(
            [
                {"key": "dataset", "label": "Dataset", "kind": "text", "required": "on"},
                {
                    "key": "severity_class",
                    "label": "Class",
                    "kind": "choice",
                    "choices": "minor\nmajor\n\nmajor",
                },
                {"key": "", "label": "", "kind": "text"},  # a blank row is ignored
            ],
            [
                {"key": "impact", "title": "Impact", "required": "on", "prompt": "Rows lost?"},
                {"key": "restore", "title": "Restore", "prompt": "How was it restored?"},
                {"key": "old", "title": "Old", "DELETE": "on"},
            ],
        ),
    )
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line
    ]
    created = IncidentType.objects.get(slug="data")
    assert [(f.key, f.kind, f.required, f.choices) for f in created.fields.all()] == [
        ("dataset", "text", True, []),
        ("severity_class", "choice", False, ["minor", "major"]),
    ]
    assert [(s.key, s.required, s.prompt) for s in created.sections.all()] == [
        ("impact", True, "Rows lost?"),
        ("restore", False, "How was it restored?"),
    ]
    page = client.get("/settings/incident-types/data/").content.decode()
    assert 'value="severity_class"' in page
    assert "Rows lost?" in page


def test_an_admin_reorders_and_removes_fields(client_for, admin_user, security):
    client = client_for(admin_user)
    response = client.post(
        "/settings/incident-types/security/",
        _type_post(
            [
                {"key": "cve", "label": "CVE", "kind": "text"},
                {
                    "key": "attack_vector",
                    "label": "Vector",
                    "kind": "choice",
                    "choices": "phishing",
                    "required": "on",
                },
            ],
            [{"key": "summary", "title": "Summary", "required": "on"}],
            name="Security",
            slug="security",
        ),
    )
    assert response.status_code == 302
    assert [f.key for f in security.fields.all()] == ["cve", "attack_vector"]
    assert [s.key for s in security.sections.all()] == ["summary"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"key": "level", "label": "Level", "kind": "choice"}], "A choice field needs its options."),
        ([{"key": "Bad Key", "label": "x", "kind": "text"}], "Start with a letter; use lowercase letters"),
        (
            [{"key": "a", "label": "A", "kind": "text"}, {"key": "a", "label": "B", "kind": "text"}],
            "The key &#x27;a&#x27; is used twice.",
        ),
    ],
)  # fmt: skip
def test_a_bad_type_is_a_form_error_and_saves_nothing(client_for, admin_user, fields, message):
    response = client_for(admin_user).post("/settings/incident-types/new/", _type_post(fields, []))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not IncidentType.objects.exists()


def test_a_taken_slug_is_refused(client_for, admin_user, security):
    response = client_for(admin_user).post(
        "/settings/incident-types/new/", _type_post([], [], slug="security")
    )
    assert response.status_code == 422
    assert "There is a type &#x27;security&#x27; already." in response.content.decode()


def test_without_types_the_declare_form_is_as_before(client_for, owner):
    page = client_for(owner).get("/incidents/new/").content.decode()
    assert "Incident type" not in page
    response = client_for(owner).post("/incidents/new/", {"title": "Slow", "severity": "SEV3"})
    assert response.status_code == 302
    assert not IncidentClassification.objects.exists()


def test_the_declare_form_asks_for_the_types_fields(client_for, owner, security):
    client = client_for(owner)
    page = client.get("/incidents/new/").content.decode()
    assert 'name="type"' in page
    assert "hx-get" in page
    assert 'name="cf_attack_vector"' not in page  # no type chosen yet
    refused = client.post(
        "/incidents/new/",
        {"title": "Keys leaked", "severity": "SEV1", "type": "security", "cf_records_exposed": "lots"},
    )
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'name="cf_attack_vector"' in body  # the chosen type's fields, with their errors
    assert "This field is required." in body
    assert not Incident.objects.exists()
    number_refused = client.post(
        "/incidents/new/",
        {"title": "Keys leaked", "severity": "SEV1", "type": "security", "cf_attack_vector": "phishing",
         "cf_records_exposed": "lots"},
    )  # fmt: skip
    assert number_refused.status_code == 422
    assert "Enter a number." in number_refused.content.decode()
    assert not Incident.objects.exists()
    declared = client.post(
        "/incidents/new/",
        {"title": "Keys leaked", "severity": "SEV1", "type": "security", "cf_attack_vector": "phishing",
         "cf_records_exposed": "1200", "cf_security_lead": "olivia", "cf_disclosed_on": "2026-11-23"},
    )  # fmt: skip
    assert declared.status_code == 302
    incident = Incident.objects.get()
    detail = client.get(declared["Location"]).content.decode()
    assert "Security incident" in detail
    for text in ("Attack vector", "phishing", "1200", "2026-11-23"):
        assert text in detail
    assert classification_for(user=owner, incident=incident).values["security_lead"] == owner.pk


def test_the_fields_swap_in_when_the_type_changes(client_for, owner, viewer, security, availability):
    client = client_for(owner)
    partial = client.get("/incident-types/fields/?type=availability").content.decode()
    assert 'name="cf_customers_affected"' in partial
    assert "<html" not in partial
    assert 'name="cf_attack_vector"' in client.get("/incident-types/fields/?type=security").content.decode()
    assert client.get("/incident-types/fields/?type=").content.decode().strip() == ""
    assert client.get("/incident-types/fields/?type=bad!").status_code == 400
    assert client_for(viewer).get("/incident-types/fields/?type=security").status_code == 403


def test_the_edit_form_shows_and_changes_the_values(client_for, owner, security):
    from incidents.services import incident_declare

    incident = incident_declare(
        actor=owner,
        title="Keys leaked",
        severity="SEV1",
        extra={"type": "security", "custom_fields": {"attack_vector": "phishing", "cve": "CVE-1"}},
    )
    client = client_for(owner)
    page = client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'value="CVE-1"' in page
    partial = client.get(
        f"/incident-types/fields/?type=security&incident={incident.reference}"
    ).content.decode()
    assert 'value="CVE-1"' in partial
    form: dict[str, Any] = {
        "version": incident.version,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "commander": "olivia",
        "services": "",
        "started_at": incident.started_at.strftime("%Y-%m-%dT%H:%M:%S"),
        "detected_at": incident.detected_at.strftime("%Y-%m-%dT%H:%M:%S"),
        "type": "security",
        "cf_attack_vector": "supply chain",
        "cf_cve": "",
    }
    response = client.post(f"/incidents/{incident.reference}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert classification_for(user=owner, incident=incident).values == {"attack_vector": "supply chain"}


def test_an_edit_posted_without_the_type_menu_keeps_the_type(client_for, owner, security):
    from incidents.services import incident_declare

    incident = incident_declare(
        actor=owner, title="Keys leaked", severity="SEV1", extra={"type": "security", "custom_fields": P}
    )
    form = {
        "version": incident.version,
        "title": "Renamed",
        "status": incident.status,
        "severity": incident.severity,
        "commander": "olivia",
        "started_at": incident.started_at.strftime("%Y-%m-%dT%H:%M:%S"),
        "detected_at": incident.detected_at.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    assert client_for(owner).post(f"/incidents/{incident.reference}/edit/", form).status_code == 302
    classification = classification_for(user=owner, incident=incident)
    assert classification is not None
    assert classification.values == P


def test_an_outsider_sees_nothing_of_a_private_incidents_values(client_for, owner, outsider, security):
    from incidents.services import incident_declare

    incident = incident_declare(
        actor=owner,
        title="Keys leaked",
        severity="SEV1",
        private=True,
        extra={"type": "security", "custom_fields": {"attack_vector": "phishing"}},
    )
    assert classification_for(user=outsider, incident=incident) is None
    assert classification_for(user=owner, incident=incident) is not None
    assert client_for(outsider).get(f"/incidents/{incident.reference}/").status_code == 404
    assert (
        client_for(outsider)
        .get(f"/incident-types/fields/?type=security&incident={incident.reference}")
        .status_code
        == 404
    )


def test_the_profile_links_admins_to_the_types(client_for, admin_user, owner):
    assert "/settings/incident-types/" in client_for(admin_user).get("/profile/").content.decode()
    assert "/settings/incident-types/" not in client_for(owner).get("/profile/").content.decode()


def test_incident_type_save_refuses_non_admins(owner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        incident_type_save(actor=owner, incident_type=None, values={"slug": "x", "name": "X"})
