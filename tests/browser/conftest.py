"""Real Chromium (Debian's package) through Playwright's sync API, against pytest-django's live server.

Without /usr/bin/chromium the browser tests are skipped with a message saying how to enable them;
with HINDSIGHT_REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not _chromium_available():
        message = (
            "Chromium not installed: browser tests skipped. Enable them with "
            "`sudo apt-get install chromium` (Debian's package, /usr/bin/chromium)."
        )
        if os.environ.get("HINDSIGHT_REQUIRE_BROWSER"):
            pytest.fail(message.replace("skipped", "REQUIRED in CI"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _roles(transactional_db: Any) -> None:
    """Recreate the role groups: live-server tests flush the database, data migrations included."""
    from django.contrib.auth.models import Group

    for name in ("viewer", "responder", "admin"):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, timezone_id="UTC", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def sign_in(page: Any) -> Any:
    """Return a function that signs `page` in through the login form."""

    def sign_in_as(user: Any, password: str = "correct-horse-battery") -> Any:
        # Leave the page first: a request the last page still had in flight (an htmx card loading)
        # must not answer after the login form is shown and set a different CSRF cookie.
        page.goto("about:blank")
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return sign_in_as
