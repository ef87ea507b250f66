"""A bounded, GET-only crawler of Hindsight as one persona sees it: pages, htmx partials, feeds, JSON.

Starting from a few URLs it follows every same-site `href`, `src` and `hx-get` in HTML and every
same-site URL in JSON, so a page or partial linked later is crawled without anyone listing it.
htmx URLs are fetched both as a page and as the partial htmx asks for (`HX-Request: true`).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

SITE = "http://testserver"
# Never fetched: the admin, static files, signing out, the schema (large, and no incident data).
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/logout/", "/api/v1/schema/", "/api/v1/docs/")
# Query parameters that only say where to go next or carry a CSRF token: not another page.
VOLATILE_PARAMETERS = {"next", "csrfmiddlewaretoken", "_"}
# Paging and cursors can go on for ever: a few variants of one path are enough.
VARIANTS_PER_PATH = 6
_LINK = re.compile(r"""(?:href|src|hx-get|action)\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


@dataclass
class Page:
    url: str
    status: int
    body: str
    partial: bool


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    truncated: bool = False

    def by_url(self) -> dict[str, Page]:
        return {page.url: page for page in self.pages}


def normalise(url: str, *, base: str = "/") -> str | None:
    """Return a same-site path with a stable query string, or None for anything not to fetch."""
    absolute = urljoin(SITE + base, html.unescape(url.strip()))
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != SITE:
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED_PREFIXES):
        return None
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in VOLATILE_PARAMETERS
    )
    return path + ("?" + urlencode(query) if query else "")


def links_in_html(body: str) -> Iterator[tuple[str, bool]]:
    """Yield (url, is_htmx) for every link, image, form and htmx source in the HTML."""
    for match in _LINK.finditer(body):
        attribute = match.group(0).split("=", 1)[0].strip().lower()
        yield match.group(2), attribute == "hx-get"


def links_in_json(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from links_in_json(value)
    elif isinstance(data, list):
        for value in data:
            yield from links_in_json(value)
    elif isinstance(data, str) and (data.startswith(SITE + "/") or data.startswith("/api/")):
        yield data


def crawl(client: Any, starts: Iterable[str], *, limit: int = 500) -> Crawl:
    """GET everything reachable from `starts` as the client's user, at most `limit` responses."""
    result = Crawl()
    queue: list[tuple[str, bool]] = []
    seen: set[tuple[str, bool]] = set()
    per_path: Counter[str] = Counter()

    def enqueue(url: str, partial: bool, base: str = "/") -> None:
        path = normalise(url, base=base)
        if path is None or (path, partial) in seen:
            return
        bare = path.split("?", 1)[0]
        if "?" in path and per_path[bare] >= VARIANTS_PER_PATH:
            return
        per_path[bare] += 1
        seen.add((path, partial))
        queue.append((path, partial))

    for start in starts:
        enqueue(start, False)
    while queue:
        if len(result.pages) >= limit:
            result.truncated = True
            break
        url, partial = queue.pop(0)
        headers = {"HTTP_HX_REQUEST": "true"} if partial else {}
        response = client.get(url, **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        result.pages.append(Page(url=url, status=response.status_code, body=text, partial=partial))
        if response.status_code in (301, 302, 303, 307, 308):
            enqueue(response["Location"], False, base=url)
            continue
        content_type = response.get("Content-Type", "")
        if "html" in content_type:
            for link, is_htmx in links_in_html(text):
                enqueue(link, False, base=url)
                if is_htmx:
                    enqueue(link, True, base=url)
        elif "json" in content_type:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for link in links_in_json(data):
                enqueue(link, False, base=url)
    return result
