"""Alert sources an admin defines: any JSON webhook, read through JMESPath expressions."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import jmespath
from django.core.exceptions import ValidationError
from django.db import models
from jmespath.exceptions import JMESPathError

from incidents.choices import Severity


def validate_jmespath(value: str) -> None:
    """Refuse an expression JMESPath cannot compile, saying why (the admin form shows it)."""
    if not value:
        return
    try:
        jmespath.compile(value)
    except JMESPathError as error:
        raise ValidationError(f"Not a JMESPath expression: {error}") from error


def validate_severity_map(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError('Give an object such as {"critical": "SEV1", "warning": "SEV3"}.')
    wrong = sorted(str(sev) for sev in value.values() if sev not in Severity.values)
    if wrong:
        raise ValidationError(f"Map values to {', '.join(Severity.values)}, not {', '.join(wrong)}.")


# The mapped fields, in the order the admin form and error messages use.
MAPPED_FIELDS = ("group_key", "title", "severity", "status", "summary", "service", "occurred_at")


class AlertSource(models.Model):
    """A monitoring tool that posts JSON to `/api/v1/hooks/generic/<slug>/`, mapped by JMESPath.

    Each expression is evaluated against the posted body. `group_key` and `title` are required;
    the others may be left blank. Its token is stored hashed: it is shown once, when issued.
    """

    EXPRESSION_HELP = "A JMESPath expression evaluated against the posted JSON, e.g. `alert.id`."

    name = models.CharField(max_length=100)
    slug = models.SlugField(
        max_length=50, unique=True, help_text="The hook's address: hooks/generic/<slug>/."
    )
    enabled = models.BooleanField(default=True)
    token_prefix = models.CharField(max_length=8, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    group_key = models.CharField(
        max_length=500,
        validators=[validate_jmespath],
        help_text="Required. Identifies the alert: one incident per key while it is open. " + EXPRESSION_HELP,
    )
    title = models.CharField(
        max_length=500, validators=[validate_jmespath], help_text="Required. " + EXPRESSION_HELP
    )
    severity = models.CharField(max_length=500, blank=True, validators=[validate_jmespath])
    severity_map = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_severity_map],
        help_text='The severity value (lower-cased) → SEV1–SEV4, e.g. {"critical": "SEV1"}. '
        "Anything else gets the default severity.",
    )
    default_severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.SEV3)
    status = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_jmespath],
        help_text="Blank: every post is firing. " + EXPRESSION_HELP,
    )
    resolved_values = models.CharField(
        max_length=200,
        default="resolved,ok",
        blank=True,
        help_text="Comma-separated status values (any case) that mean resolved; any other value is firing.",
    )
    summary = models.CharField(max_length=500, blank=True, validators=[validate_jmespath])
    service = models.CharField(max_length=500, blank=True, validators=[validate_jmespath])
    occurred_at = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_jmespath],
        help_text="An ISO 8601 time or Unix seconds. Blank: the time the post arrives. " + EXPRESSION_HELP,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate_token() -> str:
        return "hs_src_" + secrets.token_urlsafe(32)

    def resolved_set(self) -> set[str]:
        return {value.strip().lower() for value in self.resolved_values.split(",") if value.strip()}
