"""Fixes that did not hold (issue #19 item 3): a confirmed cause of a new incident matching an earlier
incident whose repair/prevent items were done is said on both pages and in the API, its people are
told once, and insights count repeats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail

from incidents.insights.forms import InsightsFilters
from incidents.insights.metrics import compute_insights
from incidents.insights.models import FixNotHeld
from incidents.models import Job
from incidents.reminders.models import Delivery, Notification, Rule
from incidents.services.causes import cause_add, cause_update
from tests.broadcasts.conftest import run_jobs
from tests.factories import (
    CauseFactory,
    IncidentFactory,
    RemediationActionFactory,
    ServiceFactory,
    UserFactory,
)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def done(incident: Any, day: str, kind: str, owner: Any, title: str) -> Any:
    return RemediationActionFactory(
        incident=incident,
        kind=kind,
        status="done",
        completed_at=at(day),
        completion_note="Shipped",
        owner=owner,
        title=title,
    )


@pytest.fixture
def world(owner: Any, outsider: Any) -> dict[str, Any]:
    api, db = ServiceFactory(name="api"), ServiceFactory(name="db")
    alice = UserFactory(username="alice", role="responder")
    bob = UserFactory(username="bob", role="responder")
    carol = UserFactory(username="carol", role="responder")
    earlier = IncidentFactory(
        title="API overloaded", started_at=at("2026-01-10"), services=[api], commander=owner
    )
    CauseFactory(incident=earlier, category="capacity", status="confirmed")
    world = {
        "api": api,
        "db": db,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "earlier": earlier,
        "autoscale": done(earlier, "2026-01-20", "prevent", alice, "Autoscale the API tier"),
        "patch": done(earlier, "2026-01-15", "repair", bob, "Raise the pool size"),
        "alert": done(earlier, "2026-01-16", "detect", bob, "Alert on queue depth"),
        "later_fix": done(earlier, "2026-03-05", "prevent", bob, "Shed load"),  # after the repeat began
        "open": RemediationActionFactory(incident=earlier, kind="prevent", status="open", owner=alice),
        "again": IncidentFactory(
            title="API overloaded again", started_at=at("2026-03-01"), services=[api], commander=owner
        ),
    }
    postmortem_model = pytest.importorskip("incidents.postmortems.models")
    postmortem = postmortem_model.Postmortem.objects.create(incident=earlier, status="published")
    postmortem_model.Review.objects.create(postmortem=postmortem, reviewer=carol, decision="approved")
    return world


def confirm(world: dict[str, Any], actor: Any, category: str = "capacity") -> Any:
    cause = cause_add(incident=world["again"], actor=actor, category=category, description="Too much load")
    cause_update(cause=cause, actor=actor, data={"status": "confirmed"})
    run_jobs("insights.")
    run_jobs("reminders.")
    return cause


def test_a_suspected_cause_says_nothing(world, owner):
    cause_add(incident=world["again"], actor=owner, category="capacity", description="Maybe load")
    assert not Job.objects.filter(name="insights.fixes_not_held").exists()
    assert not FixNotHeld.objects.exists()


def test_confirming_a_matching_cause_links_the_two_with_the_fixes_that_did_not_hold(world, owner):
    confirm(world, owner)
    link = FixNotHeld.objects.get()
    assert (link.incident, link.earlier, link.category) == (world["again"], world["earlier"], "capacity")
    # Done repair/prevent items completed before the repeat began; not the detect item, the open
    # one, or the one done after.
    assert {a.title for a in link.actions.all()} == {"Autoscale the API tier", "Raise the pool size"}


def test_the_owners_and_the_approver_are_told_once(world, owner):
    confirm(world, owner)
    told = Notification.objects.filter(rule=Rule.FIX_NOT_HELD)
    assert {n.recipient.username for n in told} == {"alice", "bob", "carol"}
    alice_note = told.get(recipient=world["alice"])
    assert alice_note.title == (
        f"A fix did not hold: {world['again'].reference} repeats {world['earlier'].reference} (capacity)"
    )
    assert "Autoscale the API tier" in alice_note.body
    assert "yours" in alice_note.body
    assert "You approved the postmortem" in told.get(recipient=world["carol"]).body
    # By email too (sent now, or after the recipient's quiet hours).
    emailed = Delivery.objects.filter(reminder__rule=Rule.FIX_NOT_HELD, channel="email")
    assert {d.reminder.recipient.username for d in emailed} == {"alice", "bob", "carol"}
    sent = [m for m in mail.outbox if "A fix did not hold" in m.subject]
    assert len(sent) == emailed.filter(status="sent").count()

    # Confirming again (ruled out, then confirmed) and re-running the jobs tells nobody twice.
    cause = world["again"].causes.get()
    cause_update(cause=cause, actor=owner, data={"status": "ruled_out"})
    cause_update(cause=cause, actor=owner, data={"status": "confirmed"})
    run_jobs("insights.")
    run_jobs("reminders.")
    assert FixNotHeld.objects.count() == 1
    assert Notification.objects.filter(rule=Rule.FIX_NOT_HELD).count() == 3


def test_the_person_who_confirmed_is_not_told_by_notification(world):
    confirm(world, world["alice"])
    assert not Notification.objects.filter(rule=Rule.FIX_NOT_HELD, recipient=world["alice"]).exists()


def test_other_services_or_categories_do_not_match(world, owner):
    world["again"].services.set([world["db"]])
    confirm(world, owner)
    assert not FixNotHeld.objects.exists()
    world["again"].services.set([world["api"]])
    confirm(world, owner, category="software")
    assert not FixNotHeld.objects.exists()


def test_a_duplicate_or_false_alarm_repeats_nothing(world, owner):
    world["again"].false_alarm = True
    world["again"].save()
    confirm(world, owner)
    assert not FixNotHeld.objects.exists()


def test_both_pages_say_so(world, owner, client_for):
    confirm(world, owner)
    client = client_for(owner)
    page = client.get(f"/incidents/{world['again'].reference}/").content.decode()
    assert 'id="fixes-not-held"' in page
    assert "A fix did not hold" in page
    assert world["earlier"].reference in page
    assert "Autoscale the API tier" in page
    earlier_page = client.get(f"/incidents/{world['earlier'].reference}/").content.decode()
    assert "Its fixes did not hold" in earlier_page
    assert world["again"].reference in earlier_page


def test_the_notice_goes_when_the_cause_is_no_longer_confirmed(world, owner, client_for):
    cause = confirm(world, owner)
    cause_update(cause=cause, actor=owner, data={"status": "ruled_out"})
    page = client_for(owner).get(f"/incidents/{world['again'].reference}/").content.decode()
    assert 'id="fixes-not-held"' not in page


def test_the_api_lists_both_directions(world, owner, api_client):
    confirm(world, owner)
    api_client.force_authenticate(owner)
    [item] = api_client.get(f"/api/v1/incidents/{world['again'].reference}/fixes-not-held/").json()
    assert item["direction"] == "repeats"
    assert item["incident"] == world["earlier"].reference
    assert item["category"] == "capacity"
    assert [a["title"] for a in item["actions"]] == ["Raise the pool size", "Autoscale the API tier"]
    assert item["actions"][0]["owner"] == "bob"
    [back] = api_client.get(f"/api/v1/incidents/{world['earlier'].reference}/fixes-not-held/").json()
    assert (back["direction"], back["incident"]) == ("repeated_by", world["again"].reference)


def test_a_private_incident_shows_through_to_nobody_who_cannot_see_it(
    world, owner, outsider, api_client, client_for
):
    world["again"].private = True
    world["again"].save()
    confirm(world, owner)
    assert FixNotHeld.objects.count() == 1
    # The owners and the approver may not see the private repeat: nobody is told.
    assert not Notification.objects.filter(rule=Rule.FIX_NOT_HELD).exists()
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/v1/incidents/{world['earlier'].reference}/fixes-not-held/").json() == []
    assert api_client.get(f"/api/v1/incidents/{world['again'].reference}/fixes-not-held/").status_code == 404
    page = client_for(outsider).get(f"/incidents/{world['earlier'].reference}/").content.decode()
    assert world["again"].reference not in page
    assert "fixes-not-held" not in page
    # Its commander sees both.
    api_client.force_authenticate(owner)
    assert len(api_client.get(f"/api/v1/incidents/{world['earlier'].reference}/fixes-not-held/").json()) == 1


def test_insights_show_a_repeat_rate_and_repeats_per_action_kind(world, owner, client_for):
    CauseFactory(incident=world["again"], category="capacity", status="confirmed")
    # A third incident, long after: not within 90 days of anything.
    late = IncidentFactory(started_at=at("2026-09-01"), services=[world["api"]], commander=owner)
    CauseFactory(incident=late, category="capacity", status="confirmed")
    data = compute_insights(user=owner, filters=InsightsFilters(since=at("2026-01-01")))["repeats"]
    assert (data["incidents"], data["repeats"], data["window_days"]) == (3, 1, 90)
    assert data["repeat_rate"] == round(1 / 3, 3)
    kinds = {row["kind"]: row for row in data["by_action_kind"]}
    # Done 15 and 20 January, repeated 1 March (within 90 days); "Shed load" done 5 March, and the
    # next repeat (1 September) is more than 90 days later.
    assert (kinds["prevent"]["done"], kinds["prevent"]["repeated"]) == (2, 1)
    assert (kinds["repair"]["done"], kinds["repair"]["repeated"]) == (1, 1)
    assert (kinds["detect"]["done"], kinds["detect"]["repeated"]) == (1, 1)
    assert kinds["process"] == {
        "kind": "process",
        "label": "Process",
        "done": 0,
        "repeated": 0,
        "repeat_rate": None,
    }
    page = client_for(owner).get("/insights/", {"since": "2026-01-01"}).content.decode()
    assert 'id="repeat-rate"' in page
    assert "within 90 days" in page
    assert 'id="table-repeats-by-kind"' in page
