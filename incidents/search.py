"""Search across the incident record: one selector for the API (`GET /api/v1/search/`) and the page.

Every searchable thing has a row in one index table, `SearchDocument` (kept current by
`incidents.search_index`): its type, its object, its incident, a title (weighs more) and a body. One
query over that table finds, ranks and counts matches across every type. Privacy is the incident's
rule, not a copy: the query keeps only documents whose incident is in `Incident.objects.visible_to
(user)`, so results, counts and snippets only ever come from incidents the user may see.

- PostgreSQL: `vector @@ websearch_to_tsquery('english', q)` (quotes, `or`, `-word`) on a GIN index
  of a stored, weighted tsvector; ranked with `ts_rank` (title A over body B), then newest; the
  snippet is `ts_headline` of the page's rows only.
- SQLite with FTS5 (`make run`): `MATCH` on an FTS5 table of the same documents, ranked with
  `bm25()` (title weighed 10× the body), the snippet from `snippet()`. The query text is turned into
  an FTS5 expression word by word (quoted), so any input is safe.
- SQLite without FTS5: every word must appear in the title or the body (`icontains`); a title match
  ranks above a body match, newer first.

Postmortem sections live in a nested app the core does not import: it adds its source when it loads
(`incidents/postmortems/apps.py`, through `search_index.register_source`), as it does for close checks.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

from django.db import connection
from django.db.models import Case, F, IntegerField, Model, Q, QuerySet, Value, When
from django.urls import reverse

from incidents.models import Cause, Incident, RemediationAction, SearchDocument, StatusUpdate
from timeline.actors import Actor
from timeline.models import TimelineEvent

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 1000  # ranked results one can page through; the count is exact
SNIPPET_CHARS = 200
SEARCH_CONFIG = "english"
FTS_TABLE = "incidents_searchdocument_fts"
FTS_WEIGHTS = (10.0, 1.0)  # bm25 weights of the title and the body
# Around the matched words in `SearchResult.highlighted`; never in user text (control characters).
MARK_START, MARK_END = "\x02", "\x03"


@dataclass(frozen=True)
class SearchSource:
    """One kind of thing to search: where its text is and how a result names and links it."""

    type: str
    label: str
    model: builtins.type[Model]
    rows: Callable[[], QuerySet[Any]]  # the live, searchable rows (what the index holds)
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
        model=Incident,
        rows=lambda: Incident.objects.all(),
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
        model=TimelineEvent,
        rows=lambda: TimelineEvent.objects.all(),
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
        model=Cause,
        rows=lambda: Cause.objects.all(),
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
        model=RemediationAction,
        rows=lambda: RemediationAction.objects.all(),
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
        model=StatusUpdate,
        rows=lambda: StatusUpdate.objects.all(),
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


def _words(query: str) -> list[str]:
    return re.findall(r"[^\W_]+", query.lower())[:10]


def fts5_expression(query: str) -> str:
    """Turn what a person typed into a safe FTS5 expression, read as PostgreSQL's websearch reads
    it: words all required, "quoted phrases", `or` between alternatives, `-word` to exclude.
    Every word is quoted, so nothing typed is FTS5 syntax. "" when nothing searchable is left."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for negated, phrase, word in re.findall(r'(-?)(?:"([^"]*)"?|(\S+))', query):
        words = _words(phrase if phrase else word)
        if not phrase and word.lower() == "or":
            groups.append(([], []))
            continue
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        groups[-1][1 if negated else 0].append(term)
    parts = []
    for positives, negatives in groups:
        if positives:
            parts.append("(" + " AND ".join(positives) + ")" + "".join(f" NOT {n}" for n in negatives))
    return " OR ".join(f"({part})" for part in parts)


def _has_fts5() -> bool:
    """Whether this SQLite database has the FTS5 table (migration 0013 creates it when it can)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
        return cursor.fetchone() is not None


def backend() -> str:
    """`postgresql`, `fts5` or `plain`: how this database searches."""
    if connection.vendor == "postgresql":
        return "postgresql"
    return "fts5" if connection.vendor == "sqlite" and _has_fts5() else "plain"


# A page of ranked matches: (document id, rank, highlighted snippet or None to compute later).
Ranked = list[tuple[int, float, str | None]]


class _Postgres:
    def __init__(self, documents: QuerySet[SearchDocument], query: str) -> None:
        from django.contrib.postgres.search import SearchQuery

        self.query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        self.matched = documents.filter(vector=self.query)

        self._top: Ranked | None = None
        self._total = 0

    def _read(self) -> Ranked:
        """One pass over the matches: the best MAX_RESULTS and, in the same scan, the exact count.

        Ranking and counting both have to visit every match; doing it once halves the work of a
        common word against a count query followed by a ranking query.
        """
        if self._top is None:
            from django.contrib.postgres.search import SearchRank
            from django.db.models import Count, Window

            rows = list(
                self.matched.annotate(rank=SearchRank(F("vector"), self.query), total=Window(Count("*")))
                .order_by("-rank", "-at", "-pk")
                .values_list("pk", "rank", "total")[:MAX_RESULTS]
            )
            self._top = [(pk, float(rank), None) for pk, rank, _ in rows]
            self._total = rows[0][2] if rows else 0
        return self._top

    def count(self) -> int:
        self._read()
        return self._total

    def ranked(self, start: int, stop: int) -> Ranked:
        return self._read()[start:stop]

    def snippets(self, documents: QuerySet[SearchDocument]) -> QuerySet[SearchDocument]:
        from django.contrib.postgres.search import SearchHeadline

        return documents.annotate(
            highlighted=SearchHeadline(
                "body",
                self.query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=35,
                min_words=15,
            )
        )


class _Fts5:
    def __init__(self, documents: QuerySet[SearchDocument], query: str) -> None:
        self.expression = fts5_expression(query)
        self.scope, self.scope_params = documents.values("pk").query.sql_with_params()

    def _run(self, select: str, select_params: list[Any], tail: str = "", tail_params: Any = ()) -> list[Any]:
        if not self.expression:
            return []
        join = f"JOIN incidents_searchdocument AS d ON d.id = {FTS_TABLE}.rowid"
        sql = (
            f"SELECT {select} FROM {FTS_TABLE} {join} "  # noqa: S608 — fixed names; values are parameters
            f"WHERE {FTS_TABLE} MATCH %s AND d.id IN ({self.scope}) {tail}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*select_params, self.expression, *self.scope_params, *tail_params])
            return list(cursor.fetchall())

    def count(self) -> int:
        rows = self._run("count(*)", [])
        return int(rows[0][0]) if rows else 0

    def ranked(self, start: int, stop: int) -> Ranked:
        title, body = FTS_WEIGHTS
        rows = self._run(
            f"d.id, bm25({FTS_TABLE}, {title}, {body}) AS score, snippet({FTS_TABLE}, 1, %s, %s, '…', 30)",
            [MARK_START, MARK_END],
            "ORDER BY score, d.at DESC, d.id DESC LIMIT %s OFFSET %s",
            [stop - start, start],
        )
        return [(pk, -float(score), snippet or "") for pk, score, snippet in rows]

    def snippets(self, documents: QuerySet[SearchDocument]) -> QuerySet[SearchDocument]:
        return documents


class _Plain:
    def __init__(self, documents: QuerySet[SearchDocument], query: str) -> None:
        self.words = _words(query) or [query.lower()]
        in_title = Q()
        for word in self.words:
            documents = documents.filter(Q(title__icontains=word) | Q(body__icontains=word))
            in_title &= Q(title__icontains=word)
        self.matched = documents.annotate(
            rank=Case(When(in_title, then=Value(2)), default=Value(1), output_field=IntegerField())
        )

    def count(self) -> int:
        return self.matched.count()

    def ranked(self, start: int, stop: int) -> Ranked:
        rows = self.matched.order_by("-rank", "-at", "-pk").values_list("pk", "rank", "body")[start:stop]
        return [(pk, float(rank), _cut_around(body, self.words)) for pk, rank, body in rows]

    def snippets(self, documents: QuerySet[SearchDocument]) -> QuerySet[SearchDocument]:
        return documents


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


class SearchResults:
    """Ranked results across every source, counted exactly and sliced lazily (for a Paginator)."""

    def __init__(self, engine: _Postgres | _Fts5 | _Plain | None) -> None:
        self._engine = engine
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self._engine.count() if self._engine else 0
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
            if item < 0:
                item += len(self)
            found = self[item : item + 1] if item >= 0 else []
            if not found:
                raise IndexError("No search result at that position.")
            return found[0]
        start = item.start or 0
        stop = min(item.stop if item.stop is not None else MAX_RESULTS, MAX_RESULTS)
        if stop <= start or self._engine is None:
            return []
        return self._results(self._engine, self._engine.ranked(start, stop))

    def _results(self, engine: _Postgres | _Fts5 | _Plain, ranked: Ranked) -> list[SearchResult]:
        """Read the page's documents, their incidents and their rows (for titles and links)."""
        documents = engine.snippets(SearchDocument.objects.select_related("incident"))
        by_pk = documents.in_bulk([pk for pk, _, _ in ranked])
        rows: dict[tuple[str, int], Any] = {}
        for source in SOURCES:
            ids = [doc.object_id for doc in by_pk.values() if doc.type == source.type]
            if not ids:
                continue
            found = source.rows().filter(pk__in=ids)
            if source.incident_path:
                found = found.select_related(source.incident_path)
            rows.update({(source.type, row.pk): row for row in found})
        sources = {source.type: source for source in SOURCES}
        results = []
        for pk, rank, highlighted in ranked:
            doc = by_pk.get(pk)
            row = rows.get((doc.type, doc.object_id)) if doc else None
            if doc is None or row is None:
                continue  # removed since the match was ranked
            source = sources[doc.type]
            text = highlighted if highlighted is not None else getattr(doc, "highlighted", "")
            results.append(
                SearchResult(
                    type=doc.type,
                    incident=doc.incident,
                    id=doc.object_id,
                    title=source.title_of(row),
                    highlighted=" ".join((text or "").split()),
                    url=source.url_of(row, doc.incident),
                    rank=rank,
                    at=doc.at,
                )
            )
        return results


def search(
    *,
    user: Actor,
    query: str,
    type: str | None = None,  # noqa: A002 — the API's parameter name
    service: str | None = None,
    since: datetime | None = None,
) -> SearchResults:
    """Return what matches `query` among what `user` may see, best first (then newest)."""
    visible = Incident.objects.visible_to(user)
    if visible.query.is_empty():
        return SearchResults(None)
    documents = SearchDocument.objects.all()
    if visible.query.where:  # not every incident: keep the documents of those this user may see
        documents = documents.filter(incident__in=visible.values("pk"))
    if type:
        documents = documents.filter(type=type)
    if service:
        documents = documents.filter(
            incident__in=Incident.objects.filter(services__name__iexact=service).values("pk")
        )
    if since is not None:
        documents = documents.filter(at__gte=since)
    engines: dict[str, builtins.type[_Postgres | _Fts5 | _Plain]] = {
        "postgresql": _Postgres,
        "fts5": _Fts5,
        "plain": _Plain,
    }
    engine = engines[backend()]
    return SearchResults(engine(documents, query))
