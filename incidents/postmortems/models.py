"""The postmortem document: sections people write and sections Hindsight rebuilds from the record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from incidents.models import IncidentScopedQuerySet
from incidents.postmortems.choices import (
    PostmortemStatus,
    ReviewDecision,
    RevisionKind,
    SectionSource,
)


class SectionTemplate(models.Model):
    """One section of the postmortem template; admins edit the list, its order, titles and prompts.

    A new postmortem copies the enabled rows in order. Changing the template never touches
    postmortems that exist already.
    """

    key = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=SectionSource.choices, default=SectionSource.AUTHORED)
    prompt = models.TextField(blank=True, help_text="Shown to writers; an authored section starts with it.")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class PostmortemQuerySet(IncidentScopedQuerySet):
    def unpublished(self) -> PostmortemQuerySet:
        return self.exclude(status=PostmortemStatus.PUBLISHED)


class Postmortem(models.Model):
    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=10, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="postmortems_to_review"
    )
    # Five business days after the incident was resolved, set by generation while unpublished.
    due_date = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Shown on the public status page once published (and only for non-private incidents).
    public = models.BooleanField(default=False)
    # The latest revision's number (0 before the first generation or save).
    revision_number = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Who sent it for review: they never approve it (nor does anyone who wrote a section).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_generated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostmortemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return f"Postmortem of {self.incident_id}"

    def get_absolute_url(self) -> str:
        return reverse("postmortem-editor", args=[self.incident.reference])

    @property
    def is_published(self) -> bool:
        return self.status == PostmortemStatus.PUBLISHED

    @property
    def is_overdue(self) -> bool:
        return not self.is_published and self.due_date is not None and self.due_date < timezone.localdate()


class Section(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=SectionSource.choices)
    prompt = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # What generation last produced for this section (generated and seeded sections).
    generated_body = models.TextField(blank=True)
    # A person saved this section: regeneration keeps it.
    edited = models.BooleanField(default=False)
    # Edited by hand, and the record has changed since: the author may refresh it.
    stale = models.BooleanField(default=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency for editors: a save based on an older version is refused (409).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "key"], name="postmortem_section_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.postmortem_id}"

    @property
    def is_generated(self) -> bool:
        return self.source == SectionSource.GENERATED

    @property
    def is_empty(self) -> bool:
        """True while the section says nothing beyond its prompt."""
        text = self.body.strip()
        return not text or text == self.prompt.strip()


class Revision(models.Model):
    """A full snapshot of the sections after a generation or a save: any two can be diffed."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=RevisionKind.choices)
    reason = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # [{key, title, source, body, edited, stale}, …] in document order.
    snapshot = models.JSONField(default=list)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "number"], name="postmortem_revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of {self.postmortem_id}"


class Review(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    comment = models.TextField(blank=True)
    revision_number = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} by {self.reviewer_id}"


class FlagDismissal(models.Model):
    """A writer's "not blame here" on one writing-check flag of one section.

    Keyed by the rule and the matched words (normalised, see `incidents.writing.flag_key`), not by
    offsets: the dismissal holds while the words stay, wherever they move in the section.
    """

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="flag_dismissals")
    rule = models.CharField(max_length=50)
    text = models.CharField(max_length=200)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section", "rule", "text"], name="postmortem_flag_dismissal_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} '{self.text}' in {self.section_id}"
