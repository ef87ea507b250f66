"""What people type becomes a safe FTS5 expression; without FTS5 every word must appear (icontains)."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import SearchDocument
from incidents.search import _Plain, fts5_expression
from tests.factories import TimelineEventFactory


@pytest.mark.parametrize(
    ("typed", "expression"),
    [
        ("kafka lag", '(("kafka" AND "lag"))'),
        ('"connection pool" exhausted', '(("connection pool" AND "exhausted"))'),
        ("kafka or rabbit", '(("kafka")) OR (("rabbit"))'),
        ("kafka -rabbit", '(("kafka") NOT "rabbit")'),
        ("-rabbit", ""),
        ('"unclosed quote', '(("unclosed quote"))'),
        ("a & b | !c:*", '(("a" AND "b" AND "c"))'),
        ("'; DROP TABLE x; --", '(("drop" AND "table" AND "x"))'),
        ("(((", ""),
        ("NOT AND OR", '(("not" AND "and"))'),
        ("ß", '(("ß"))'),
    ],
)
def test_typed_text_becomes_quoted_words(typed: str, expression: str) -> None:
    assert fts5_expression(typed) == expression


def test_without_fts5_every_word_must_appear_title_first(owner: Any, incident: Any) -> None:
    entry: Any = TimelineEventFactory(incident=incident, body="Search latency spiked on the replicas")
    TimelineEventFactory(incident=incident, body="Only the replicas here")
    documents = SearchDocument.objects.all()

    engine = _Plain(documents, "latency replicas")

    assert engine.count() == 1
    ranked = engine.ranked(0, 10)
    assert [SearchDocument.objects.get(pk=pk).object_id for pk, _, _ in ranked] == [entry.pk]
    assert "\x02latency\x03" in (ranked[0][2] or "")
    titled = _Plain(documents, "search latency").ranked(0, 10)
    assert SearchDocument.objects.get(pk=titled[0][0]).type == "incident"  # the title "Search latency"
