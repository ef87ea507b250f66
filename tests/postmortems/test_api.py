"""/api/v1/incidents/{id}/postmortem/… per persona."""

from __future__ import annotations

import pytest

from incidents.models import Job
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate

pytestmark = pytest.mark.django_db


def url(incident, tail=""):
    return f"/api/v1/incidents/{incident.reference}/postmortem/{tail}"


@pytest.fixture
def as_user(api_client):
    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in


def fill_required(client, incident):
    for key, body in {
        "summary": "Checkout failed.",
        "impact": "Half of all orders.",
        "causes": "A bad deploy.",
        "action_items": "| Title |\n|---|\n| Canary |",
    }.items():
        assert (
            client.patch(url(incident, f"sections/{key}/"), {"body": body}, format="json").status_code == 200
        )


def test_it_returns_status_sections_reviewers_due_date_and_revision(as_user, owner, record):
    postmortem_generate(incident_id=record.pk)
    response = as_user(owner).get(url(record))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "draft"
    assert data["due_date"] == "2026-11-27"
    assert data["revision"] == 1
    assert data["reviewers"] == []
    assert [s["key"] for s in data["sections"]][:3] == ["header", "summary", "impact"]
    header = data["sections"][0]
    assert header["source"] == "generated"
    assert record.reference in header["body"]


def test_it_accepts_the_numeric_id(as_user, owner, record):
    assert as_user(owner).get(f"/api/v1/incidents/{record.pk}/postmortem/").status_code == 200


def test_generate_answers_202_with_a_job_to_poll(as_user, owner, record):
    response = as_user(owner).post(url(record, "generate/"))
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert response.json() == {"id": str(job.pk), "status": "queued", "url": f"/api/v1/jobs/{job.pk}/"}
    assert job.name == "postmortems.generate"
    assert job.kwargs["incident_id"] == record.pk


def test_viewers_cannot_generate_or_edit(as_user, viewer, record):
    client = as_user(viewer)
    assert client.get(url(record)).status_code == 200
    assert client.post(url(record, "generate/")).status_code == 403
    assert client.patch(url(record, "sections/summary/"), {"body": "x"}, format="json").status_code == 403
    assert client.post(url(record, "submit/")).status_code == 403


def test_private_incidents_are_404_for_outsiders(as_user, outsider, participant, private_incident):
    assert as_user(outsider).get(url(private_incident)).status_code == 404
    assert as_user(outsider).get(url(private_incident, "export/?format=json")).status_code == 404
    assert as_user(participant).get(url(private_incident)).status_code == 200


def test_anonymous_callers_get_401(api_client, record):
    assert api_client.get(url(record)).status_code in (401, 403)


def test_patching_a_section_saves_it_and_a_stale_version_is_409(as_user, owner, record):
    client = as_user(owner)
    version = client.get(url(record, "sections/impact/")).json()["version"]
    saved = client.patch(
        url(record, "sections/impact/"), {"body": "Half of all orders.", "version": version}, format="json"
    )
    assert saved.status_code == 200
    assert saved.json()["edited"] is True
    assert saved.json()["version"] == version + 1
    stale = client.patch(
        url(record, "sections/impact/"), {"body": "Older text", "version": version}, format="json"
    )
    assert stale.status_code == 409
    stale_header = client.patch(
        url(record, "sections/impact/"), {"body": "Older text"}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )
    assert stale_header.status_code == 409
    assert client.get(url(record, "sections/impact/")).json()["body"] == "Half of all orders."


def test_bad_section_input_is_400_and_unknown_sections_404(as_user, owner, record):
    client = as_user(owner)
    assert client.patch(url(record, "sections/impact/"), {"body": 12}, format="json").status_code == 400
    assert client.patch(url(record, "sections/impact/"), {"text": "x"}, format="json").status_code == 400
    assert client.patch(url(record, "sections/impact/"), ["x"], format="json").status_code == 400
    assert client.patch(url(record, "sections/nope/"), {"body": "x"}, format="json").status_code == 404
    assert client.get("/api/v1/incidents/INC-999999/postmortem/").status_code == 404
    assert client.get("/api/v1/incidents/99999999999999999999999/postmortem/").status_code == 404


