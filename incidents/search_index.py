"""Keeping the search index (`SearchDocument`) current: the only writer of that table.

Every source of `incidents.search.SOURCES` is indexed from its live rows (soft-deleted ones are left
out), with the database doing the copying: one `INSERT … SELECT` per source, whether for one saved
row, every row of a batch of incidents, or the whole record. On PostgreSQL a trigger computes the
vector as the row is written; on SQLite triggers keep the FTS5 table in step (migration 0013).

Single writes reach the index through post-save and post-delete hooks (`register_source`), inside
the writing transaction, so the index commits or rolls back with the write whichever path saved the
row (services, the admin, importers). The hooks touch only the index. Bulk paths that send no
signals index what they wrote in one go: `timeline_events_add_many` (the `events_added` signal),
`generate_data` and postmortem creation (`index_incidents`). `rebuild` starts the index afresh
(`python manage.py rebuild_search_index`; after `migrate` when the index is empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Model, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.db.models.signals import post_delete, post_save

from incidents.models import SearchDocument
from incidents.search import SOURCES, SearchSource

TABLE = SearchDocument._meta.db_table
COLUMNS = ("type", "object_id", "incident_id", "title", "body", "at")
GIN_INDEX = "search_document_vector"


def _incident_id(source: SearchSource) -> Any:
    return F(f"{source.incident_path}_id") if source.incident_path else F("pk")


def _body(source: SearchSource) -> Any:
    parts: list[Any] = []
    for name in source.body_fields:
        parts += [F(name), Value("\n")]
    if len(parts) == 2:
        return parts[0]
    return Concat(*parts[:-1], output_field=TextField())


def _documents(source: SearchSource, rows: QuerySet[Any]) -> QuerySet[Any]:
    """The SELECT that turns `rows` of `source` into index rows, in COLUMNS' order."""
    title = F(source.title_field) if source.title_field else Value("", output_field=TextField())
    return (
        rows.order_by()
        .annotate(
            doc_type=Value(source.type, output_field=TextField()),
            doc_object_id=F("pk"),
            doc_incident_id=_incident_id(source),
            doc_title=title,
            doc_body=_body(source),
            doc_at=F(source.date_field),
        )
        .values_list("doc_type", "doc_object_id", "doc_incident_id", "doc_title", "doc_body", "doc_at")
    )


def _insert(source: SearchSource, rows: QuerySet[Any], *, upsert: bool) -> int:
    sql, params = _documents(source, rows).query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    statement = f"INSERT INTO {TABLE} ({columns}) {sql}"  # noqa: S608 — names from the model, values are parameters
    if upsert:
        statement += " ON CONFLICT (type, object_id) DO UPDATE SET " + ", ".join(
            f"{connection.ops.quote_name(column)} = excluded.{connection.ops.quote_name(column)}"
            for column in COLUMNS[2:]
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def source_of(type: str) -> SearchSource:  # noqa: A002 — a source's type
    return next(source for source in SOURCES if source.type == type)


def index_objects(source: SearchSource, pks: Iterable[int]) -> None:
    """Put these rows of `source` in the index as they are now; a row that is gone, soft-deleted or
    no longer searchable (an emptied postmortem section) leaves it."""
    pks = list(pks)
    if not pks:
        return
    with transaction.atomic():
        _insert(source, source.rows().filter(pk__in=pks), upsert=True)
        live = source.rows().filter(pk__in=pks).values("pk")
        SearchDocument.objects.filter(type=source.type, object_id__in=pks).exclude(
            object_id__in=live
        ).delete()


def unindex(source: SearchSource, pks: Iterable[int]) -> None:
    SearchDocument.objects.filter(type=source.type, object_id__in=list(pks)).delete()


def index_incidents(incident_ids: Iterable[int], *, types: Iterable[str] | None = None) -> None:
    """Index everything searchable in these incidents (bulk writers call this once per batch)."""
    ids = list(incident_ids)
    wanted = set(types) if types is not None else None
    if not ids:
        return
    with transaction.atomic():
        for source in SOURCES:
            if wanted is not None and source.type not in wanted:
                continue
            incident = f"{source.incident_path}__in" if source.incident_path else "pk__in"
            SearchDocument.objects.filter(type=source.type, incident_id__in=ids).delete()
            _insert(source, source.rows().filter(**{incident: ids}), upsert=False)


def rebuild() -> dict[str, int]:
    """Empty the index and fill it from every source's live rows; return the rows per type.

    On PostgreSQL the GIN index is dropped while the rows go in and built once after (much faster
    than updating it row by row), then the table is analysed for the planner.
    """
    counts: dict[str, int] = {}
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        with connection.cursor() as cursor:
            if postgres:
                # Deferred foreign-key checks of rows written earlier in this transaction run now:
                # TRUNCATE and CREATE INDEX refuse a table with pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")
                cursor.execute(f"TRUNCATE {TABLE}")
            else:
                cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 — the model's table
        for source in SOURCES:
            counts[source.type] = _insert(source, source.rows(), upsert=False)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"CREATE INDEX {GIN_INDEX} ON {TABLE} USING gin (vector)")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if postgres and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
    return counts


# Hooks: single writes of every source, wherever they come from.


def _saved(sender: type[Model], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return  # fixtures loaded raw: `rebuild_search_index` indexes them
    for source in SOURCES:
        if source.model is sender:
            index_objects(source, [instance.pk])
            if source.type == "incident":
                # Sources dated by their incident (postmortem sections) move with it.
                dated_by_incident = [
                    s.type for s in SOURCES if s.incident_path and "incident__" in s.date_field
                ]
                if dated_by_incident and not kwargs.get("created"):
                    index_incidents([instance.pk], types=dated_by_incident)


def _deleted(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    for source in SOURCES:
        if source.model is sender:
            unindex(source, [instance.pk])


def register_source(source: SearchSource) -> None:
    """Add a source to search (once) and keep its rows indexed from its model's saves and deletes."""
    if all(existing.type != source.type for existing in SOURCES):
        SOURCES.append(source)
    post_save.connect(_saved, sender=source.model, dispatch_uid=f"search-index-save-{source.type}")
    post_delete.connect(_deleted, sender=source.model, dispatch_uid=f"search-index-delete-{source.type}")


def events_added(sender: Any, incident_ids: list[int], events: list[Any], **kwargs: Any) -> None:
    """Entries added in bulk (`timeline_events_add_bulk`): indexed in one statement."""
    index_objects(source_of("timeline_entry"), [event.pk for event in events])
