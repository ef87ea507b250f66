"""What every main page shows a reader: never a piece of template syntax."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.showcase import Showcase, build_showcase

# `{#`, `{%` and `{{` in the rendered HTML: a comment Django did not read as one (`{# … #}` is
# single-line only), or a tag that slipped out of a template.
TEMPLATE_SYNTAX = re.compile(r"\{[#%{]")


@pytest.fixture
def showcase(db: Any) -> Showcase:
    return build_showcase()


def test_no_main_page_shows_template_syntax(client: Any, showcase: Showcase) -> None:
    client.force_login(showcase.responder)
    for name, url in showcase.main_pages().items():
        response = client.get(url)
        assert response.status_code == 200, name
        found = TEMPLATE_SYNTAX.findall(response.content.decode())
        assert not found, f"{name} ({url}) shows template syntax: {found}"
