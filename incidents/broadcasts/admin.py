from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from incidents.events import IncidentEventName

from .models import (
    BroadcastChannel,
    BroadcastDelivery,
    BroadcastRule,
    ChannelKind,
    StatusSubscriber,
    Subscription,
    SubscriptionDelivery,
)


class BroadcastChannelForm(forms.ModelForm):
    # Write-only: the saved token is never rendered back; leaving the field empty keeps it.
    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Slack bot token (xoxb-…) for chat.postMessage. Never shown again after saving; "
        "leave empty to keep the saved one.",
    )
    clear_token = forms.BooleanField(required=False, help_text="Remove the saved token.")
    url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The webhook URL (Slack, Mattermost, Teams). For chat.postMessage leave it empty.",
    )

    class Meta:
        model = BroadcastChannel
        fields = ["name", "kind", "url", "token", "clear_token", "target", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        has_token = bool(data.get("token")) or (bool(self.instance.token) and not data.get("clear_token"))
        if kind == ChannelKind.SLACK_API:
            if not has_token:
                self.add_error("token", "chat.postMessage needs a bot token.")
            if not data.get("target"):
                self.add_error("target", "chat.postMessage needs a channel ID (for example C0123456789).")
        elif kind and not data.get("url"):
            self.add_error("url", "Paste the webhook URL the chat tool gave you.")
        return data

    def save(self, commit: bool = True) -> BroadcastChannel:
        channel = super().save(commit=False)
        new_token = self.cleaned_data.get("token")
        if new_token:
            channel.token = new_token
        elif self.cleaned_data.get("clear_token"):
            channel.token = ""
        elif channel.pk:
            channel.token = (
                BroadcastChannel.objects.filter(pk=channel.pk).values_list("token", flat=True).first() or ""
            )
        if commit:
            channel.save()
        return channel


@admin.register(BroadcastChannel)
class BroadcastChannelAdmin(admin.ModelAdmin):
    form = BroadcastChannelForm
    list_display = ["name", "kind", "target", "token_saved", "active"]
    list_filter = ["kind", "active"]

    @admin.display(boolean=True, description="token saved")
    def token_saved(self, channel: BroadcastChannel) -> bool:
        return bool(channel.token)


class BroadcastRuleForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=IncidentEventName.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = BroadcastRule
        fields = ["name", "channel", "events", "services", "min_severity", "include_private", "active"]


@admin.register(BroadcastRule)
class BroadcastRuleAdmin(admin.ModelAdmin):
    form = BroadcastRuleForm
    list_display = ["name", "channel", "min_severity", "include_private", "active"]
    list_filter = ["active", "include_private", "min_severity"]
    filter_horizontal = ["services"]


class ReadOnlyLog(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BroadcastDelivery)
class BroadcastDeliveryAdmin(ReadOnlyLog):
    list_display = [
        "created_at",
        "event",
        "incident",
        "channel",
        "status",
        "attempts",
        "response_code",
        "sent_at",
    ]
    list_filter = ["status", "event", "channel"]
    search_fields = ["key", "incident__reference", "error"]
    list_select_related = ["incident", "channel"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "incident", "service", "channel", "created_at"]
    list_filter = ["channel"]
    raw_id_fields = ["user", "incident"]


@admin.register(StatusSubscriber)
class StatusSubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "created_at"]
    search_fields = ["email"]
    exclude = ["token"]


@admin.register(SubscriptionDelivery)
class SubscriptionDeliveryAdmin(ReadOnlyLog):
    list_display = ["created_at", "event", "incident", "user", "subscriber", "channel", "status", "attempts"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["key", "error"]
