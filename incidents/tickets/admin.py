from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import TicketLink, TrackerConnection, TrackerKind

SECRETS = ("token", "webhook_secret")


def _secret_field(help_text: str) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


class TrackerConnectionForm(forms.ModelForm):
    """Secrets are write-only: a saved one is never rendered back; an empty field keeps it."""

    base_url = forms.URLField(
        max_length=300,
        assume_scheme="https",
        help_text=TrackerConnection._meta.get_field("base_url").help_text,
    )
    token = _secret_field(
        "GitHub: a fine-grained token with Issues read and write on the repository. GitLab: a project "
        "access token with the api scope. Jira: an API token of the account below."
    )
    clear_token = forms.BooleanField(required=False, help_text="Remove the saved token.")
    webhook_secret = _secret_field("The secret you give the tracker's webhook (any long random string).")
    clear_webhook_secret = forms.BooleanField(required=False, help_text="Remove the saved webhook secret.")

    class Meta:
        model = TrackerConnection
        fields = [
            "name",
            "kind",
            "base_url",
            "project",
            "labels",
            "issue_type",
            "email",
            "token",
            "clear_token",
            "webhook_secret",
            "clear_webhook_secret",
            "allow_private",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRETS:
            saved = bool(getattr(self.instance, name, ""))
            self.fields[name].help_text = (
                f"{'Set' if saved else 'Not set'}. {self.fields[name].help_text}"
                + (" Never shown again; leave empty to keep it." if saved else "")
            )

    def _kept(self, name: str) -> bool:
        data = self.cleaned_data
        return bool(data.get(name)) or (
            bool(getattr(self.instance, name, "")) and not data.get(f"clear_{name}")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        project = (data.get("project") or "").strip()
        if kind == TrackerKind.GITHUB and not re.fullmatch(r"[\w.-]+/[\w.-]+", project):
            self.add_error("project", "Give the repository as owner/repo.")
        if kind == TrackerKind.JIRA:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", project):
                self.add_error("project", "Give the Jira project key, like OPS.")
            if not data.get("email"):
                self.add_error("email", "Jira's API token works with the email of its Atlassian account.")
            if any(" " in label.strip() for label in (data.get("labels") or "").split(",")):
                self.add_error("labels", "Jira labels cannot contain spaces.")
        if kind and not self._kept("token"):
            self.add_error("token", "Hindsight needs a token to create tickets.")
        return data

    def save(self, commit: bool = True) -> TrackerConnection:
        tracker = super().save(commit=False)
        saved = (
            TrackerConnection.objects.filter(pk=tracker.pk).values(*SECRETS).first() if tracker.pk else None
        )
        for name in SECRETS:
            if self.cleaned_data.get(name):
                setattr(tracker, name, self.cleaned_data[name])
            elif self.cleaned_data.get(f"clear_{name}"):
                setattr(tracker, name, "")
            else:
                setattr(tracker, name, (saved or {}).get(name, ""))
        if commit:
            tracker.save()
        return tracker


@admin.register(TrackerConnection)
class TrackerConnectionAdmin(admin.ModelAdmin):
    form = TrackerConnectionForm
    list_display = ["name", "kind", "project", "token_state", "secret_state", "allow_private", "active"]
    list_filter = ["kind", "active", "allow_private"]
    readonly_fields = ["webhook_path"]

    @admin.display(description="token")
    def token_state(self, tracker: TrackerConnection) -> str:
        return "set" if tracker.token else "not set"

    @admin.display(description="webhook secret")
    def secret_state(self, tracker: TrackerConnection) -> str:
        return "set" if tracker.webhook_secret else "not set"

    @admin.display(description="webhook URL (path)")
    def webhook_path(self, tracker: TrackerConnection) -> str:
        return f"/api/v1/hooks/tickets/{tracker.pk}/" if tracker.pk else "Shown after saving."


@admin.register(TicketLink)
class TicketLinkAdmin(admin.ModelAdmin):
    list_display = ["key", "tracker", "action", "state", "remote_status", "last_synced_at", "attempts"]
    list_filter = ["state", "tracker"]
    search_fields = ["key", "url", "action__title"]
    list_select_related = ["tracker", "action"]
    readonly_fields = ["action", "tracker", "marker", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
