"""A type's postmortem template: its sections in its order with its prompts, its required sections."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident
from incidents.postmortems.choices import DEFAULT_SECTIONS
from incidents.postmortems.exports import export_html, export_incident, export_markdown
from incidents.postmortems.importing import incident_import
from incidents.postmortems.services import (
    postmortem_ensure,
    postmortem_generate,
    postmortem_submit,
    section_update,
)
from incidents.services import incident_declare

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(owner, security):
    return incident_declare(
        actor=owner,
        title="Leaked keys",
        severity="SEV1",
        summary="Keys in a public repository.",
        extra={"type": "security", "custom_fields": {"attack_vector": "supply chain", "records_exposed": 12}},
    )


def test_the_postmortem_follows_the_types_template(breach):
    postmortem_generate(incident_id=breach.pk)
    postmortem = postmortem_ensure(incident=breach)
    sections = list(postmortem.sections.order_by("position"))
    assert [s.key for s in sections] == ["summary", "exposure", "timeline", "notification", "action_items"]
    exposure = sections[1]
    assert (exposure.title, exposure.source) == ("Data exposure", "authored")
    assert exposure.prompt == "Which records, whose, how many."
    assert exposure.body == exposure.prompt  # an authored section starts with its prompt
    # Sections Hindsight knows how to build are built from the record.
    timeline = sections[2]
    assert timeline.source == "generated"
    assert timeline.body.startswith("_No key events yet")
    assert sections[0].body == "Keys in a public repository."  # summary is seeded from the incident


def test_the_editor_shows_the_prompts(client_for, owner, breach):
    postmortem_generate(incident_id=breach.pk)
    page = client_for(owner).get(f"/incidents/{breach.reference}/postmortem/").content.decode()
    assert "Regulator notification" in page
    assert "Who was told, when." in page


def test_a_required_section_of_the_type_blocks_review(owner, breach):
    postmortem_generate(incident_id=breach.pk)
    postmortem = postmortem_ensure(incident=breach)
    with pytest.raises(ValidationError) as refused:
        postmortem_submit(postmortem=postmortem, actor=owner)
    assert refused.value.message_dict == {
        "exposure": ["Write the data exposure before review."],
        "sections": ["Still empty: exposure."],
    }
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"
    section_update(postmortem=postmortem, key="exposure", actor=owner, body="12 API keys, ours only.")
    # The default's required sections (impact, causes) are not this template's: review may start.
    assert postmortem_submit(postmortem=postmortem, actor=owner).status == "in_review"


def test_the_api_names_the_missing_sections(owner, breach, client_for):
    postmortem_generate(incident_id=breach.pk)
    client = client_for(owner)
    response = client.post(
        f"/api/v1/incidents/{breach.reference}/postmortem/submit/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["sections"] == ["Still empty: exposure."]
    assert client.get(f"/api/v1/incidents/{breach.reference}/postmortem/").json()["missing_sections"] == [
        "exposure"
    ]


def test_an_incident_without_a_type_gets_the_default_template(owner, security):
    incident = incident_declare(actor=owner, title="Slow search", severity="SEV3")
    postmortem_generate(incident_id=incident.pk)
    postmortem = postmortem_ensure(incident=incident)
    assert [s.key for s in postmortem.sections.order_by("position")] == [key for key, *_ in DEFAULT_SECTIONS]
    with pytest.raises(ValidationError) as refused:
        postmortem_submit(postmortem=postmortem, actor=owner)
    assert refused.value.message_dict["sections"] == ["Still empty: summary, impact, causes, action_items."]


def test_a_type_without_a_template_gets_the_default_one(owner, availability):
    incident = incident_declare(
        actor=owner,
        title="Checkout down",
        severity="SEV1",
        extra={"type": "availability", "custom_fields": {"customers_affected": 3}},
    )
    postmortem = postmortem_ensure(incident=incident)
    assert [s.key for s in postmortem.sections.order_by("position")] == [key for key, *_ in DEFAULT_SECTIONS]


def test_the_json_export_carries_the_type_and_values(owner, participant, breach, client_for):
    data = export_incident(breach)
    assert data["incident"]["type"] == "security"
    assert data["incident"]["custom_fields"] == {
        "attack_vector": "supply chain",
        "records_exposed": 12,
        "security_lead": None,
        "disclosed_on": None,
        "cve": None,
    }
    postmortem_generate(incident_id=breach.pk)
    response = client_for(owner).get(f"/api/v1/incidents/{breach.reference}/postmortem/export/?format=json")
    assert (
        json.loads(b"".join(response.streaming_content) if response.streaming else response.content)[
            "incident"
        ]["type"]
        == "security"
    )


def test_an_export_without_a_type_says_so(owner, incident):
    data = export_incident(incident)
    assert (data["incident"]["type"], data["incident"]["custom_fields"]) == (None, {})


def test_the_markdown_and_html_exports_show_the_type_and_its_values(breach):
    postmortem_generate(incident_id=breach.pk)
    postmortem = postmortem_ensure(incident=breach)

    markdown = export_markdown(postmortem)
    html = export_html(postmortem)

    assert "**Type:** Security · **Attack vector:** supply chain · **Records exposed:** 12" in markdown
    # Unset fields are left out of documents people read.
    assert "CVE" not in markdown.split("## ")[0]
    assert "Type: <bdi>Security</bdi> · Attack vector: <bdi>supply chain</bdi>" in html


def test_an_export_without_a_type_shows_no_type_line(owner, incident):
    postmortem_generate(incident_id=incident.pk)
    postmortem = postmortem_ensure(incident=incident)
    assert "**Type:**" not in export_markdown(postmortem)
    assert "Type:" not in export_html(postmortem)


def test_import_incident_restores_the_type_and_its_values(breach):
    data = export_incident(breach)

    copy = incident_import(data=data)

    assert copy.reference != breach.reference
    assert export_incident(copy)["incident"]["type"] == "security"
    assert export_incident(copy)["incident"]["custom_fields"] == data["incident"]["custom_fields"]


def test_import_incident_refuses_a_type_this_instance_does_not_have(breach):
    data = export_incident(breach)
    data["incident"]["type"] = "no-such-type"
    before = Incident.objects.count()

    with pytest.raises(ValidationError) as refused:
        incident_import(data=data)

    assert "No incident type 'no-such-type'" in str(refused.value.message_dict["type"])
    assert Incident.objects.count() == before
