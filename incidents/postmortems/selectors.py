"""Reads of postmortems, scoped by what the user may see."""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from incidents import selectors as core_selectors
from incidents.models import Incident
from incidents.postmortems.choices import PostmortemStatus
from incidents.postmortems.models import FlagDismissal, Postmortem, Revision, Section
from incidents.writing import Flag, blame_flags, flag_key
from timeline.actors import Actor


def postmortem_for(*, incident: Incident) -> Postmortem | None:
    """Return the incident's postmortem (the caller has checked the incident is visible)."""
    return Postmortem.objects.filter(incident=incident).select_related("incident").first()


def section_list(*, postmortem: Postmortem) -> QuerySet[Section]:
    return postmortem.sections.select_related("edited_by").order_by("position", "id")


def revision_list(*, postmortem: Postmortem) -> QuerySet[Revision]:
    """Return the revisions newest first, without their (large) snapshots."""
    return postmortem.revisions.select_related("author").defer("snapshot").order_by("-number")


MAX_REVISION = 2**31 - 1


def revision_get(*, postmortem: Postmortem, number: int) -> Revision | None:
    if not 0 < number <= MAX_REVISION:  # a number no database column holds is simply not there
        return None
    return postmortem.revisions.filter(number=number).first()


def snapshot_markdown(snapshot: list[dict[str, Any]]) -> str:
    return "\n\n".join(f"## {item['title']}\n\n{item['body']}".rstrip() for item in snapshot) + "\n"


def revision_diff(*, old: Revision, new: Revision) -> list[str]:
    """Return a unified diff of the two revisions' documents (lines, without line endings)."""
    return list(
        difflib.unified_diff(
            snapshot_markdown(old.snapshot).splitlines(),
            snapshot_markdown(new.snapshot).splitlines(),
            fromfile=f"revision {old.number}",
            tofile=f"revision {new.number}",
            lineterm="",
        )
    )


def public_postmortems() -> QuerySet[Postmortem]:
    """Return published postmortems marked public, of non-private incidents: the status page's."""
    return (
        Postmortem.objects.filter(status=PostmortemStatus.PUBLISHED, public=True, incident__private=False)
        .select_related("incident")
        .order_by("-published_at")
    )


def postmortems_due(*, user: Actor) -> QuerySet[Postmortem]:
    """Return unpublished postmortems of incidents the user may see, soonest due first."""
    return (
        Postmortem.objects.unpublished()
        .visible_to(user)
        .select_related("incident", "incident__commander")
        .order_by("due_date", "incident__number")
    )


def postmortem_authors(*, postmortem: Postmortem) -> QuerySet[Any]:
    """Return the people who have saved a revision of the postmortem (for reminders)."""
    User = get_user_model()
    return User.objects.filter(
        pk__in=postmortem.revisions.exclude(author=None).values("author_id"), is_active=True
    )


def search_source() -> Any:
    """Postmortem sections as a source for `incidents.search` (registered when the app loads)."""
    from django.urls import reverse

    from incidents.search import SearchSource

    return SearchSource(
        type="postmortem_section",
        label="Postmortem sections",
        model=Section,
        rows=lambda: Section.objects.exclude(body=""),
        title_field=None,
        body_fields=("body",),
        incident_path="postmortem__incident",
        date_field="postmortem__incident__started_at",
        title_of=lambda row: row.title,
        url_of=lambda row, incident: (
            reverse("postmortem-editor", args=[incident.reference]) + f"#section-{row.key}"
        ),
    )


# The editor checks at most this much of a section (an appendix may hold megabytes of logs).
FLAG_CHECK_LIMIT = 50_000


def section_flags(*, sections: list[Section]) -> dict[int, list[Flag]]:
    """Return each section's writing-check flags (by section id), without the dismissed ones."""
    people = core_selectors.people_names()
    dismissed = set(
        FlagDismissal.objects.filter(section__in=sections).values_list("section_id", "rule", "text")
    )
    return {
        section.pk: [
            flag
            for flag in blame_flags(section.body[:FLAG_CHECK_LIMIT], people=people)
            if (section.pk, *flag_key(flag)) not in dismissed
        ]
        for section in sections
    }
