"""What the generation job writes, and what it must never overwrite."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from incidents.models import Job
from incidents.postmortems.generation import add_business_days, due_date_for
from incidents.postmortems.models import Postmortem, Revision
from incidents.postmortems.services import (
    postmortem_generate,
    section_keep,
    section_refresh,
    section_update,
)
from incidents.services import cause_update, incident_update
from tests.factories import CauseFactory, IncidentFactory, TimelineEventFactory
from tests.postmortems.conftest import ALERT_DUE, CANARY_DUE, START

pytestmark = pytest.mark.django_db


def sections_of(incident):
    return {section.key: section for section in Postmortem.objects.get(incident=incident).sections.all()}


def test_it_creates_the_default_sections_in_order(record):
    postmortem_generate(incident_id=record.pk)
    keys = list(Postmortem.objects.get(incident=record).sections.values_list("key", flat=True))
    assert keys == [
        "header",
        "summary",
        "impact",
        "timeline",
        "causes",
        "detection",
        "response",
        "went_well",
        "went_wrong",
        "got_lucky",
        "action_items",
        "lessons",
        "appendix",
    ]


def test_header_table_names_the_other_role_holders_by_name(record):
    from incidents.models import IncidentRole, IncidentRoleKind
    from tests.factories import UserFactory

    maya = UserFactory(username="maya", first_name="Maya", last_name="Chen")
    IncidentRole.objects.create(
        incident=record,
        kind=IncidentRoleKind.objects.get(key="communications_lead"),
        user=maya,
        assigned_at=START,
    )
    postmortem_generate(incident_id=record.pk)
    header = sections_of(record)["header"].body
    assert "| **Communications lead** | Maya Chen |" in header
    assert "Scribe" not in header, "a role nobody held is left out"


def test_header_table_names_the_incident(record):
    postmortem_generate(incident_id=record.pk)
    header = sections_of(record)["header"].body
    for expected in (
        f"| **Reference** | {record.reference} |",
        "| **Severity** | SEV1 |",
        "| **Services** | api-gateway, checkout |",
        "| **Commander** | olivia |",
        "| **Start** | 2026-11-19 23:40 UTC |",
        "| **End** | 2026-11-20 00:30 UTC |",
        "| **Duration** | 50 min |",
        "| **Status** | Resolved |",
    ):
        assert expected in header


def test_timeline_lists_pinned_events_with_utc_times_offsets_and_each_date(record):
    postmortem_generate(incident_id=record.pk)
    timeline = sections_of(record)["timeline"].body
    lines = timeline.splitlines()
    first_day = lines.index("**2026-11-19 (Thursday)**")
    second_day = lines.index("**2026-11-20 (Friday)**")
    assert first_day < second_day
    deploy = lines.index("- **23:35 UTC** · T-00:05 · _Action_ — Deployed payments v2.3")
    alert = lines.index("- **23:47 UTC** · T+00:07 · _Alert_ — 5xx rate > 20%")
    rollback = lines.index("- **00:10 UTC** · T+00:30 · _Action_ — Rolled back payments to v2.2")
    assert first_day < deploy < alert < second_day < rollback
    assert "Looking at dashboards" not in timeline  # not pinned
    assert "Secret mistake" not in timeline  # soft-deleted


def test_causes_are_grouped_by_role_confirmed_first_with_evidence(record):
    postmortem_generate(incident_id=record.pk)
    causes = sections_of(record)["causes"].body
    order = [
        causes.index("### Trigger"),
        causes.index("Deploy of v2.3"),
        causes.index("### Root causes"),
        causes.index("Null pointer in the new tax code path"),
        causes.index("Payment provider outage"),
        causes.index("### Contributing factors"),
        causes.index("No canary stage"),
    ]
    assert order == sorted(order)
    assert "**Confirmed** · _Software_ — Null pointer" in causes
    assert "**Ruled out** · _Dependency_ — Payment provider outage" in causes
    assert "Evidence: 2026-11-19 23:35 UTC (T-00:05) — Deployed payments v2.3" in causes
    assert "Evidence: 2026-11-20 00:10 UTC (T+00:30) — Rolled back payments to v2.2" in causes
    assert "Secret mistake" not in causes


def test_suspected_causes_come_between_confirmed_and_ruled_out(record):
    CauseFactory(incident=record, role="root_cause", status="suspected", description="Cache stampede")
    postmortem_generate(incident_id=record.pk)
    causes = sections_of(record)["causes"].body
    assert causes.index("Null pointer") < causes.index("Cache stampede") < causes.index("Payment provider")


def test_detection_and_response_give_times_and_durations(record):
    postmortem_generate(incident_id=record.pk)
    sections = sections_of(record)
    assert "Detected at **2026-11-19 23:47 UTC**; time to detect: **7 min**" in sections["detection"].body
    assert "5xx rate > 20%" in sections["detection"].body
    response = sections["response"].body
    assert "| Acknowledged | 2026-11-19 23:50 UTC | T+00:10 | 10 min | 3 min |" in response
    assert "| Mitigated | 2026-11-20 00:15 UTC | T+00:35 | 35 min | 25 min |" in response
    assert "| Resolved | 2026-11-20 00:30 UTC | T+00:50 | 50 min | 15 min |" in response
    assert "- Time to resolve: **50 min**" in response


def test_action_items_table_lists_every_column_by_priority(record):
    postmortem_generate(incident_id=record.pk)
    table = sections_of(record)["action_items"].body
    assert table.splitlines()[0] == "| Title | Kind | Priority | Owner | Due | Status | Ticket | Outcome |"
    assert f"| Alert on checkout 5xx | Detect | P1 | — | {ALERT_DUE} | Open | — | — |" in table
    assert (
        f"| Add a canary stage \\| to payments | Prevent | P2 | olivia | {CANARY_DUE} | Open | "
        "[ticket](https://tracker.example.com/PAY-1) | — |"
    ) in table
    assert table.index("Alert on checkout") < table.index("Add a canary stage")


def test_appendix_holds_the_full_timeline_with_authors(record):
    postmortem_generate(incident_id=record.pk)
    appendix = sections_of(record)["appendix"].body
    assert "The full timeline (5 entries)" in appendix
    assert "- **23:52 UTC** · T+00:12 · _Note_ — unknown (Web) — Looking at dashboards" in appendix
    assert "_Action_ — olivia (Web) — Deployed payments v2.3" in appendix
    assert "Secret mistake" not in appendix


def test_summary_starts_from_the_incident_and_authored_sections_from_their_prompt(record):
    postmortem_generate(incident_id=record.pk)
    sections = sections_of(record)
    assert sections["summary"].body == "Checkout failed for most users for 50 minutes."
    assert sections["impact"].body == sections["impact"].prompt
    assert sections["impact"].is_empty
    assert sections["went_well"].body.startswith("What helped")
    assert sections["got_lucky"].source == "authored"


def test_a_second_run_on_the_same_record_makes_no_revision(record):
    first = postmortem_generate(incident_id=record.pk)
    second = postmortem_generate(incident_id=record.pk)
    assert first["changed"] is True
    assert second == {"changed": False, "revision": first["revision"]}
    assert Revision.objects.filter(postmortem__incident=record).count() == 1


def test_a_change_in_the_record_makes_one_new_revision(record, owner):
    postmortem_generate(incident_id=record.pk)
    TimelineEventFactory(
        incident=record, occurred_at=START + timedelta(minutes=40), body="Postmortem scheduled"
    )
    result = postmortem_generate(incident_id=record.pk)
    assert result["changed"] is True
    assert result["sections"] == ["appendix"]
    assert Revision.objects.filter(postmortem__incident=record).count() == 2


def test_regeneration_keeps_authored_and_hand_edited_sections_and_flags_stale_ones(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="summary", actor=owner, body="Our own summary.")
    section_update(postmortem=postmortem, key="went_well", actor=owner, body="Rollback took 2 minutes.")
    section_update(postmortem=postmortem, key="causes", actor=owner, body="Causes, in our words.")
    cause = record.causes.get(description="No canary stage")
    cause_update(cause=cause, actor=owner, data={"status": "confirmed"})
    incident_update(incident=record, actor=owner, data={"summary": "A newer incident summary."})

    postmortem_generate(incident_id=record.pk)

    sections = sections_of(record)
    assert sections["summary"].body == "Our own summary."
    assert sections["went_well"].body == "Rollback took 2 minutes."
    assert sections["causes"].body == "Causes, in our words."
    assert sections["causes"].stale is True
    assert sections["summary"].stale is False
    assert sections["header"].stale is False


def test_an_edited_section_is_not_stale_while_the_record_is_unchanged(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="timeline", actor=owner, body="Short timeline.")
    postmortem_generate(incident_id=record.pk)
    assert sections_of(record)["timeline"].stale is False
    assert sections_of(record)["timeline"].body == "Short timeline."


def test_the_author_can_refresh_a_stale_section_deliberately(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="causes", actor=owner, body="Old words.")
    CauseFactory(
        incident=record, role="contributing", status="confirmed", description="Alert threshold too high"
    )
    postmortem_generate(incident_id=record.pk)
    assert sections_of(record)["causes"].stale

    section_refresh(postmortem=postmortem, key="causes", actor=owner)

    causes = sections_of(record)["causes"]
    assert "Alert threshold too high" in causes.body
    assert (causes.stale, causes.edited) == (False, False)
    assert postmortem.revisions.first().kind == "refresh"


def test_keeping_an_edited_version_clears_the_flag(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="causes", actor=owner, body="Our words.")
    CauseFactory(incident=record, description="Another factor")
    postmortem_generate(incident_id=record.pk)
    section_keep(postmortem=postmortem, key="causes", actor=owner)
    causes = sections_of(record)["causes"]
    assert (causes.body, causes.stale) == ("Our words.", False)


def test_every_save_is_a_revision_with_who_and_why(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    section_update(postmortem=postmortem, key="impact", actor=owner, body="40% of checkouts failed.")
    latest = postmortem.revisions.first()
    assert (latest.number, latest.kind, latest.author) == (2, "save", owner)
    assert "Impact" in latest.reason
    assert {"key": "impact", "body": "40% of checkouts failed."}.items() <= next(
        item for item in latest.snapshot if item["key"] == "impact"
    ).items()


def test_resolving_an_incident_queues_generation(owner):
    incident = IncidentFactory(commander=owner, reporter=owner)
    incident_update(incident=incident, actor=owner, data={"status": "resolved"})
    job = Job.objects.get(incident=incident, name="postmortems.generate")
    assert job.kwargs["reason"] == "incident resolved"


def test_the_due_date_is_five_business_days_after_resolution(record):
    assert add_business_days(date(2026, 11, 20), 5) == date(2026, 11, 27)  # Friday → next Friday
    assert add_business_days(date(2026, 11, 21), 5) == date(2026, 11, 27)  # Saturday
    postmortem_generate(incident_id=record.pk)
    assert Postmortem.objects.get(incident=record).due_date == due_date_for(record) == date(2026, 11, 27)


def test_generation_for_a_deleted_incident_exits_quietly():
    assert postmortem_generate(incident_id=987654)["skipped"]


def test_an_incident_closes_only_once_its_postmortem_is_published(record, owner):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        incident_update(incident=record, actor=owner, data={"status": "closed"})
    assert "postmortem" in str(refused.value.message_dict["status"])
    postmortem_generate(incident_id=record.pk)
    Postmortem.objects.filter(incident=record).update(status="published")
    assert incident_update(incident=record, actor=owner, data={"status": "closed"}).status == "closed"
