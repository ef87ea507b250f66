"""Find what a person can type into each UI route: form fields and query parameters.

Two sources, so a route or field added later is found without being listed anywhere:
- the pages themselves: every `<form>` (its action, method, fields and their current values),
  every link or htmx attribute carrying a query string, and the keys of `hx-vals`;
- the view's own source: the names it reads from `request.GET` / `request.POST`.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.urls import Resolver404, resolve

from tests.security.urlwalk import Route

_READS = re.compile(r"""request\.(GET|POST)(?:\.get(?:list)?\(\s*|\[\s*)["']([\w\-]+)["']""")
# A form or filter set bound to the request (`DiffForm(request.GET)`), or a query form passed to
# `query_values(request, HistoryQuery)`.
_BOUND = re.compile(r"""(\w+)\(\s*request\.(GET|POST)|query_values\(\s*request\s*,\s*(\w+)""")
URL_ATTRIBUTES = ("href", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete", "action")


@dataclass
class Target:
    """One way in: a method and a concrete path, with the fields it reads and sensible values."""

    method: str
    path: str
    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str = "") -> None:
        self.fields.setdefault(name, value)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.links: list[tuple[str, str, dict[str, str]]] = []
        self._form: tuple[str, str, dict[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            method = attributes.get("method", "get").upper()
            self._form = (method, attributes.get("action", ""), {})
            self.forms.append(self._form)
        for attribute in URL_ATTRIBUTES:
            if attribute in attributes and tag != "form":
                method = "GET" if attribute in ("href", "hx-get") else attribute.removeprefix("hx-").upper()
                values = _hx_vals(attributes.get("hx-vals", ""))
                self.links.append((method, attributes[attribute], values))
        if self._form is None:
            return
        fields = self._form[2]
        if tag == "option" and self._select is not None:
            if "selected" in attributes or not fields.get(self._select):
                fields[self._select] = attributes.get("value", "")
            return
        name = attributes.get("name")
        if not name:
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                fields.setdefault(name, "")
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                fields[name] = attributes.get("value", "")
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form[2][self._textarea] += data


def _hx_vals(text: str) -> dict[str, str]:
    try:
        values = json.loads(text) if text.strip().startswith("{") else {}
    except ValueError:
        return {}
    return {str(key): str(value) for key, value in values.items()}


def source_reads(callback: Any) -> dict[str, set[str]]:
    """{"GET": names, "POST": names} the view function reads from the request."""
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    view = inspect.unwrap(view)
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return {"GET": set(), "POST": set()}
    reads: dict[str, set[str]] = {"GET": set(), "POST": set()}
    for method, name in _READS.findall(source):
        reads[method].add(name)
    namespace = getattr(view, "__globals__", None) or vars(inspect.getmodule(view) or object)
    for bound_name, method, query_form_name in _BOUND.findall(source):
        reads[method or "GET"].update(_field_names(namespace.get(bound_name or query_form_name)))
    return reads


def _field_names(form_class: Any) -> set[str]:
    """The names a form (or a django-filter FilterSet) reads from the request."""
    fields = getattr(form_class, "base_fields", None) or getattr(form_class, "base_filters", None) or {}
    prefix = getattr(form_class, "prefix", None)
    return {f"{prefix}-{name}" if isinstance(prefix, str) and prefix else name for name in fields}


def is_ui_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith(("/api/", "/static/", "/admin/", "/logout/")):
        return False
    try:
        resolve(urlsplit(path).path)
    except Resolver404:
        return False
    return True


class Targets:
    """Targets collected from routes and pages, merged per (method, path)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], Target] = {}

    def get(self, method: str, path: str) -> Target:
        key = (method, path)
        if key not in self.by_key:
            self.by_key[key] = Target(method, path)
        return self.by_key[key]

    def add_route(self, route: Route, path: str) -> None:
        reads = source_reads(route.callback)
        for method in route.methods():
            if method not in ("GET", "POST"):
                continue
            target = self.get(method, path)
            for name in reads[method] | (reads["GET"] if method == "POST" else set()):
                target.add(name)

    def add_page(self, page_path: str, html: str) -> None:
        parser = _PageParser()
        parser.feed(html)
        for method, action, fields in parser.forms:
            if method not in ("GET", "POST"):
                continue
            path = urlsplit(action).path or page_path
            if not is_ui_path(path):
                continue
            target = self.get(method, path)
            for name, value in fields.items():
                if name != "csrfmiddlewaretoken":
                    target.add(name, value)
        for method, url, values in parser.links:
            parts = urlsplit(url)
            if parts.netloc or not is_ui_path(parts.path) or method not in ("GET", "POST"):
                continue
            query = parse_qsl(parts.query, keep_blank_values=True)
            if not query and not values:
                continue
            target = self.get(method, parts.path)
            for name, value in [*query, *values.items()]:
                target.add(name, value)

    def all(self) -> list[Target]:
        return sorted(
            (target for target in self.by_key.values() if target.fields), key=lambda t: (t.path, t.method)
        )


def collect(client: Any, routes: Iterable[tuple[Route, str]]) -> list[Target]:
    """Targets for `routes` (route, concrete path), reading each GET page with `client`."""
    targets = Targets()
    for route, path in routes:
        targets.add_route(route, path)
        if "GET" in route.methods():
            response = client.get(path, HTTP_ACCEPT="text/html")
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                targets.add_page(path, response.content.decode(errors="replace"))
    return targets.all()
