from django.contrib import admin

from incidents.reminders.models import (
    Delivery,
    Notification,
    NotificationPreference,
    Reminder,
    Snooze,
    Webhook,
)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["channel", "target", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    exclude = ["claim_token", "claimed_until"]
    can_delete = False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["key", "rule", "recipient", "deliver_after", "created_at"]
    list_filter = ["rule"]
    search_fields = ["key", "recipient__username"]
    raw_id_fields = ["recipient", "incident"]
    readonly_fields = ["key", "rule", "object_type", "object_id", "window", "batch", "created_at"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["reminder", "channel", "target", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["reminder__key"]
    raw_id_fields = ["reminder"]
    readonly_fields = ["claim_token", "claimed_until", "sent_at", "last_error"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "rule", "created_at", "read_at"]
    list_filter = ["rule"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "delivery", "reminder", "incident"]


@admin.register(Snooze)
class SnoozeAdmin(admin.ModelAdmin):
    list_display = ["recipient", "object_type", "object_id", "until"]
    raw_id_fields = ["recipient"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "rule", "email", "webhook"]
    raw_id_fields = ["user"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active"]
    list_filter = ["active"]
    filter_horizontal = ["services"]
