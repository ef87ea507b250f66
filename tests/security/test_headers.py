"""Every page is served with the Content-Security-Policy and the other protective headers."""

from __future__ import annotations

from typing import Any

import pytest


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "signed_in"),
    [("/login/", False), ("/", True), ("/api/v1/", True), ("/api/v1/docs/", True), ("/admin/login/", False)],
)
def test_pages_carry_a_strict_policy(client_for: Any, owner: Any, path: str, signed_in: bool) -> None:
    response = client_for(owner if signed_in else None).get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_api_docs_have_no_inline_script_or_style(client_for: Any, owner: Any) -> None:
    html = client_for(owner).get("/api/v1/docs/").content.decode()
    assert "<script>" not in html
    assert "<style" not in html
    assert 'src="/api/v1/docs/?script="' in html


@pytest.mark.django_db
def test_api_docs_init_script_is_served_as_javascript(client_for: Any, owner: Any) -> None:
    response = client_for(owner).get("/api/v1/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


@pytest.mark.django_db
def test_templates_hold_no_inline_script_style_or_handlers() -> None:
    """A guard for everyone's templates: the policy would silently break them in the browser."""
    import re
    from pathlib import Path

    from django.conf import settings

    offenders: list[str] = []
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    forbidden = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"|\shx-on[:-]|javascript:", re.IGNORECASE)
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = template.read_text()
        if inline_script.search(text) or forbidden.search(text):
            offenders.append(str(template.relative_to(settings.BASE_DIR)))
    assert offenders == []
