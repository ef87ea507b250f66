"""Search across the incident record: one selector for the API (`GET /api/v1/search/`) and the page.

Every source starts from its model's `visible_to(user)` (the one privacy rule), so results, counts and
snippets only ever come from incidents the user may see.

On PostgreSQL the text is matched with full-text search (`websearch_to_tsquery`: quotes, `or`, `-word`),
ranked with `ts_rank` (titles weigh more than bodies) and cut into a snippet with `ts_headline`. The
vector is computed in the query: fine for thousands of incidents; past that, store it in a
GIN-indexed `SearchVectorField` kept up to date on save. On SQLite (development) every word must
appear in the title or the body (`icontains`); a title match ranks above a body match, newer first.

Postmortem sections live in a nested app the core does not import: it adds its source to `SOURCES`
when it loads (`incidents/postmortems/apps.py`), as it does for close checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat
from django.urls import reverse

from incidents.models import Cause, Incident, RemediationAction, StatusUpdate
from timeline.actors import Actor
from timeline.models import TimelineEvent

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 1000  # ranked results one can page through; the count is exact
SNIPPET_CHARS = 200
SEARCH_CONFIG = "english"
# Around the matched words in `SearchResult.highlighted`; never in user text (control characters).
MARK_START, MARK_END = "\x02", "\x03"


@dataclass(frozen=True)
class SearchSource:
    """One kind of thing to search: where its text is and how a result names and links it."""

    type: str
    label: str
    visible: Callable[[Any], QuerySet[Any]]  # user → the rows this user may see
    title_field: str | None  # weighs more than the body, when there is one
    body_fields: tuple[str, ...]
    incident_path: str  # from the row to its incident ("" for an incident itself)
    date_field: str  # newest first among equals; `since` applies to it
    title_of: Callable[[Any], str]
    url_of: Callable[[Any, Incident], str]


@dataclass(frozen=True)
class SearchResult:
    type: str
    incident: Incident
    id: int
    title: str
    highlighted: str  # the snippet with MARK_START/MARK_END around what matched
    url: str
    rank: float
    at: datetime

    @property
    def snippet(self) -> str:
        return self.highlighted.replace(MARK_START, "").replace(MARK_END, "")

    @property
    def parts(self) -> list[tuple[str, bool]]:
        """Return the snippet as (text, matched) pieces, for a page to mark without trusting text."""
        pieces: list[tuple[str, bool]] = []
        for index, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", self.highlighted)):
            if piece:
                pieces.append((piece, index % 2 == 1))
        return pieces


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _incident_url(incident: Incident, anchor: str = "") -> str:
    return reverse("incident-detail", args=[incident.reference]) + anchor


SOURCES: list[SearchSource] = [
    SearchSource(
        type="incident",
        label="Incidents",
        visible=lambda user: Incident.objects.visible_to(user),
        title_field="title",
        body_fields=("summary", "impact"),
        incident_path="",
        date_field="started_at",
        title_of=lambda row: row.title,
        url_of=lambda row, incident: _incident_url(incident),
    ),
    SearchSource(
        type="timeline_entry",
        label="Timeline entries",
        visible=lambda user: TimelineEvent.objects.visible_to(user),
        title_field=None,
        body_fields=("body",),
        incident_path="incident",
        date_field="occurred_at",
        title_of=lambda row: _short(row.body),
        url_of=lambda row, incident: _incident_url(incident, f"#event-{row.pk}"),
    ),
    SearchSource(
        type="cause",
        label="Causes",
        visible=lambda user: Cause.objects.visible_to(user),
        title_field=None,
        body_fields=("description",),
        incident_path="incident",
        date_field="created_at",
        title_of=lambda row: (
            f"{row.get_category_display()} · {row.get_role_display()} · {row.get_status_display()}"
        ),
        url_of=lambda row, incident: _incident_url(incident, f"#cause-{row.pk}"),
    ),
    SearchSource(
        type="action_item",
        label="Action items",
        visible=lambda user: RemediationAction.objects.visible_to(user),
        title_field="title",
        body_fields=("description",),
        incident_path="incident",
        date_field="created_at",
        title_of=lambda row: row.title,
        url_of=lambda row, incident: _incident_url(incident, f"#action-{row.pk}"),
    ),
    SearchSource(
        type="status_update",
        label="Status updates",
        visible=lambda user: StatusUpdate.objects.visible_to(user),
        title_field=None,
        body_fields=("message",),
        incident_path="incident",
        date_field="posted_at",
        title_of=lambda row: f"{row.get_audience_display()} update",
        url_of=lambda row, incident: _incident_url(incident, "#updates"),
    ),
]
# Postmortem sections are added by incidents.postmortems (see the module docstring).


def search_types() -> list[str]:
    return [source.type for source in SOURCES]


def _incident_of(source: SearchSource, row: Any) -> Incident:
    if not source.incident_path:
        return row
    target = row
    for step in source.incident_path.split("__"):
        target = getattr(target, step)
    return target


def _prefix(source: SearchSource, name: str) -> str:
    return f"{source.incident_path}__{name}" if source.incident_path else name


def _body(source: SearchSource) -> Any:
    if len(source.body_fields) == 1:
        return F(source.body_fields[0])
    parts: list[Any] = []
    for name in source.body_fields:
        parts += [F(name), Value("\n")]
    return Concat(*parts[:-1], output_field=TextField())


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())[:10]


class SearchResults:
    """Ranked results across every source, counted exactly and sliced lazily (for a Paginator)."""

    def __init__(self, querysets: list[tuple[SearchSource, QuerySet[Any]]], query: str, postgres: bool):
        self._querysets = querysets
        self._query = query
        self._postgres = postgres
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = sum(qs.order_by().count() for _, qs in self._querysets)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[SearchResult]:
        return iter(self[:MAX_RESULTS])

    @overload
    def __getitem__(self, item: int) -> SearchResult: ...

    @overload
    def __getitem__(self, item: slice) -> list[SearchResult]: ...

    def __getitem__(self, item: int | slice) -> SearchResult | list[SearchResult]:
        if not isinstance(item, slice):
            # One result is the page of one from its position (each read ranks every source).
            if item < 0:
                item += len(self)
            found = self[item : item + 1] if item >= 0 else []
            if not found:
                raise IndexError("No search result at that position.")
            return found[0]
        start = item.start or 0
        stop = min(item.stop if item.stop is not None else MAX_RESULTS, MAX_RESULTS)
        if stop <= start:
            return []
        merged: list[SearchResult] = []
        for source, qs in self._querysets:
            merged += [self._result(source, row) for row in qs[:stop]]
        merged.sort(key=lambda result: (result.rank, result.at), reverse=True)
        return merged[start:stop]

    def _result(self, source: SearchSource, row: Any) -> SearchResult:
        incident = _incident_of(source, row)
        if self._postgres:
            highlighted = row.search_snippet or ""
        else:
            text = "\n".join(getattr(row, name) or "" for name in source.body_fields)
            highlighted = _cut_around(text, _words(self._query))
        return SearchResult(
            type=source.type,
            incident=incident,
            id=row.pk,
            title=source.title_of(row),
            highlighted=" ".join(highlighted.split()),
            url=source.url_of(row, incident),
            rank=float(row.search_rank),
            at=row.search_at,
        )


def _cut_around(text: str, words: list[str]) -> str:
    """Return about SNIPPET_CHARS characters of `text` around its first matching word, marked."""
    lowered = text.lower()
    positions = [(lowered.find(word), word) for word in words if word and lowered.find(word) >= 0]
    if not positions:
        return text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else "")
    first = min(position for position, _ in positions)
    start = max(0, first - SNIPPET_CHARS // 3)
    piece = text[start : start + SNIPPET_CHARS]
    for word in sorted({word for _, word in positions}, key=len, reverse=True):
        piece = re.sub(re.escape(word), lambda m: f"{MARK_START}{m.group(0)}{MARK_END}", piece, flags=re.I)
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else "")


def _postgres_matches(source: SearchSource, qs: QuerySet[Any], query: str) -> QuerySet[Any]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    vector: Any = SearchVector(*source.body_fields, weight="B", config=SEARCH_CONFIG)
    if source.title_field:
        vector = SearchVector(source.title_field, weight="A", config=SEARCH_CONFIG) + vector
    return (
        qs.annotate(search_vector=vector)
        .filter(search_vector=search_query)
        .annotate(
            search_rank=SearchRank(vector, search_query),
            search_snippet=SearchHeadline(
                _body(source),
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=35,
                min_words=15,
            ),
        )
    )


def _plain_matches(source: SearchSource, qs: QuerySet[Any], query: str) -> QuerySet[Any]:
    words = _words(query) or [query.lower()]
    in_title = Q()
    for word in words:
        anywhere = Q(**{f"{source.title_field}__icontains": word}) if source.title_field else Q(pk__in=[])
        for name in source.body_fields:
            anywhere |= Q(**{f"{name}__icontains": word})
        qs = qs.filter(anywhere)
        if source.title_field:
            in_title &= Q(**{f"{source.title_field}__icontains": word})
    rank: Any = Value(1, output_field=IntegerField())
    if source.title_field:
        rank = Case(When(in_title, then=Value(2)), default=Value(1), output_field=IntegerField())
    return qs.annotate(search_rank=rank)


def search(
    *,
    user: Actor,
    query: str,
    type: str | None = None,  # noqa: A002 — the API's parameter name
    service: str | None = None,
    since: datetime | None = None,
) -> SearchResults:
    """Return what matches `query` among what `user` may see, best first (then newest)."""
    postgres = connection.vendor == "postgresql"
    querysets: list[tuple[SearchSource, QuerySet[Any]]] = []
    for source in SOURCES:
        if type and source.type != type:
            continue
        qs = source.visible(user)
        if service:
            qs = qs.filter(**{_prefix(source, "services__name__iexact"): service})
        if since is not None:
            qs = qs.filter(**{f"{source.date_field}__gte": since})
        qs = _postgres_matches(source, qs, query) if postgres else _plain_matches(source, qs, query)
        if source.incident_path:
            qs = qs.select_related(source.incident_path)
        qs = qs.annotate(search_at=F(source.date_field))
        querysets.append((source, qs.order_by("-search_rank", "-search_at", "-pk")))
    return SearchResults(querysets, query, postgres)
