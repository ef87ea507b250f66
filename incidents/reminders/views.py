"""Pages: the bell, the notifications list, snoozing (signed in or from an email link), preferences."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from incidents.reminders import selectors, services
from incidents.reminders.forms import PreferencesForm
from incidents.views.common import is_htmx


def _snooze_label(value: str) -> str:
    return {"1d": "a day", "1w": "a week"}.get(value, value)


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with its unread count; htmx polls this partial."""
    return render(request, "reminders/_bell.html")


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") in ("1", "true", "yes")
    notifications = list(selectors.notification_list(user=request.user, unread=unread)[:100])
    rows = [{"notification": item, **selectors.shown(item)} for item in notifications]
    template = "reminders/_notification_list.html" if is_htmx(request) else "reminders/notifications.html"
    return render(request, template, {"rows": rows, "unread_only": unread, "now": timezone.now()})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(user=request.user, pk=pk)
    if notification is None:
        raise Http404("No such notification.")
    services.notification_mark_read(notification=notification, user=request.user)
    if is_htmx(request):
        return notification_list(request)
    return redirect("reminders:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return redirect("reminders:notifications")


@login_required
@require_POST
def notification_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(user=request.user, pk=pk)
    if notification is None:
        raise Http404("No such notification.")
    choice = request.POST.get("for", "1d")
    try:
        until = services.parse_snooze_until(choice, now=timezone.now())
        services.notification_snooze(notification=notification, user=request.user, until=until)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Snoozed for {_snooze_label(choice)}.")
    return redirect("reminders:notifications")


@require_http_methods(["GET", "POST"])
def snooze_link(request: HttpRequest, token: str) -> HttpResponse:
    """Snooze from an email without signing in: the signed, expiring token is the permission.

    GET only shows the choice (mail scanners follow links); the POST snoozes.
    """
    try:
        reminder = services.snooze_token_read(token)
    except ValidationError as error:
        return render(request, "reminders/snooze_link.html", {"error": " ".join(error.messages)}, status=400)
    choice = request.POST.get("for") or request.GET.get("for") or "1d"
    if choice not in services.SNOOZE_CHOICES:
        choice = "1d"
    context: dict[str, Any] = {
        "headline": reminder.notifications.values_list("title", flat=True).first(),
        "choice": choice,
    }
    if request.method == "POST":
        until = timezone.now() + services.SNOOZE_CHOICES[choice]
        try:
            services.reminder_snooze(reminder=reminder, user=reminder.recipient, until=until)
        except PermissionDenied:
            raise Http404("No such reminder.") from None
        context.update({"done": True, "until": until, "label": _snooze_label(choice)})
    return render(request, "reminders/snooze_link.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """/profile/notifications/: which channels each rule uses for this user."""
    rows = selectors.preferences_for(user=request.user)
    form = PreferencesForm(request.POST or None, initial_rows=rows)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, choices=form.choices())
        messages.success(request, "Notification settings saved.")
        return redirect("reminders:preferences")
    return render(request, "reminders/preferences.html", {"form": form})