def test_submit_is_refused_naming_the_empty_sections(as_user, owner, record):
    response = as_user(owner).post(url(record, "submit/"), {}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert {"impact", "causes", "action_items"} <= set(errors)
    assert "summary" not in errors  # seeded from the incident


def test_the_review_flow_through_the_api(as_user, owner, reviewer, record):
    client = as_user(owner)
    fill_required(client, record)
    submitted = client.post(url(record, "submit/"), {"reviewers": ["rita"]}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "in_review"
    assert submitted.json()["reviewers"] == ["rita"]
    assert client.post(url(record, "approve/"), {}, format="json").status_code == 403  # not named
    assert client.post(url(record, "publish/")).status_code == 400

    reviewer_client = as_user(reviewer)
    no_comment = reviewer_client.post(url(record, "request-changes/"), {"comment": ""}, format="json")
    assert no_comment.status_code == 400
    back = reviewer_client.post(
        url(record, "request-changes/"), {"comment": "Quantify impact."}, format="json"
    )
    assert back.json()["status"] == "draft"
    assert back.json()["reviews"][0]["comment"] == "Quantify impact."

    client = as_user(owner)
    assert client.post(url(record, "submit/")).json()["status"] == "in_review"
    approved = as_user(reviewer).post(url(record, "approve/"), {"comment": "Good."}, format="json")
    assert approved.json()["status"] == "approved"
    client = as_user(owner)
    published = client.post(url(record, "publish/"), {"public": True}, format="json")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    assert client.patch(url(record, "sections/summary/"), {"body": "x"}, format="json").status_code == 400
    assert client.post(url(record, "generate/")).status_code == 400
    reopened = client.post(url(record, "reopen/"))
    assert reopened.json()["status"] == "draft"
    assert client.patch(url(record, "sections/summary/"), {"body": "x"}, format="json").status_code == 200


def test_reviewers_can_be_set_by_patch_and_must_exist(as_user, owner, reviewer, record):
    client = as_user(owner)
    assert client.patch(url(record), {"reviewers": ["rita"]}, format="json").json()["reviewers"] == ["rita"]
    assert client.patch(url(record), {"reviewers": ["nobody-here"]}, format="json").status_code == 400
    assert client.patch(url(record), {"reviewers": "rita"}, format="json").status_code == 400


def test_revisions_are_listed_and_diffed(as_user, owner, record):
    postmortem_generate(incident_id=record.pk)
    client = as_user(owner)
    client.patch(url(record, "sections/impact/"), {"body": "Half of all orders."}, format="json")
    listed = client.get(url(record, "revisions/")).json()
    assert listed["count"] == 2
    assert [r["kind"] for r in listed["results"]] == ["save", "generation"]
    assert listed["results"][0]["author"] == "olivia"
    diff = client.get(url(record, "revisions/diff/?from=1&to=2")).json()
    assert "+Half of all orders." in diff["diff"]
    assert client.get(url(record, "revisions/diff/?from=1&to=x")).status_code == 400
    assert client.get(url(record, "revisions/1/")).json()["sections"][0]["key"] == "header"


@pytest.mark.parametrize(
    ("export_format", "content_type", "needle"),
    [
        ("md", "text/markdown", "## Summary"),
        ("html", "text/html", "<h2>Summary</h2>"),
        ("json", "application/json", '"events"'),
    ],
)
def test_exports_download_in_each_format(as_user, viewer, record, export_format, content_type, needle):
    postmortem_generate(incident_id=record.pk)
    response = as_user(viewer).get(url(record, f"export/?format={export_format}"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert f"{record.reference}-postmortem.{export_format}" in response["Content-Disposition"]
    assert needle in response.content.decode()


def test_an_unknown_export_format_is_400(as_user, viewer, record):
    assert as_user(viewer).get(url(record, "export/?format=pdf")).status_code == 400


def test_integration_tokens_cannot_use_it(api_client, owner, record):
    from incidents.services import api_token_create

    _, key = api_token_create(user=owner, name="alertmanager", is_integration=True)
    response = api_client.get(url(record), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
    assert not Postmortem.objects.filter(incident=record).exists()


def test_absurd_revision_numbers_are_404_not_500(as_user, owner, record):
    client = as_user(owner)
    assert client.get(url(record, "revisions/99999999999999999999999/")).status_code == 404
    assert client.get(url(record, "revisions/diff/?from=1&to=999999999")).status_code == 404


def test_non_json_bodies_are_refused_without_changes(as_user, owner, record):
    client = as_user(owner)
    response = client.generic(
        "PATCH", url(record, "sections/impact/"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert client.get(url(record, "sections/impact/")).json()["edited"] is False
