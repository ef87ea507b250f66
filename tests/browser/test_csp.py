"""The Content-Security-Policy does not break the pages that ship third-party JavaScript."""

from __future__ import annotations

from typing import Any

import pytest


def _collect_csp_violations(page: Any) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


@pytest.mark.browser
def test_api_docs_render_under_the_policy(page: Any, sign_in: Any, owner: Any) -> None:
    violations = _collect_csp_violations(page)
    sign_in(owner)
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Hindsight API" in page.inner_text(".swagger-ui .info .title")
    assert violations == []


@pytest.mark.browser
def test_admin_pages_work_under_the_policy(page: Any, admin_user: Any) -> None:
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    violations = _collect_csp_violations(page)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto("/admin/auth/user/")
    page.wait_for_selector("#result_list")
    # The admin's own JavaScript runs: the "select all" checkbox ticks every row.
    page.check("#action-toggle")
    assert page.is_checked("tr input.action-select")
    assert violations == []
