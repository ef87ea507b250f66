"""Signing out after single sign-on, in Chromium: the sign-out form's redirect to the provider must
pass the page's Content-Security-Policy (`form-action` applies to redirects), and the provider must
send the browser back signed out. The provider is the real one of tests/sso (django-oidc-provider)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sso.conftest import PASSWORD, USERNAME, oidc_provider, sso  # noqa: F401 — the provider's fixtures


def sign_in_at_the_provider(page: Any) -> None:
    page.goto("/login/")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("input[name=allow]")  # the provider's consent page


@pytest.mark.usefixtures("sso")
def test_sign_out_ends_the_provider_session_and_lands_on_the_login_page(page: Any, live_server: Any) -> None:
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security" in message.text else None,
    )
    sign_in_at_the_provider(page)
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("button", name="Sign out").click()

    page.wait_for_url(f"{live_server.url}/login/")
    assert blocked == []
    # Signed out at the provider too: signing in again asks for the password.
    page.get_by_role("link", name="Sign in with Test IdP").click()
    page.wait_for_url("**/accounts/login/**")
    assert page.locator("#id_password").is_visible()
