"""The search index: one row per searchable thing (an incident, a timeline entry, a cause, …).

Written only by `incidents.search_index` (from post-save hooks and the bulk paths), read only by
`incidents.search`. The text is a copy; privacy is not: every read reaches the incident through
`incident` and scopes with `Incident.objects.visible_to(user)`, so a private incident's text is
never matched, counted or cut into a snippet for someone who may not see it.

On PostgreSQL `vector` holds the weighted tsvector (title A, body B), computed by the database
itself (a BEFORE INSERT/UPDATE trigger, migration 0013_search_index) and GIN-indexed. On SQLite an
FTS5 table (`incidents_searchdocument_fts`, external content, kept in step by triggers) indexes
`title` and `body`; `vector` stays empty. A later migration that rebuilds this table on SQLite must
recreate those triggers (Django's SQLite schema editor drops them with the old table).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    type = models.CharField(max_length=20)  # a source's type: incident, timeline_entry, cause, …
    object_id = models.BigIntegerField()
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    title = models.TextField(blank=True)  # weighs more than the body
    body = models.TextField(blank=True)
    at = models.DateTimeField()  # what `since` filters on and equal ranks are ordered by
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type", "object_id"], name="search_document_unique_object"),
        ]
        indexes = [
            models.Index(fields=["incident"], name="search_document_incident"),
            # `type` and `since` narrow a common word before its rows are read: the planner ANDs
            # these with the GIN index's bitmap (or reads the few recent rows and checks the text).
            models.Index(fields=["type", "at"], name="search_document_type_at"),
            models.Index(fields=["at"], name="search_document_at"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"
