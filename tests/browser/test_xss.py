"""In a real browser, hostile text on the busiest pages never runs: no dialog ever opens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.world import build_incident


@pytest.mark.browser
def test_hostile_text_never_opens_a_dialog(page: Any, sign_in: Any, owner: Any) -> None:
    world = build_incident(owner=owner, private=False)
    incident = world.incident
    sign_in(owner)
    paths = [
        incident.get_absolute_url(),
        "/incidents/",
        "/actions/",
        "/",
        "/status/",
        f"/status/incidents/{incident.reference}/",
    ]
    if world.postmortem is not None:
        paths.append(f"{incident.get_absolute_url()}postmortem/")
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto(incident.get_absolute_url())
    # The hostile text is on the page, shown as text.
    assert "<script>alert(1)</script>" in page.inner_text("body")
    assert page.dialogs == []
