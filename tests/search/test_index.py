"""The search index stays current on every write path, and search reads only what the user may see.

These run on both databases: PostgreSQL (tsvector + GIN, CI) and SQLite (FTS5, `make test`).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from incidents.models import SearchDocument
from incidents.postmortems.models import Section
from incidents.postmortems.services.drafts import postmortem_ensure, section_update
from incidents.search import MARK_END, MARK_START, backend, search
from incidents.services.actions import action_add, action_delete, action_restore, action_update
from incidents.services.causes import cause_add, cause_delete, cause_restore, cause_update
from incidents.services.incidents import incident_update
from incidents.services.updates import status_update_post
from tests.factories import IncidentFactory, TimelineEventFactory
from timeline.services import (
    NewEntry,
    timeline_event_add,
    timeline_event_delete,
    timeline_event_restore,
    timeline_event_update,
    timeline_events_add_many,
)


def found(user: Any, query: str, **filters: Any) -> set[tuple[str, int]]:
    return {(result.type, result.id) for result in search(user=user, query=query, **filters)}


def test_each_database_searches_with_its_own_index(db: Any) -> None:
    assert backend() == {"postgresql": "postgresql", "sqlite": "fts5"}[connection.vendor]


def test_timeline_entries_are_indexed_on_add_edit_delete_and_restore(
    owner: Any, admin_user: Any, incident: Any
) -> None:
    event = timeline_event_add(incident=incident, actor=owner, body="Flushed the memcached ring")
    assert found(owner, "memcached") == {("timeline_entry", event.pk)}

    timeline_event_update(event=event, actor=owner, data={"body": "Drained the varnish pool"})
    assert found(owner, "memcached") == set()
    assert found(owner, "varnish") == {("timeline_entry", event.pk)}

    timeline_event_delete(event=event, actor=owner)
    assert found(owner, "varnish") == set()
    assert found(admin_user, "varnish") == set()  # deleted entries are not searched, by anyone

    timeline_event_restore(event=event, actor=admin_user)
    assert found(owner, "varnish") == {("timeline_entry", event.pk)}


def test_entries_added_in_bulk_are_indexed(owner: Any, incident: Any) -> None:
    created = timeline_events_add_many(
        incident=incident,
        entries=[NewEntry(actor=owner, body=f"Imported note {n} about haproxy") for n in range(3)],
    )

    assert found(owner, "haproxy") == {("timeline_entry", event.pk) for event in created}


def test_causes_are_indexed_on_add_edit_delete_and_restore(
    owner: Any, admin_user: Any, incident: Any
) -> None:
    cause = cause_add(incident=incident, actor=owner, category="capacity", description="Inode exhaustion")
    assert found(owner, "inode") == {("cause", cause.pk)}

    cause_update(cause=cause, actor=owner, data={"description": "Ephemeral port exhaustion"})
    assert found(owner, "inode") == set()
    assert found(owner, "ephemeral") == {("cause", cause.pk)}

    cause_delete(cause=cause, actor=owner)
    assert found(owner, "ephemeral") == set()
    cause_restore(cause=cause, actor=admin_user)
    assert found(owner, "ephemeral") == {("cause", cause.pk)}


def test_action_items_are_indexed_on_add_edit_delete_and_restore(
    owner: Any, admin_user: Any, incident: Any
) -> None:
    action = action_add(incident=incident, actor=owner, title="Shard the ledger table")
    assert found(owner, "ledger") == {("action_item", action.pk)}

    action_update(action=action, actor=owner, data={"title": "Partition the journal table"})
    assert found(owner, "ledger") == set()
    assert found(owner, "journal") == {("action_item", action.pk)}

    action_delete(action=action, actor=owner)
    assert found(owner, "journal") == set()
    action_restore(action=action, actor=admin_user)
    assert found(owner, "journal") == {("action_item", action.pk)}


def test_incidents_and_status_updates_are_indexed_when_written(owner: Any, incident: Any) -> None:
    incident_update(incident=incident, actor=owner, data={"summary": "Gossip protocol storm"})
    update = status_update_post(incident=incident, actor=owner, message="Gossip traffic is back to normal")

    assert ("incident", incident.pk) in found(owner, "gossip")
    assert ("status_update", update.pk) in found(owner, "gossip")

    incident_update(incident=incident, actor=owner, data={"summary": "Quiet now"})
    assert ("incident", incident.pk) not in found(owner, "gossip")


def test_postmortem_sections_are_indexed_when_created_and_edited(owner: Any, incident: Any) -> None:
    postmortem = postmortem_ensure(incident=incident)  # sections are bulk-created from the template
    section = Section.objects.get(postmortem=postmortem, key="lessons")
    assert SearchDocument.objects.filter(type="postmortem_section", incident=incident).exists()

    section_update(postmortem=postmortem, key="lessons", actor=owner, body="Canary the flamegraph tooling")

    assert found(owner, "flamegraph") == {("postmortem_section", section.pk)}


def test_a_private_incident_never_reaches_results_counts_or_snippets(
    outsider: Any, participant: Any, viewer: Any, private_incident: Any, incident: Any
) -> None:
    TimelineEventFactory(incident=private_incident, body="The zebra token leaked into the logs")
    TimelineEventFactory(incident=incident, body="A public zebra crossing")

    for user in (outsider, viewer):
        results = search(user=user, query="zebra")
        assert results.count() == 1
        assert [r.incident for r in results] == [incident]
        assert all("token" not in r.snippet for r in results)
    inside = search(user=participant, query="zebra")
    assert inside.count() == 2
    assert {r.incident for r in inside} == {incident, private_incident}


def test_a_title_match_ranks_above_a_body_match(owner: Any) -> None:
    body_only: Any = IncidentFactory(title="Slow pages", summary="The walrus cache was cold")
    titled: Any = IncidentFactory(title="Walrus cache cold", summary="Pages were slow")
    body_only.started_at = titled.started_at  # equal dates: only the rank decides
    body_only.save()

    assert [r.incident for r in search(user=owner, query="walrus")] == [titled, body_only]


def test_the_snippet_marks_the_matched_words(owner: Any, incident: Any) -> None:
    TimelineEventFactory(incident=incident, body="After the deploy the pelican workers crashed in a loop")

    result = search(user=owner, query="pelican")[0]

    assert (("pelican", True)) in [(text.lower(), marked) for text, marked in result.parts]
    assert MARK_START not in result.snippet
    assert MARK_END not in result.snippet
    assert "pelican workers crashed" in result.snippet


def test_phrases_or_and_excluded_words(owner: Any, incident: Any) -> None:
    first: Any = TimelineEventFactory(incident=incident, body="The blue heron landed")
    second: Any = TimelineEventFactory(incident=incident, body="The heron stayed blue")

    assert found(owner, '"blue heron"') == {("timeline_entry", first.pk)}
    assert found(owner, "heron -landed") == {("timeline_entry", second.pk)}
    assert found(owner, "landed or stayed") == {("timeline_entry", first.pk), ("timeline_entry", second.pk)}


def test_rebuild_search_index_restores_a_lost_index(owner: Any, incident: Any) -> None:
    event: Any = TimelineEventFactory(incident=incident, body="Rotated the okapi credentials")
    SearchDocument.objects.all().delete()
    assert found(owner, "okapi") == set()

    call_command("rebuild_search_index", verbosity=0)

    assert found(owner, "okapi") == {("timeline_entry", event.pk)}
    assert ("incident", incident.pk) in found(owner, "search latency")


def test_generated_data_is_indexed_in_bulk(admin_user: Any) -> None:
    call_command("generate_data", incidents=3, events_per_incident=4, users=2, verbosity=0)

    generated = SearchDocument.objects.filter(type="timeline_entry").count()
    assert generated == 12
    assert search(user=admin_user, query="alert fired").count() >= 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored tsvector is PostgreSQL's")
def test_postgresql_stores_a_weighted_vector(owner: Any, incident: Any) -> None:
    document = SearchDocument.objects.get(type="incident", object_id=incident.pk)

    assert document.vector is not None
    assert "'latenc':2A" in str(document.vector)
