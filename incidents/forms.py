"""UI forms. They shape input for the services, which hold the rules; errors come back from both."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django import forms
from django.utils import timezone

from incidents.choices import (
    ActionKind,
    ActionPriority,
    ActionStatus,
    Audience,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from timeline.choices import HUMAN_KINDS, EventKind, EventSource
from timeline.selectors import TimelineFilters
from timeline.timeparse import TimeParseError, parse_quick_time

# datetime-local with seconds, so a milestone round-trips unchanged and only real edits are sent.
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def set_choices(form: forms.BaseForm, name: str, choices: Iterable[tuple[str, str]]) -> None:
    """Give the choice field `name` its choices, known only when the form is built."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field.")
    field.choices = list(choices)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"step": "1", **(attrs or {})}, format=DATETIME_FORMAT)


def local_datetime_field(label: str, help_text: str = "") -> forms.DateTimeField:
    """A datetime typed in the user's timezone (Django converts it to aware UTC)."""
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=help_text,
    )


def split_names(value: str) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class DeclareForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autofocus": True}))
    severity = forms.ChoiceField(choices=Severity.choices, widget=forms.RadioSelect)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    services = forms.CharField(
        required=False, help_text="Comma-separated, e.g. api, checkout. New names are created."
    )
    commander = forms.CharField(
        required=False,
        help_text="Username; you by default.",
        widget=forms.TextInput(attrs={"list": "usernames"}),
    )
    private = forms.BooleanField(
        required=False, help_text="Only participants and admins will see it (e.g. security incidents)."
    )
    started_at = local_datetime_field("Impact started", "Leave empty: same as detected.")
    detected_at = local_datetime_field("Detected", "Leave empty: now.")


class IncidentEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=Status.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    commander = forms.CharField(
        required=False,
        help_text="Username; empty for nobody.",
        widget=forms.TextInput(attrs={"list": "usernames"}),
    )
    services = forms.CharField(required=False, help_text="Comma-separated service names.")
    started_at = local_datetime_field("Impact started")
    detected_at = local_datetime_field("Detected")
    acknowledged_at = local_datetime_field("Acknowledged")
    mitigated_at = local_datetime_field("Mitigated")
    resolved_at = local_datetime_field("Resolved")
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    impact = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    private = forms.BooleanField(required=False)
    duplicate_of = forms.CharField(
        required=False, label="Duplicate of", help_text="Reference of the original, e.g. INC-12."
    )
    false_alarm = forms.BooleanField(required=False, label="False alarm")

    MILESTONES = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


class PastTimeField(forms.CharField):
    """An optional time typed like in the quick-add box (14:05, -1h, yesterday 23:50, 2026-11-23
    14:05), read in the user's timezone; empty is None (the service then uses now)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"placeholder": "now · 14:05 · -1h · yesterday 23:50", "autocomplete": "off"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> datetime | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_quick_time(text, now=timezone.now(), tz=timezone.get_current_timezone())
        except TimeParseError as error:
            raise forms.ValidationError(str(error)) from error


class QuickAddForm(forms.Form):
    """The timeline quick-add box: when (free text), kind, body."""

    when = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": "now · 14:05 · -10m · yesterday 23:50", "autocomplete": "off"}
        ),
        help_text="Empty means now. Times are in your timezone.",
    )
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in HUMAN_KINDS], initial=EventKind.NOTE)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What happened?"}))

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean_when(self) -> datetime:
        text = self.cleaned_data.get("when", "")
        try:
            return parse_quick_time(text, now=self.now, tz=timezone.get_current_timezone())
        except TimeParseError as error:
            raise forms.ValidationError(str(error)) from error


class TimelineFilterForm(forms.Form):
    """Narrow the timeline: kind, key entries, author, source, text. Lives in the URL (GET), so a
    filtered timeline can be shared; a value that is not offered is ignored with a message."""

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search the timeline",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search entries…"}),
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *EventKind.choices])
    by = forms.ChoiceField(required=False, label="Author", choices=[("", "Anyone")])
    source = forms.ChoiceField(required=False, choices=[("", "Any source"), *EventSource.choices])
    key = forms.BooleanField(required=False, label="Key entries only")

    def __init__(self, *args: Any, authors: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "timeline-filter-%s")
        super().__init__(*args, **kwargs)
        set_choices(self, "by", [("", "Anyone"), *authors])

    def filters(self) -> TimelineFilters:
        """The filters the valid fields ask for (an invalid one is left out, and says why)."""
        self.is_valid()
        data = self.cleaned_data
        return TimelineFilters(
            kind=data.get("kind") or "",
            key_only=bool(data.get("key")),
            author=data.get("by") or "",
            source=data.get("source") or "",
            text=(data.get("q") or "").strip(),
        )


class EventEditForm(QuickAddForm):
    """Edit an entry: the same fields as quick-add; system kinds stay selectable if already set."""

    when = forms.CharField(
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="A full date and time, 14:05, -10m or yesterday 23:50, in your timezone.",
    )
    kind = forms.ChoiceField(choices=EventKind.choices)


class CauseForm(forms.Form):
    prefix = "cause"
    category = forms.ChoiceField(choices=CauseCategory.choices)
    role = forms.ChoiceField(choices=CauseRole.choices, initial=CauseRole.CONTRIBUTING)
    status = forms.ChoiceField(choices=CauseStatus.choices, initial=CauseStatus.SUSPECTED)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Describe the factor, not a person (Markdown).",
    )
    evidence = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Timeline entries that support it.",
    )
    status_changed_at = PastTimeField(
        label="Status since",
        help_text="When it came to be suspected, confirmed or ruled out, in your timezone; empty "
        "means now. Give it when the status changes.",
    )

    def __init__(self, *args: Any, evidence_choices: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "evidence", evidence_choices)


class ActionForm(forms.Form):
    prefix = "action"
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ActionKind.choices, initial=ActionKind.PREVENT)
    priority = forms.ChoiceField(choices=ActionPriority.choices, initial=ActionPriority.P2)
    owner = forms.CharField(
        required=False, help_text="Username.", widget=forms.TextInput(attrs={"list": "usernames"})
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: P1 in 2 weeks, P2 in 4, P3 in 8.",
    )
    status = forms.ChoiceField(choices=ActionStatus.choices, initial=ActionStatus.OPEN)
    ticket_url = forms.CharField(required=False, label="Ticket URL", max_length=500)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    completion_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to close: how it was done, or why it won't be.",
    )
    causes = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, cause_choices: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "causes", cause_choices)


class ActionCloseForm(forms.Form):
    prefix = "close"
    status = forms.ChoiceField(
        choices=[(ActionStatus.DONE, "Done"), (ActionStatus.WONT_DO, "Won't do")], initial=ActionStatus.DONE
    )
    completion_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Completion note",
        help_text="A link, a PR, or the reason it won't be done.",
    )


class StatusUpdateForm(forms.Form):
    prefix = "update"
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.INTERNAL)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown.")
    posted_at = PastTimeField(
        label="Posted at",
        help_text="Empty means now; give the time it went out when writing the incident up afterwards.",
    )


class ProfileForm(forms.Form):
    timezone = forms.ChoiceField(choices=())
    quiet_hours_start = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_hours_end = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_weekends = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "timezone", timezone_choices())


class ApiTokenForm(forms.Form):
    prefix = "token"
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. deploy script.")
