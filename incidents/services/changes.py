"""Change events: deploys, configuration pushes, flag flips and infrastructure changes, from pipelines."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from incidents.models import ChangeEvent, ChangeKind
from incidents.services.incidents import service_get_or_create


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    clean = " ".join(str(value or "").replace("\x00", "").split())
    if required and not clean:
        raise ValidationError({field: "This field may not be blank."})
    if len(clean) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    return clean


@transaction.atomic
def change_event_record(
    *,
    service: str,
    summary: str,
    kind: str,
    at: datetime | None = None,
    url: str = "",
    author: str = "",
    source: str = "",
) -> ChangeEvent:
    """Record a change to `service` (created on first use); validate everything before saving."""
    errors: dict[str, str] = {}
    if kind not in ChangeKind.values:
        errors["kind"] = f"Choose one of {', '.join(ChangeKind.values)}."
    if at is not None and timezone.is_naive(at):
        errors["at"] = "Give a time with its offset, e.g. 2026-12-05T14:05:00Z."
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = "Give an http or https address."
    try:
        clean = {
            "summary": _text(summary, "summary", 500, required=True),
            "author": _text(author, "author", 200),
            "source": _text(source, "source", 100),
        }
        name = _text(service, "service", 100, required=True)
    except ValidationError as error:
        raise ValidationError({**errors, **error.message_dict}) from error
    if errors:
        raise ValidationError(errors)
    try:
        service_row = service_get_or_create(name)
    except ValidationError as error:
        raise ValidationError({"service": error.messages}) from error
    return ChangeEvent.objects.create(
        service=service_row, kind=kind, at=at or timezone.now(), url=url[:1000], **clean
    )
