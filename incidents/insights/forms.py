"""The insights filters, shared by the page (form errors) and the API (400 with field errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from incidents import selectors
from incidents.choices import Severity
from incidents.models import Service
from timeline.actors import Actor
from timeline.bounds import range_error


class DateOrDateTimeField(forms.Field):
    """Accept `2026-01-31` (a whole day) or an ISO 8601 datetime (`2026-01-31T12:00:00Z`)."""

    def to_python(self, value: Any) -> date | datetime | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        text = str(value).strip()
        parsed: date | datetime | None
        try:
            parsed = parse_date(text) or parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(
                "Give a date like 2026-01-31 or a datetime like 2026-01-31T12:00:00Z."
            )
        if isinstance(parsed, datetime) and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, UTC)
        # A plain date is a whole day and never overflows (0001-01-01 means "from the start"); a time
        # with an offset must convert to UTC, so it is kept within the range Hindsight records.
        message = range_error(parsed) if isinstance(parsed, datetime) else None
        if message:
            raise forms.ValidationError(message)
        return parsed


@dataclass(frozen=True)
class InsightsFilters:
    """Validated filters, in UTC: `since` inclusive, `until` exclusive (a date there includes its day)."""

    since: datetime | None = None
    until: datetime | None = None
    severities: tuple[str, ...] = ()
    service: Service | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "severity": list(self.severities),
            "service": self.service.name if self.service else None,
        }


class InsightsFilterForm(forms.Form):
    since = DateOrDateTimeField(required=False, help_text="Incidents started on or after this date.")
    until = DateOrDateTimeField(required=False, help_text="Incidents started up to this date (inclusive).")
    severity = forms.CharField(required=False, help_text="SEV1…SEV4; several separated by commas.")
    service = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_severity(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("severity") or ""
        values = tuple(dict.fromkeys(v.strip().upper() for v in text.split(",") if v.strip()))
        unknown = [v for v in values if v not in Severity.values]
        if unknown:
            raise forms.ValidationError(
                f"Unknown severity {', '.join(unknown)}; choose from {', '.join(Severity.values)}."
            )
        return values

    def clean_service(self) -> Service | None:
        name = (self.cleaned_data.get("service") or "").strip()
        if not name:
            return None
        # Only services the user may know of: "no such service" must not confirm a private one.
        service = selectors.services_visible_to(self.user).filter(name__iexact=name).first()
        if service is None:
            raise forms.ValidationError(f"No service is called {name!r}.")
        return service

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = _start_of(data.get("since")), _end_of(data.get("until"))
        if since and until and since >= until:
            self.add_error("until", "The end of the range must come after its start.")
        data["since_moment"], data["until_moment"] = since, until
        return data

    def filters(self) -> InsightsFilters:
        """Return the filters of a valid form."""
        data = self.cleaned_data
        return InsightsFilters(
            since=data["since_moment"],
            until=data["until_moment"],
            severities=data.get("severity") or (),
            service=data.get("service"),
            raw={k: v for k, v in self.data.items() if k in self.fields},
        )


def _start_of(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=UTC)


def _end_of(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if value == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)


def filter_form(data: Any, *, user: Actor) -> InsightsFilterForm:
    """Bind a form to query parameters, joining repeated `severity` values."""
    values: dict[str, str] = {}
    for key in ("since", "until", "service"):
        if key in data:
            values[key] = data.get(key)
    if hasattr(data, "getlist"):
        severity = ",".join(data.getlist("severity"))
    else:
        severity = data.get("severity") or ""
    if severity:
        values["severity"] = severity
    return InsightsFilterForm(values, user=user)
