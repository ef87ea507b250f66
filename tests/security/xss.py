"""Find markup in a rendered page that a browser would execute: what an XSS payload aims for."""

from __future__ import annotations

import re
from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
# Scripts a page may load: our static files and the API docs' init script (the CSP allows no others).
ALLOWED_SCRIPT = re.compile(r"^/(static/|api/v1/docs/\?script)")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "script":
            src = values.get("src", "")
            data_block = values.get("type", "").lower() in {"application/json", "application/ld+json"}
            if not data_block and not ALLOWED_SCRIPT.match(src):
                self.problems.append(f"<script src={src!r}>" if src else "inline <script>")
            self._in_script = not src
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES:
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")
            if name == "hx-on" or name.startswith(("hx-on:", "hx-on-")):
                self.problems.append(f"<{tag} {name}=…>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def executable_markup(html: str) -> list[str]:
    """Return what in `html` would run script in a browser (empty when the page is safe)."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
