"""The postmortem editor and reading page, per persona."""

from __future__ import annotations

from datetime import date

import pytest

from incidents.jobs import job_run
from incidents.models import Job
from incidents.postmortems.models import Postmortem
from incidents.postmortems.services import postmortem_generate, section_update

pytestmark = pytest.mark.django_db


def editor(incident, tail=""):
    return f"/incidents/{incident.reference}/postmortem/{tail}"


def test_the_editor_shows_sections_prompts_and_the_generate_button(client_for, owner, record):
    postmortem_generate(incident_id=record.pk)
    page = client_for(owner).get(editor(record)).content.decode()
    assert "Checkout outage" in page
    assert 'aria-current="page">Postmortem</a>' in page
    assert "Regenerate from the record" in page
    assert "What helped: alerts that fired" in page  # a prompt
    assert "Rolled back payments to v2.2" in page
    assert 'name="version"' in page
    assert "<script>" not in page.split("</head>")[1]


def test_viewers_read_but_cannot_edit(client_for, viewer, record):
    postmortem_generate(incident_id=record.pk)
    client = client_for(viewer)
    page = client.get(editor(record)).content.decode()
    assert "Edit in Markdown" not in page
    assert "Regenerate" not in page
    assert client.post(editor(record, "sections/summary/"), {"body": "x"}).status_code == 403
    assert Postmortem.objects.get(incident=record).sections.get(key="summary").edited is False


def test_outsiders_never_see_a_private_postmortem(client_for, outsider, private_incident):
    client = client_for(outsider)
    assert client.get(editor(private_incident)).status_code == 404
    assert client.get(editor(private_incident, "export/?format=md")).status_code == 404
    assert (
        client.post(editor(private_incident, "sections/summary/preview/"), {"body": "x"}).status_code == 404
    )


