"""Query parameters of the pages, read through forms: a bad value is a 400 naming it, never a 500.

Views call `query_values(request, SomeQuery)` and get cleaned values, or the request ends with a
400 page saying which parameter was wrong (`BadRequest`, rendered by `incidents.views.errors`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils import timezone

from timeline.bounds import range_error

# The largest id a database column holds (bigint); anything bigger cannot name a row.
MAX_ROW_ID = 2**63 - 1


class RowIdField(forms.IntegerField):
    """The id of a row: digits only ("²" and "٣" are digits to `str.isdigit`, not to us)."""

    default_error_messages = {"invalid": "Give the number of an existing item."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ROW_ID, **kwargs)

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if text and not (text.isascii() and text.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)


class BoundedDateTimeField(forms.DateTimeField):
    """An ISO 8601 date and time (naive ones in the user's timezone), between 1970 and 2999."""

    default_error_messages = {"invalid": "Give a date and time like 2026-03-01T14:05:00+00:00."}

    def to_python(self, value: Any) -> datetime | None:
        try:
            parsed = super().to_python(value)
        except OverflowError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        return bounded(parsed)


def bounded(value: date | datetime | None) -> Any:
    """Return `value` (a datetime in UTC), or a form error when it is outside timeline.bounds."""
    if value is None:
        return None
    if isinstance(value, datetime) and timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError("This time does not exist in your timezone.") from error
    message = range_error(value)
    if message:
        raise forms.ValidationError(message, code="out_of_range")
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def query_error(form: forms.Form) -> str:
    """One line naming every bad parameter and why."""
    return "; ".join(
        f"{name}: {' '.join(str(message) for message in messages)}" for name, messages in form.errors.items()
    )


def query_values(request: HttpRequest, form_class: type[forms.Form]) -> dict[str, Any]:
    """Return the cleaned query parameters `form_class` describes; a BadRequest (400) when one is bad."""
    form = form_class(request.GET)
    if not form.is_valid():
        raise BadRequest(f"Bad query parameter — {query_error(form)}")
    return dict(form.cleaned_data)
