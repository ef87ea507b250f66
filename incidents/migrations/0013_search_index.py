"""The search index (incidents.SearchDocument) and what each database needs to search it fast.

PostgreSQL: a trigger computes the weighted tsvector (title A, body B, 'english') whenever a row is
written, so every writer (one row, INSERT … SELECT in bulk, an upsert) gets the same vector, and a
GIN index serves `vector @@ query`. SQLite: an FTS5 table with external content (the document table)
kept in step by triggers; when this SQLite build has no FTS5, nothing is created and search falls
back to `icontains` (incidents.search). Existing rows are indexed after `migrate` when the index is
empty (incidents.apps), or by `python manage.py rebuild_search_index`.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION incidents_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.vector := setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
                   || setweight(to_tsvector('english', coalesce(NEW.body, '')), 'B');
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER incidents_searchdocument_vector BEFORE INSERT OR UPDATE OF title, body
    ON incidents_searchdocument FOR EACH ROW EXECUTE FUNCTION incidents_searchdocument_vector()
    """,
    "CREATE INDEX search_document_vector ON incidents_searchdocument USING gin (vector)",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS incidents_searchdocument_vector ON incidents_searchdocument",
    "DROP FUNCTION IF EXISTS incidents_searchdocument_vector()",
]
SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE incidents_searchdocument_fts USING fts5(
        title, body, content='incidents_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER incidents_searchdocument_fts_insert AFTER INSERT ON incidents_searchdocument BEGIN
        INSERT INTO incidents_searchdocument_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER incidents_searchdocument_fts_delete AFTER DELETE ON incidents_searchdocument BEGIN
        INSERT INTO incidents_searchdocument_fts(incidents_searchdocument_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER incidents_searchdocument_fts_update AFTER UPDATE ON incidents_searchdocument BEGIN
        INSERT INTO incidents_searchdocument_fts(incidents_searchdocument_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO incidents_searchdocument_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS incidents_searchdocument_fts_insert",
    "DROP TRIGGER IF EXISTS incidents_searchdocument_fts_delete",
    "DROP TRIGGER IF EXISTS incidents_searchdocument_fts_update",
    "DROP TABLE IF EXISTS incidents_searchdocument_fts",
]


def sqlite_has_fts5(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        return any(row[0] == "ENABLE_FTS5" for row in cursor.fetchall())


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        statements = POSTGRES_FORWARD
    elif connection.vendor == "sqlite" and sqlite_has_fts5(connection):
        statements = SQLITE_FORWARD
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0012_alert_sources'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('type', models.CharField(max_length=20)),
                ('object_id', models.BigIntegerField()),
                ('title', models.TextField(blank=True)),
                ('body', models.TextField(blank=True)),
                ('at', models.DateTimeField()),
                ('vector', django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                ('incident', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident')),
            ],
            options={
                'indexes': [
                    models.Index(fields=['incident'], name='search_document_incident'),
                    models.Index(fields=['type', 'at'], name='search_document_type_at'),
                    models.Index(fields=['at'], name='search_document_at'),
                ],
                'constraints': [models.UniqueConstraint(fields=('type', 'object_id'), name='search_document_unique_object')],
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
