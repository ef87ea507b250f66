"""axe-core on every main page, at a desktop and a phone width: no WCAG 2.1 A or AA violation.

axe-core runs inside real Chromium (axe-playwright-python ships the script); the pages are the
showcase's, filled as a responder would fill them, plus the login page and a status page with
maintenance and an uptime bar. A second test checks that no page scrolls sideways at 320 px.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.showcase import Showcase, build_showcase

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def showcase(_roles: None) -> Showcase:
    from incidents.insights.maintenance import maintenance_schedule

    built = build_showcase()
    now = timezone.now()
    for title, start in (
        ("Database upgrade", now + timedelta(days=2)),
        ("Cache resize", now - timedelta(hours=1)),
    ):
        maintenance_schedule(
            actor=built.responder,
            title=title,
            description="Checkout may be slow for a few minutes.",
            services=["checkout"],
            starts_at=start,
            ends_at=start + timedelta(hours=3),
        )
    return built


def signed_in_pages(showcase: Showcase) -> dict[str, str]:
    pages = showcase.main_pages()
    for public in ("status page", "public incident", "public postmortem"):
        pages.pop(public)
    return pages


def public_pages(showcase: Showcase) -> dict[str, str]:
    pages = showcase.main_pages()
    return {"login": "/login/"} | {
        name: pages[name] for name in ("status page", "public incident", "public postmortem")
    }


def axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:4])
        for violation in results.response["violations"]
    ]


def audit(page: Any, pages: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None
        assert response.ok, (name, url, response.status)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
    return found


@pytest.mark.browser
@pytest.mark.parametrize("width", [1440, 390])
def test_every_main_page_has_no_wcag_21_aa_violation(
    page: Any, sign_in: Any, showcase: Showcase, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    found = audit(page, public_pages(showcase))
    sign_in(showcase.responder)
    found |= audit(page, signed_in_pages(showcase))
    assert not found, found


@pytest.mark.browser
def test_no_page_scrolls_sideways_at_320_px(page: Any, sign_in: Any, showcase: Showcase) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = {}

    def check(pages: dict[str, str]) -> None:
        for name, url in pages.items():
            page.goto(url)
            widths = page.evaluate(
                "(root => ({scroll: root.scrollWidth, client: root.clientWidth}))(document.documentElement)"
            )
            if widths["scroll"] > widths["client"]:
                too_wide[name] = widths

    check(public_pages(showcase))
    sign_in(showcase.responder)
    check(signed_in_pages(showcase))
    assert not too_wide, too_wide


@pytest.mark.browser
@pytest.mark.parametrize("local_login", [True, False], ids=["sso-and-password", "sso-only"])
def test_the_login_page_with_single_sign_on_has_no_violation(
    page: Any, settings: Any, local_login: bool
) -> None:
    settings.OIDC_ISSUER = "https://idp.example.com/realms/sre"  # the page names it; nothing is fetched
    settings.OIDC_PROVIDER_NAME = "Keycloak"
    settings.HINDSIGHT_LOCAL_LOGIN = local_login
    for width in (1440, 320):
        page.set_viewport_size({"width": width, "height": 700})
        response = page.goto("/login/?next=/incidents/")
        assert response is not None
        assert response.ok
        assert page.get_by_role("link", name="Sign in with Keycloak").is_visible()
        assert page.locator("#id_password").count() == (1 if local_login else 0)
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