def test_the_preview_renders_through_the_sanitising_renderer(client_for, owner, record):
    response = client_for(owner).post(
        editor(record, "sections/summary/preview/"),
        {"body": "**bold** <script>alert(1)</script> [x](javascript:alert(1))"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def test_saving_a_section_keeps_it_through_regeneration(client_for, owner, record):
    postmortem_generate(incident_id=record.pk)
    client = client_for(owner)
    version = Postmortem.objects.get(incident=record).sections.get(key="summary").version
    response = client.post(
        editor(record, "sections/summary/"), {"body": "Written by us.", "version": version}
    )
    assert response.status_code == 302
    postmortem_generate(incident_id=record.pk)
    assert "Written by us." in client.get(editor(record)).content.decode()


def test_a_stale_save_is_refused_with_a_message(client_for, owner, record):
    client = client_for(owner)
    client.get(editor(record))
    client.post(editor(record, "sections/impact/"), {"body": "First.", "version": 1})
    response = client.post(editor(record, "sections/impact/"), {"body": "Second.", "version": 1}, follow=True)
    assert "changed since you loaded it" in response.content.decode()
    assert Postmortem.objects.get(incident=record).sections.get(key="impact").body == "First."


def test_generate_shows_progress_until_the_job_is_done(client_for, owner, record):
    client = client_for(owner)
    response = client.post(editor(record, "generate/"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Generation queued" in page
    assert 'hx-trigger="every 1s"' in page
    job = Job.objects.get(incident=record, name="postmortems.generate")
    job_run(job_id=str(job.pk))
    done = client.get(editor(record, f"jobs/{job.pk}/"), HTTP_HX_REQUEST="true")
    assert "Generated." in done.content.decode()
    assert "every 1s" not in done.content.decode()
    assert done["HX-Refresh"] == "true"


def test_regenerating_an_unchanged_postmortem_says_there_is_nothing_new(client_for, owner, record):
    postmortem_generate(incident_id=record.pk)
    revision = Postmortem.objects.get(incident=record).revision_number
    client = client_for(owner)
    client.post(editor(record, "generate/"), HTTP_HX_REQUEST="true")
    job = Job.objects.get(incident=record, name="postmortems.generate")
    job_run(job_id=str(job.pk))
    done = client.get(editor(record, f"jobs/{job.pk}/"), HTTP_HX_REQUEST="true")
    assert f"No changes since revision {revision}" in done.content.decode()
    assert "HX-Refresh" not in done  # the page stays, with the message in view
    assert Postmortem.objects.get(incident=record).revision_number == revision


def test_submit_names_the_empty_sections(client_for, owner, record):
    response = client_for(owner).post(editor(record, "submit/"), follow=True)
    page = response.content.decode()
    assert "Still empty: impact, causes, action_items." in page
    assert Postmortem.objects.get(incident=record).status == "draft"


def test_the_diff_page_shows_what_changed(client_for, owner, record):
    postmortem_generate(incident_id=record.pk)
    client = client_for(owner)
    client.post(editor(record, "sections/impact/"), {"body": "Half of all orders."})
    page = client.get(editor(record, "diff/?old=1&new=2")).content.decode()
    assert "+Half of all orders." in page


def test_the_reading_page_is_for_published_postmortems(client_for, viewer, record):
    postmortem_generate(incident_id=record.pk)
    client = client_for(viewer)
    assert client.get(editor(record, "read/")).status_code == 302
    Postmortem.objects.filter(incident=record).update(status="published")
    page = client.get(editor(record, "read/")).content.decode()
    assert "Checkout failed for most users" in page
    assert "What helped" not in page  # empty authored sections are left out


def test_anonymous_visitors_are_sent_to_sign_in(client, record):
    assert client.get(editor(record)).status_code == 302


def test_the_incident_page_links_to_its_postmortem(client_for, viewer, record):
    page = client_for(viewer).get(f"/incidents/{record.reference}/").content.decode()
    assert "Start the postmortem" in page
    postmortem_generate(incident_id=record.pk)
    page = client_for(viewer).get(f"/incidents/{record.reference}/").content.decode()
    assert f'href="/incidents/{record.reference}/postmortem/"' in page
    assert "Open the postmortem" in page


def test_the_dashboard_lists_postmortems_due_but_never_private_ones(
    client_for, outsider, record, private_incident
):
    postmortem_generate(incident_id=record.pk)
    postmortem_generate(incident_id=private_incident.pk)
    Postmortem.objects.filter(incident=record).update(due_date=date(2020, 1, 6))
    page = client_for(outsider).get("/").content.decode()
    assert "Postmortems due" in page
    assert record.reference in page
    assert private_incident.reference not in page
    assert '<span class="badge danger">overdue</span>' in page


def test_an_absurd_revision_number_in_the_diff_page_is_404(client_for, owner, record):
    response = client_for(owner).get(editor(record, "diff/?old=1&new=99999999999999999999"))
    assert response.status_code == 404


def _stale_causes_section(record, owner):
    from incidents.postmortems.services import section_update
    from incidents.services import cause_update

    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="causes", actor=owner, body="Causes, in our words.")
    cause_update(
        cause=record.causes.get(description="No canary stage"), actor=owner, data={"status": "confirmed"}
    )
    postmortem_generate(incident_id=record.pk)
    section = postmortem.sections.get(key="causes")
    assert section.stale is True
    return section


def test_the_author_refreshes_a_stale_section_from_the_editor(client_for, owner, record):
    section = _stale_causes_section(record, owner)
    response = client_for(owner).post(editor(record, "sections/causes/refresh/"), follow=True)
    assert "Section rebuilt from the record." in response.content.decode()
    section.refresh_from_db()
    assert (section.stale, section.edited) == (False, False)
    assert "Causes, in our words." not in section.body
    assert "No canary stage" in section.body


def test_the_author_keeps_their_version_of_a_stale_section_from_the_editor(client_for, owner, record):
    section = _stale_causes_section(record, owner)
    response = client_for(owner).post(editor(record, "sections/causes/keep/"), follow=True)
    assert "Kept your version." in response.content.decode()
    section.refresh_from_db()
    assert (section.stale, section.body) == (False, "Causes, in our words.")


def test_refresh_and_keep_answer_404_for_an_unknown_section_and_403_for_viewers(
    client_for, owner, viewer, record
):
    _stale_causes_section(record, owner)
    assert client_for(owner).post(editor(record, "sections/nope/refresh/")).status_code == 404
    assert client_for(viewer).post(editor(record, "sections/causes/keep/")).status_code == 403
    assert Postmortem.objects.get(incident=record).sections.get(key="causes").stale is True


def test_the_editor_buttons_walk_the_review_workflow(client_for, owner, reviewer, record):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="impact", actor=owner, body="Half of all orders failed.")

    def status() -> str:
        return Postmortem.objects.get(pk=postmortem.pk).status

    author = client_for(owner)
    author.post(editor(record, "reviewers/"), {"reviewers": [reviewer.username]})
    sent = author.post(editor(record, "submit/"))
    assert (sent.status_code, sent["Location"], status()) == (302, editor(record), "in_review")

    refused = client_for(reviewer).post(editor(record, "request-changes/"), {"comment": ""}, follow=True)
    assert "Say what should change." in refused.content.decode()
    assert status() == "in_review"
    client_for(reviewer).post(editor(record, "request-changes/"), {"comment": "Add numbers."})
    assert status() == "draft"

    client_for(owner).post(editor(record, "submit/"))
    approved = client_for(reviewer).post(editor(record, "approve/"), {"comment": "Clear."}, follow=True)
    assert "Approved." in approved.content.decode()
    assert status() == "approved"
    assert [review.comment for review in postmortem.reviews.order_by("pk")] == ["Add numbers.", "Clear."]

    author = client_for(owner)
    author.post(editor(record, "publish/"), {"public": "on"})
    published = Postmortem.objects.get(pk=postmortem.pk)
    assert (published.status, published.public) == ("published", True)
    reopened = author.post(editor(record, "reopen/"), follow=True)
    assert "Reopened as a draft." in reopened.content.decode()
    assert status() == "draft"


def test_a_review_step_is_a_post_and_only_for_those_who_may_take_it(client_for, owner, viewer, record):
    postmortem_generate(incident_id=record.pk)
    assert client_for(owner).get(editor(record, "submit/")).status_code == 405
    assert client_for(viewer).post(editor(record, "publish/")).status_code == 403
    assert Postmortem.objects.get(incident=record).status == "draft"
