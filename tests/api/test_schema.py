from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_builds_without_warnings_or_errors() -> None:
    out = StringIO()

    # --fail-on-warn turns every drf-spectacular warning into a failure; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)

    assert '"/api/v1/incidents/{id}/"' in out.getvalue()


def test_it_serves_the_schema_and_docs_without_a_cdn(client: Any) -> None:
    schema = client.get("/api/v1/schema/?format=json")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/incidents/{incident_id}/timeline/",
        "/api/v1/timeline-events/{id}/",
        "/api/v1/incidents/{incident_id}/causes/",
        "/api/v1/causes/{id}/",
        "/api/v1/incidents/{incident_id}/actions/",
        "/api/v1/actions/",
        "/api/v1/actions/{id}/",
        "/api/v1/incidents/{incident_id}/updates/",
        "/api/v1/me/",
        "/api/v1/jobs/{id}/",
        "/api/v1/hooks/alertmanager/",
    ]:
        assert path in paths
    assert paths["/api/v1/incidents/{id}/"]["patch"]["responses"].keys() >= {
        "200",
        "400",
        "403",
        "404",
        "409",
    }
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html
    assert "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html
