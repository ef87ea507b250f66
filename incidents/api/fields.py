"""Strict JSON fields: a client that sends the wrong type gets a 400 naming the field, not a guess."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.api.lookups import MAX_ID
from incidents.services import profile_for

# Times outside this range are typing mistakes, and near year 1 or 9999 a timezone offset
# overflows datetime arithmetic.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2999


class StrictCharField(serializers.CharField):
    """Text only: `123` or `true` is refused rather than turned into "123" or "True"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (not "3", not 3.5) within what the database can hold."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


def caller_timezone(request: Any) -> zoneinfo.ZoneInfo:
    """Return the timezone naive times from this caller are read in: their profile's, else UTC."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            return zoneinfo.ZoneInfo(profile_for(user).timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return zoneinfo.ZoneInfo("UTC")


@extend_schema_field(OpenApiTypes.DATETIME)
class ApiDateTimeField(serializers.DateTimeField):
    """ISO 8601 in, UTC ISO 8601 (`…Z`) out.

    A time without an offset is read in the caller's profile timezone (UTC unless they set one),
    the way the web UI reads the times people type.
    """

    default_error_messages = {
        "invalid": "Give a date and time in ISO 8601, e.g. 2026-03-01T14:05:00Z.",
        "out_of_range": f"Give a time between {EARLIEST_YEAR} and {LATEST_YEAR}.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            self.fail("invalid")
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            self.fail("out_of_range")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, caller_timezone(self.context.get("request")))
        return parsed.astimezone(UTC)

    def to_representation(self, value: Any) -> Any:
        return utc_iso(value)


def utc_iso(value: datetime | None) -> str | None:
    """Return a time as the API writes it: UTC ISO 8601 ending in `Z`, or None."""
    if value is None:
        return None
    return str(value.astimezone(UTC).isoformat().replace("+00:00", "Z"))


@extend_schema_field(OpenApiTypes.DATE)
class ApiDateField(serializers.DateField):
    """YYYY-MM-DD; impossible dates such as 2026-02-30 are a 400."""

    default_error_messages = {"invalid": "Give a real date as YYYY-MM-DD."}

    def to_internal_value(self, value: Any) -> date:
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            self.fail("invalid")
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            self.fail("invalid")
        return parsed


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "20:00"})
class ClockTimeField(serializers.Field):
    """A time of day as "HH:MM"."""

    default_error_messages = {"invalid": 'Give a time like "20:00".'}

    def to_internal_value(self, value: Any) -> time:
        if not isinstance(value, str):
            self.fail("invalid")
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError:
            self.fail("invalid")
        if parsed.tzinfo is not None:
            self.fail("invalid")
        return parsed.replace(second=0, microsecond=0)

    def to_representation(self, value: time) -> str:
        return value.strftime("%H:%M")
