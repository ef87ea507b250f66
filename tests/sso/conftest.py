"""A real OpenID Connect provider for the SSO tests: django-oidc-provider in a Django project of its
own (tests/sso/provider/), started as a subprocess on a free port with its own SQLite file, an RSA
signing key, Hindsight's confidential client (redirect URI: the live server's /oidc/callback/;
post-logout redirect URI: its /login/) and one user whose `groups` claim a test sets with
`provider.set_groups([...])`.

If the provider cannot start, the tests that need it are skipped saying why; under CI (CI=true) they
fail instead.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings

CLIENT_ID = "hindsight-test"
CLIENT_SECRET = "hindsight-test-secret-0123456789"  # noqa: S105 — the throwaway provider's client
USERNAME = "alice"
PASSWORD = "alice-provider-password"  # noqa: S105
EMAIL = "alice@example.com"
ROLE_MAP = "sre-admins=admin,sre=responder"


@dataclass
class Provider:
    url: str
    state_dir: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def set_groups(self, groups: list[str]) -> None:
        (self.state_dir / "groups.json").write_text(json.dumps({USERNAME: groups}))


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def oidc_provider(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    try:
        import oidc_provider  # noqa: F401
    except ImportError:
        _unavailable("django-oidc-provider is not installed (pip install -r requirements-dev.txt)")
    state_dir = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    provider = Provider(url=f"http://127.0.0.1:{port}", state_dir=state_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sso.provider.settings",
        "OP_STATE_DIR": str(state_dir),
        "OP_SITE_URL": provider.url,
    }
    root = str(settings.BASE_DIR)
    setup = subprocess.run(  # noqa: S603 — our own interpreter and module
        [sys.executable, "-m", "tests.sso.provider.setup_provider", CLIENT_ID, CLIENT_SECRET,
         f"{live_server.url}/oidc/callback/", f"{live_server.url}/login/",
         USERNAME, PASSWORD, EMAIL, "Alice", "Smith"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if setup.returncode:
        _unavailable(f"the test OpenID Connect provider could not be set up: {setup.stderr[-2000:]}")
    log = (state_dir / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = (state_dir / "server.log").read_text()[-2000:]
                _unavailable(f"the test OpenID Connect provider did not start: {output}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def sso(oidc_provider: Provider, settings: Any) -> Provider:
    """Hindsight's live server set up for single sign-on with the test provider."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_ROLE_MAP = ROLE_MAP
    oidc_provider.set_groups([])
    return oidc_provider


class _Forms(HTMLParser):
    """The forms of a page: action and their inputs' names and values (submit buttons apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "fields": {}, "submits": {}})
        elif tag == "input" and self.forms and attributes.get("name"):
            bucket = "submits" if attributes.get("type") == "submit" else "fields"
            self.forms[-1][bucket][attributes["name"]] = attributes.get("value") or ""


def forms_of(response: requests.Response) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(response.text)
    for form in parser.forms:
        form["action"] = urljoin(response.url, form["action"])
    return parser.forms


def sign_in_with_sso(browser: requests.Session, base_url: str, *, next_url: str = "") -> requests.Response:
    """Click "Sign in with …", sign in at the provider if asked, consent, and return the last page."""
    params = {"next": next_url} if next_url else {}
    response = browser.get(f"{base_url}/oidc/authenticate/", params=params, timeout=20)
    response.raise_for_status()
    if "/accounts/login/" in response.url:
        form = forms_of(response)[0]
        response = browser.post(
            form["action"], data={**form["fields"], "username": USERNAME, "password": PASSWORD}, timeout=20
        )
        response.raise_for_status()
    if "/openid/authorize" in response.url:  # the provider's consent page
        form = forms_of(response)[0]
        response = browser.post(form["action"], data={**form["fields"], "allow": "Authorize"}, timeout=20)
    return response


def form_action(header: str) -> list[str]:
    """The sources of a Content-Security-Policy's `form-action` (directives come in any order)."""
    for directive in header.split(";"):
        name, _, sources = directive.strip().partition(" ")
        if name == "form-action":
            return sources.split()
    return []
