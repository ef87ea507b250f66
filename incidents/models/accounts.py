from __future__ import annotations

import hashlib
import secrets
from datetime import time

from django.conf import settings
from django.db import models


def _default_quiet_start() -> time:
    return time(20, 0)


def _default_quiet_end() -> time:
    return time(8, 0)


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    timezone = models.CharField(max_length=64, default="UTC")
    quiet_hours_start = models.TimeField(null=True, blank=True, default=_default_quiet_start)
    quiet_hours_end = models.TimeField(null=True, blank=True, default=_default_quiet_end)
    quiet_weekends = models.BooleanField(default=True)
    # Secret for the personal iCalendar feed of action-item due dates; empty when revoked.
    calendar_token = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"profile of {self.user}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A named API key. Only its SHA-256 is stored; the key is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # An integration token may only post to webhooks (Alertmanager), not use the rest of the API.
    is_integration = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        # Keys are 40 random bytes; a fast hash is enough (no dictionary to attack).
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return secrets.token_hex(20)
