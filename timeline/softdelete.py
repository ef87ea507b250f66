"""Soft delete, shared by every model that has it (timeline entries, causes, action items).

A soft-deleted row is hidden from every page, list, count, document and reminder, and kept for
admins, who can see it and restore it. It lives in `timeline`, the lowest layer, so that every
app can use it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from timeline.actors import Actor, actor_or_none, set_history_user

_M = TypeVar("_M", bound=models.Model)


class LiveManager(models.Manager[_M]):
    """Rows that are not soft-deleted: what every reader sees (the `objects` manager)."""

    def get_queryset(self) -> models.QuerySet[_M]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    """`deleted_at` and `deleted_by`. Give the model `objects = LiveManager…()`, `all_objects`,
    and `base_manager_name = "all_objects"` (so that links to a deleted row still resolve)."""

    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def soft_delete(instance: Any, *, actor: Actor) -> None:
    """Hide `instance` (a row with `deleted_at` and `deleted_by`); the audit trail records who."""
    if instance.deleted_at is None:
        instance.deleted_at = timezone.now()
        instance.deleted_by = actor_or_none(actor)
        set_history_user(instance, actor)
        instance.save(update_fields=["deleted_at", "deleted_by"])


def restore(instance: Any, *, actor: Actor) -> None:
    """Undo a soft delete (admins only; the caller checks)."""
    if instance.deleted_at is not None:
        instance.deleted_at = None
        instance.deleted_by = None
        set_history_user(instance, actor)
        instance.save(update_fields=["deleted_at", "deleted_by"])
