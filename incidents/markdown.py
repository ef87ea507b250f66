"""The one Markdown renderer. Every piece of user text shown as HTML goes through it."""

from __future__ import annotations

import threading
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

_EXTENSIONS = ["extra", "sane_lists", "nl2br"]

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}


_local = threading.local()


def _converter() -> markdown_lib.Markdown:
    # Building a Markdown instance costs more than converting a short entry, and an incident page
    # renders hundreds of entries: reuse one per thread (instances are not thread-safe).
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown_lib.Markdown(extensions=_EXTENSIONS, output_format="html")
        _local.converter = converter
    return converter


@lru_cache(maxsize=8192)
def _render(text: str) -> str:
    html = _converter().reset().convert(text)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str | None) -> SafeString:
    """Return sanitised HTML for Markdown `text`: no scripts, handlers or `javascript:` links.

    The output depends only on the text, so it is memoised: timeline entries are rendered on
    every view of a busy incident page, but rarely change.
    """
    if not text:
        return mark_safe("")  # noqa: S308 — empty string
    return mark_safe(_render(text))  # noqa: S308 — sanitised by nh3 in _render
