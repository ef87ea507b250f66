"""The Markdown export reads back into the same sections."""

from __future__ import annotations

import pytest

from incidents.gitsync.parsing import MalformedMarkdown, parse_sections
from incidents.postmortems.exports import export_markdown
from incidents.postmortems.services import postmortem_ensure, postmortem_generate, section_update

TITLES = {"summary": "Summary", "impact": "Impact", "lessons": "Lessons learned"}


def test_the_export_reads_back_into_its_sections(db, record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = postmortem_ensure(incident=record)
    body = "Keep canaries.\n\n## Not a section\n\n```\n## Summary\n```"
    section_update(postmortem=postmortem, key="lessons", actor=owner, body=body)
    titles = dict(postmortem.sections.values_list("key", "title"))

    bodies = parse_sections(export_markdown(postmortem), titles)

    assert set(bodies) == set(titles)
    assert bodies["lessons"] == body
    for section in postmortem.sections.all():
        assert bodies[section.key] == ("" if section.is_empty else section.body.strip())


def test_an_unwritten_section_reads_as_empty():
    text = (
        "# INC-1: x — postmortem\n\n## Summary\n\n_Not written yet._\n\n"
        "## Impact\n\nBad.\n\n## Lessons learned\n"
    )

    assert parse_sections(text, TITLES) == {"summary": "", "impact": "Bad.", "lessons": ""}


def test_a_second_heading_of_a_section_seen_already_is_text():
    text = "# t\n## Summary\nOne\n## Impact\nTwo\n## Summary\nstill impact\n## Lessons learned\nThree"

    assert parse_sections(text, TITLES)["impact"] == "Two\n## Summary\nstill impact"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must start with"),
        ("## Summary\nx\n## Impact\ny\n## Lessons learned\nz", "must start with"),
        ("# t\n## Summary\nx\n## Impact\ny", "Lessons learned"),
        ("# t\n## Summary\n```\n## Impact\n```\n## Lessons learned\nz", "Impact"),
    ],
)
def test_a_document_without_the_exports_structure_is_malformed(text, message):
    with pytest.raises(MalformedMarkdown, match=message):
        parse_sections(text, TITLES)
