"""Walk every URL pattern of the URLconf and turn each into a concrete path for a test world.

Used by the permission matrix, the XSS sweep and the query-count tests, so a page or endpoint
added later is covered without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Placeholders a path may contain, in the normalised form "{name}".
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

SKIPPED_PREFIXES = ("admin/", "static/", "media/", "__debug__/")


@dataclass(frozen=True)
class Route:
    template: str  # "/api/v1/incidents/{pk}/timeline/"
    name: str | None
    callback: Any

    @property
    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.template)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/")

    def methods(self) -> list[str]:
        """HTTP methods the view answers, as far as can be told without calling it."""
        actions = getattr(self.callback, "actions", None)
        if actions:
            return sorted(method.upper() for method in actions)
        view_class = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if view_class is not None:
            names = ("get", "post", "put", "patch", "delete")
            return [name.upper() for name in names if hasattr(view_class, name)]
        return ["GET", "POST"]

    def methods_declared(self) -> bool:
        """Whether the view says which methods it answers (DRF and class-based views do)."""
        view_class = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        return bool(getattr(self.callback, "actions", None)) or view_class is not None

    def segment_before(self, placeholder: str) -> str:
        """The literal path segment before `{placeholder}` ("incidents" in /incidents/{pk}/)."""
        head = self.template.split("{" + placeholder + "}", 1)[0].rstrip("/")
        segment = head.rsplit("/", 1)[-1]
        return segment


def _regex_to_template(regex: str) -> str:
    """Turn `^incidents/(?P<pk>[^/.]+)/$` into `incidents/{pk}/`."""
    out = []
    i = 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end_name = regex.index(">", i)
            name = regex[i + 4 : end_name]
            depth = 1
            j = end_name + 1
            while depth:
                if regex[j] == "\\":
                    j += 2
                    continue
                if regex[j] == "(":
                    depth += 1
                elif regex[j] == ")":
                    depth -= 1
                j += 1
            out.append("{" + name + "}")
            i = j
            continue
        char = regex[i]
        if char == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
            continue
        if char in "^$":
            i += 1
            continue
        if regex.startswith("/?", i):
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _piece(pattern: Any) -> str:
    text = str(pattern)
    if pattern.__class__.__name__ == "RegexPattern":
        return _regex_to_template(text)
    return _ROUTE_PARAM.sub(lambda match: "{" + match.group("name") + "}", text)


def _walk(patterns: list[Any], prefix: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            piece = _piece(entry.pattern)
            if (prefix + piece).lstrip("/").startswith(SKIPPED_PREFIXES):
                continue
            yield from _walk(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield Route("/" + (prefix + _piece(entry.pattern)).lstrip("/"), entry.name, entry.callback)


def all_routes() -> list[Route]:
    """Every route of the URLconf, once (format-suffix duplicates of API routes left out)."""
    seen: set[str] = set()
    routes: list[Route] = []
    for route in _walk(get_resolver().url_patterns, ""):
        if "format" in route.placeholders or route.template in seen:
            continue
        seen.add(route.template)
        routes.append(route)
    return routes


def fill(route: Route, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], route.template)
