"""Recurrence and "did the fix work?" on a crafted history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from incidents.insights.forms import InsightsFilters
from incidents.insights.metrics import compute_insights
from incidents.insights.recurrence import fix_outcome, fix_outcomes, related_incidents
from tests.factories import CauseFactory, IncidentFactory, RemediationActionFactory, ServiceFactory


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def incident(
    day: str, services: list[Any], category: str, cause_status: str = "confirmed", **extra: Any
) -> Any:
    created = IncidentFactory(started_at=at(day), detected_at=at(day), services=services, **extra)
    CauseFactory(incident=created, category=category, status=cause_status)
    return created


def fix(on: Any, done: str, kind: str = "prevent", **extra: Any) -> Any:
    return RemediationActionFactory(
        incident=on, kind=kind, status="done", completed_at=at(done), completion_note="Shipped", **extra
    )


@pytest.fixture
def story(owner: Any) -> dict[str, Any]:
    api, db = ServiceFactory(name="api"), ServiceFactory(name="db")
    first = incident("2026-01-10", [api], "capacity", title="API overloaded")
    network_cause = CauseFactory(incident=first, category="network", status="suspected")
    world = {
        "first": first,
        "autoscale": fix(first, "2026-01-20", title="Autoscale the API tier"),
        "rate_limit": fix(first, "2026-03-01", kind="repair", title="Rate-limit bulk clients"),
        "stopgap": fix(first, "2026-01-15", kind="mitigate", title="Restart pods"),
        "open_fix": RemediationActionFactory(incident=first, kind="prevent", status="open"),
        "network_fix": fix(first, "2026-01-20", title="Second uplink"),
        "again": incident("2026-02-10", [api], "capacity", title="API overloaded again"),
        "other_service": incident("2026-03-10", [db], "capacity"),
        "other_category": incident("2026-03-15", [api], "software"),
        "ruled_out": incident("2026-03-20", [api], "capacity", cause_status="ruled_out"),
        "false_alarm": incident("2026-03-25", [api], "capacity", false_alarm=True),
        "private": incident("2026-04-01", [api], "capacity", private=True, commander=owner, title="Hidden"),
    }
    world["network_fix"].causes.add(network_cause)
    return world


def test_a_fix_followed_by_an_incident_with_the_same_service_and_category_did_not_hold(story, outsider):
    outcome = fix_outcome(user=outsider, action=story["autoscale"])
    assert outcome is not None
    assert not outcome.held
    assert outcome.recurrence.reference == story["again"].reference
    assert outcome.recurrence.started_at == at("2026-02-10")


def test_a_fix_with_no_later_matching_incident_held(story, outsider):
    # Later incidents differ in service or category, were ruled out, were a false alarm, or are private.
    outcome = fix_outcome(user=outsider, action=story["rate_limit"])
    assert outcome is not None
    assert outcome.held


def test_a_private_recurrence_counts_only_for_those_who_may_see_it(story, admin_user, owner):
    for user in (admin_user, owner):
        outcome = fix_outcome(user=user, action=story["rate_limit"])
        assert outcome.recurrence.reference == story["private"].reference


def test_an_item_linked_to_causes_is_judged_by_their_categories(story, outsider):
    # The uplink fix addresses the network cause; the later incidents were about capacity.
    assert fix_outcome(user=outsider, action=story["network_fix"]).held


def test_only_done_repair_and_prevent_items_are_judged(story, outsider):
    assert fix_outcome(user=outsider, action=story["stopgap"]) is None
    assert fix_outcome(user=outsider, action=story["open_fix"]) is None


def test_outcomes_of_many_items_take_a_fixed_number_of_queries(
    story, outsider, django_assert_max_num_queries
):
    actions = [story[k] for k in ("autoscale", "rate_limit", "stopgap", "open_fix", "network_fix")]
    with django_assert_max_num_queries(5):
        outcomes = fix_outcomes(user=outsider, actions=actions)
    assert sorted(o.held for o in outcomes.values()) == [False, True, True]


def test_insights_summarise_whether_fixes_worked(story, outsider, admin_user):
    filters = InsightsFilters(since=at("2026-01-01"))
    fixes = compute_insights(user=outsider, filters=filters)["fixes"]
    assert (fixes["held"], fixes["recurred"]) == (2, 1)
    assert fixes["recurrences"][0]["title"] == "Autoscale the API tier"
    assert fixes["recurrences"][0]["recurred_in"] == story["again"].reference
    admin_fixes = compute_insights(user=admin_user, filters=filters)["fixes"]
    assert (admin_fixes["held"], admin_fixes["recurred"]) == (1, 2)


def test_related_incidents_share_a_service_and_a_cause_category(story, outsider, admin_user):
    related = {i.reference for i in related_incidents(user=outsider, incident=story["first"])}
    assert story["again"].reference in related
    assert story["other_service"].reference not in related
    assert story["other_category"].reference not in related
    assert story["ruled_out"].reference not in related
    assert story["private"].reference not in related
    assert story["private"].reference in {
        i.reference for i in related_incidents(user=admin_user, incident=story["first"])
    }


def test_related_partial_lists_related_incidents_with_dates(story, outsider, client_for):
    response = client_for(outsider).get(
        f"/incidents/{story['first'].reference}/related/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert story["again"].reference in body
    assert "2026-02-10" in body
    assert "Hidden" not in body
    assert "<html" not in body


def test_related_partial_of_a_private_incident_is_404_for_an_outsider(story, outsider, client_for):
    assert client_for(outsider).get(f"/incidents/{story['private'].reference}/related/").status_code == 404


def test_fix_outcome_partial_says_whether_the_fix_worked(story, outsider, client_for):
    client = client_for(outsider)
    recurred = client.get(f"/actions/{story['autoscale'].pk}/fix-outcome/").content.decode()
    assert "Did the fix work?" in recurred
    assert story["again"].reference in recurred
    held = client.get(f"/actions/{story['rate_limit'].pk}/fix-outcome/").content.decode()
    assert "Held so far" in held
    assert client.get(f"/actions/{story['stopgap'].pk}/fix-outcome/").content.decode().strip() == ""


def test_fix_outcome_partial_of_an_invisible_item_is_404(story, outsider, client_for):
    hidden = fix(story["private"], "2026-04-05")
    assert client_for(outsider).get(f"/actions/{hidden.pk}/fix-outcome/").status_code == 404


def test_a_list_of_items_renders_its_outcomes_in_one_pass(story, outsider, rf, django_assert_max_num_queries):
    from django.template import engines

    from incidents.models import RemediationAction

    template = engines["django"].from_string(
        "{% load insights %}{% prefetch_fix_outcomes actions %}"
        '{% for action in actions %}{% include "insights/_fix_outcome.html" %}{% endfor %}'
    )
    request = rf.get("/")
    request.user = outsider
    actions = list(RemediationAction.objects.filter(incident=story["first"]))
    with django_assert_max_num_queries(5):
        html = template.render({"actions": actions}, request)
    assert html.count("Did the fix work?") == 3
    assert html.count("Held so far") == 2
