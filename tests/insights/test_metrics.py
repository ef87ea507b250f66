"""Insights figures on a crafted history: what each reader may count, and the numbers themselves."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from incidents.insights.forms import InsightsFilters
from incidents.insights.metrics import compute_insights

RANGE = InsightsFilters(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 3, 1, tzinfo=UTC))


def months(data: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {row["month"]: row for row in data["incidents_per_month"]}


def test_it_leaves_out_duplicates_false_alarms_and_private_incidents_for_an_outsider(history, outsider):
    data = compute_insights(user=outsider, filters=RANGE)
    assert data["incident_count"] == 4
    assert months(data)["2026-01"] == {
        "month": "2026-01",
        "SEV1": 2,
        "SEV2": 0,
        "SEV3": 0,
        "SEV4": 0,
        "total": 2,
    }
    assert months(data)["2026-02"]["SEV1"] == 0
    assert months(data)["2026-02"]["SEV3"] == 0  # the false alarm


def test_an_admin_counts_the_private_incident(history, admin_user):
    data = compute_insights(user=admin_user, filters=RANGE)
    assert data["incident_count"] == 5
    assert months(data)["2026-02"]["SEV1"] == 1


def test_a_participant_counts_the_private_incident_too(history, participant):
    assert compute_insights(user=participant, filters=RANGE)["incident_count"] == 5


def test_time_to_resolve_median_and_p90_per_severity(history, outsider):
    data = compute_insights(user=outsider, filters=RANGE)
    # SEV1: resolved after 120 and 240 minutes → median 180 min; p90: 7200 + 0.9 * 7200 = 13680 s.
    assert data["by_severity"]["SEV1"]["time_to_resolve"] == {"count": 2, "median": 10800, "p90": 13680}
    # SEV1 detection after 5 and 15 minutes.
    assert data["by_severity"]["SEV1"]["time_to_detect"]["median"] == 600
    # SEV2: C has no acknowledgement, so only D counts.
    assert data["by_severity"]["SEV2"]["time_to_acknowledge"] == {"count": 1, "median": 1200, "p90": 1200}
    # All severities, time to mitigate: 30, 60, 180 minutes (D never mitigated).
    # p90: h = 2 * 0.9 = 1.8 → 3600 + 0.8 * (10800 - 3600) = 9360.
    assert data["by_severity"]["all"]["time_to_mitigate"] == {"count": 3, "median": 3600, "p90": 9360}
    assert data["by_severity"]["SEV4"]["time_to_resolve"] == {"count": 0, "median": None, "p90": None}


def test_the_private_incident_changes_the_admin_figures(history, admin_user):
    data = compute_insights(user=admin_user, filters=RANGE)
    # SEV1 resolve: 4, 120, 240 minutes → median 120 minutes.
    assert data["by_severity"]["SEV1"]["time_to_resolve"]["median"] == 7200


def test_medians_per_month(history, outsider):
    by_month = {row["month"]: row for row in compute_insights(user=outsider, filters=RANGE)["by_month"]}
    assert by_month["2026-01"]["time_to_resolve"]["median"] == 10800
    assert by_month["2026-02"]["time_to_detect"] == {"count": 2, "median": 300, "p90": 540}
    assert list(by_month) == ["2026-01", "2026-02"]


def test_data_quality_flags_name_incidents_missing_milestones(history, outsider):
    quality = compute_insights(user=outsider, filters=RANGE)["data_quality"]
    assert quality["missing_acknowledged"] == 1
    assert quality["detected_same_as_started"] == 1
    # D is still investigating: no mitigation expected yet.
    assert quality["missing_mitigated"] == 0
    assert quality["incidents"] == [
        {
            "reference": history["c"].reference,
            "started_at": "2026-02-05T10:00:00+00:00",
            "missing": ["acknowledged_at"],
        }
    ]


def test_cause_categories_leave_out_ruled_out_causes_and_private_incidents(history, outsider, admin_user):
    causes = compute_insights(user=outsider, filters=RANGE)["causes"]
    by_category = {row["category"]: row["incidents"] for row in causes["by_category"]}
    assert by_category["capacity"] == 2
    assert by_category["software"] == 0  # ruled out
    assert by_category["security"] == 0  # private
    assert {row["role"]: row["incidents"] for row in causes["by_role"]} == {
        "trigger": 2, "root_cause": 1, "contributing": 0,
    }  # fmt: skip
    january = next(row for row in causes["by_month"] if row["month"] == "2026-01")
    assert january["categories"] == {"capacity": {"trigger": 1, "root_cause": 1, "contributing": 0}}
    admin_causes = compute_insights(user=admin_user, filters=RANGE)["causes"]
    assert {r["category"]: r["incidents"] for r in admin_causes["by_category"]}["security"] == 1


def test_action_items_on_time_late_open_and_overdue_by_owner(history, outsider):
    actions = compute_insights(user=outsider, filters=RANGE)["actions"]
    assert (actions["done_on_time"], actions["done_late"], actions["open"], actions["overdue"]) == (
        1,
        1,
        1,
        1,
    )
    assert actions["wont_do"] == 1
    assert actions["total"] == 5
    owners = {row["owner"]: row for row in actions["by_owner"]}
    assert owners["olivia"]["done_on_time"] == 1
    assert owners["olivia"]["done_late"] == 1
    assert owners["olivia"]["overdue"] == 0  # her overdue item is in the private incident
    assert owners[None]["overdue"] == 1
    assert owners["paul"]["open"] == 1


def test_filters_by_severity_and_service(history, outsider):
    sev2 = InsightsFilters(since=RANGE.since, until=RANGE.until, severities=("SEV2",))
    assert compute_insights(user=outsider, filters=sev2)["incident_count"] == 2
    api = InsightsFilters(since=RANGE.since, until=RANGE.until, service=history["api"])
    assert compute_insights(user=outsider, filters=api)["incident_count"] == 2


def test_api_returns_the_figures(history, outsider, api_client):
    api_client.force_authenticate(outsider)
    response = api_client.get("/api/v1/insights/", {"since": "2026-01-01", "until": "2026-02-28"})
    assert response.status_code == 200
    data = response.json()
    assert data["incident_count"] == 4
    assert data["by_severity"]["SEV1"]["time_to_resolve"]["median"] == 10800
    assert data["filters"]["since"] == "2026-01-01T00:00:00+00:00"


def test_api_until_date_includes_that_whole_day(history, outsider, api_client):
    api_client.force_authenticate(outsider)
    response = api_client.get("/api/v1/insights/", {"since": "2026-02-15", "until": "2026-02-15"})
    assert response.json()["incident_count"] == 1


def test_api_accepts_repeated_or_comma_separated_severities_and_a_service(history, outsider, api_client):
    api_client.force_authenticate(outsider)
    both = api_client.get("/api/v1/insights/?severity=SEV1&severity=SEV2&since=2026-01-01")
    assert both.json()["incident_count"] == 4
    comma = api_client.get(
        "/api/v1/insights/", {"severity": "sev1,SEV2", "service": "API", "since": "2026-01-01"}
    )
    assert comma.json()["incident_count"] == 2


def test_api_counts_private_incidents_for_the_admin_only(history, outsider, admin_user, api_client):
    api_client.force_authenticate(admin_user)
    assert api_client.get("/api/v1/insights/", {"since": "2026-01-01"}).json()["incident_count"] == 5
    api_client.force_authenticate(outsider)
    assert api_client.get("/api/v1/insights/", {"since": "2026-01-01"}).json()["incident_count"] == 4


def test_api_rejects_bad_filters_with_field_errors(history, outsider, api_client):
    api_client.force_authenticate(outsider)
    cases = {
        "since": {"since": "last tuesday"},
        "until": {"since": "2026-03-01", "until": "2026-01-01"},
        "severity": {"severity": "SEV9"},
        "service": {"service": "no-such-service"},
    }
    for field, params in cases.items():
        response = api_client.get("/api/v1/insights/", params)
        assert response.status_code == 400, params
        assert field in response.json(), response.json()


def test_api_rejects_an_impossible_date_without_a_500(outsider, api_client):
    api_client.force_authenticate(outsider)
    assert api_client.get("/api/v1/insights/", {"since": "2026-02-31"}).status_code == 400


def test_api_asks_anonymous_callers_to_authenticate(api_client, db):
    assert api_client.get("/api/v1/insights/").status_code in (401, 403)


def test_page_shows_figures_without_private_titles_for_an_outsider(history, outsider, client_for):
    response = client_for(outsider).get("/insights/", {"since": "2026-01-01", "until": "2026-02-28"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="incident-count">4<' in body
    assert "Credential leak" not in body
    assert history["private"].reference not in body
    assert "<svg" in body


def test_page_shows_a_form_error_for_a_bad_filter(history, outsider, client_for):
    response = client_for(outsider).get("/insights/", {"since": "soon"})
    assert response.status_code == 200
    assert "Give a date like 2026-01-31" in response.content.decode()
    assert "incident-count" not in response.content.decode()


def test_page_asks_anonymous_visitors_to_sign_in(client, db):
    assert client.get("/insights/").status_code == 302


def test_csv_download_has_the_same_figures_as_the_api(history, outsider, client_for):
    response = client_for(outsider).get(
        "/insights/export.csv", {"since": "2026-01-01", "until": "2026-02-28"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "group", "series", "value"]
    assert ["time_to_resolve_by_severity", "SEV1", "median", "10800.0"] in rows or [
        "time_to_resolve_by_severity", "SEV1", "median", "10800",
    ] in rows  # fmt: skip
    assert ["incidents_per_month", "2026-01", "SEV1", "2"] in rows
    assert ["incidents_per_month", "2026-02", "SEV1", "0"] in rows


def test_csv_counts_the_private_incident_for_the_admin(history, admin_user, client_for):
    response = client_for(admin_user).get("/insights/export.csv", {"since": "2026-01-01"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["incidents_per_month", "2026-02", "SEV1", "1"] in rows


def test_csv_rejects_bad_filters(outsider, client_for):
    assert client_for(outsider).get("/insights/export.csv", {"severity": "SEV0"}).status_code == 400


def test_it_stays_within_a_fixed_number_of_queries(history, admin_user, django_assert_max_num_queries):
    from tests.insights.conftest import make_incident

    for day in range(1, 28):
        make_incident(started=datetime(2026, 1, day, 3, tzinfo=UTC), ack=1, mitigate=2, resolve=3)
    # 15 before the repeat figures; repeat rate and repeats by action kind add a fixed 8.
    with django_assert_max_num_queries(23):
        compute_insights(user=admin_user, filters=RANGE)


def test_api_survives_the_extremes_of_the_calendar(history, outsider, api_client):
    api_client.force_authenticate(outsider)
    response = api_client.get("/api/v1/insights/", {"since": "0001-01-01", "until": "9999-12-31"})
    assert response.status_code == 200
    data = response.json()
    assert data["incident_count"] == 4
    assert len(data["incidents_per_month"]) <= 241
    assert data["incidents_per_month"][-1]["month"] >= "2026-02"
    assert api_client.get("/api/v1/insights/", {"since": "2026-01-01T00:00:00+14:00"}).status_code == 200
    assert api_client.get("/api/v1/insights/", {"since": "2026-01-01\x00"}).status_code == 400
    assert api_client.get("/api/v1/insights/", {"service": "api\x00"}).status_code == 400


def test_a_range_in_the_future_has_no_incidents_and_no_months_to_fill(outsider, api_client):
    api_client.force_authenticate(outsider)
    response = api_client.get("/api/v1/insights/", {"since": "2999-01-01"})
    assert response.status_code == 200
    assert response.json()["incident_count"] == 0
