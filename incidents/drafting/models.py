"""A model's suggestion for one postmortem section: never written into the postmortem by itself."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from incidents.drafting.choices import DraftStatus
from incidents.models import Incident


class SectionDraftQuerySet(models.QuerySet["SectionDraft"]):
    def visible_to(self, user: Any) -> SectionDraftQuerySet:
        """Return the drafts of incidents this user may see (the incident's rule, through the postmortem)."""
        return self.filter(postmortem__incident__in=Incident.objects.visible_to(user).values("pk"))


class SectionDraft(models.Model):
    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="section_drafts"
    )
    section_key = models.SlugField(max_length=50)
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default=DraftStatus.DRAFTING)
    # Markdown whose sentences each end with citations such as [E12][C3] (see checks.py).
    text = models.TextField(blank=True)
    # {"E12": {"kind": "timeline entry", "label": …, "url": …}, …}: every id the text cites.
    citations = models.JSONField(default=dict, blank=True)
    # Sentences left out of the text, each with why: [{"sentence", "reason"}, …].
    removed = models.JSONField(default=list, blank=True)
    # Blame-language flags on the kept text (incidents.writing): [{"rule", "text", "explanation"}, …].
    flags = models.JSONField(default=list, blank=True)
    # What the model answered, as it came (for the author to compare and for debugging prompts).
    raw_response = models.TextField(blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "incidents.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The postmortem revision that accepting it wrote.
    revision_number = models.PositiveIntegerField(null=True, blank=True)

    objects = SectionDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["postmortem", "section_key", "status"])]

    def __str__(self) -> str:
        return f"{self.section_key} draft {self.pk} of {self.postmortem_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (DraftStatus.DRAFTING, DraftStatus.PENDING)
