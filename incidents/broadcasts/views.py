"""Follow/unfollow buttons and the status page's email sign-up, confirmation and unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from config.auth_backends import client_ip_address
from incidents import selectors
from incidents.models import Service
from incidents.views.common import incident_or_404

from . import services, subscribers


@login_required
@require_POST
def incident_follow(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_or_404(request, reference)
    if request.POST.get("action") == "unfollow":
        services.unfollow(user=request.user, incident=incident)
        messages.success(request, f"You no longer follow {incident.reference}.")
    else:
        try:
            services.follow(user=request.user, incident=incident, channels=request.POST.getlist("channel"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"You follow {incident.reference}.")
    return redirect("incident-detail", incident.reference)


def _service_or_404(request: HttpRequest, name: str) -> Service:
    # Only services the user may know of: one only private incidents use is "no such service".
    if "\x00" in name:
        raise Http404("No such service.")  # no name holds a NUL (PostgreSQL text cannot)
    service = selectors.services_visible_to(request.user).filter(name__iexact=name.strip()).first()
    if service is None:
        raise Http404("No such service.")
    return service


@login_required
@require_POST
def service_follow(request: HttpRequest) -> HttpResponse:
    service = _service_or_404(request, request.POST.get("service", ""))
    if request.POST.get("action") == "unfollow":
        services.unfollow(user=request.user, service=service)
        messages.success(request, f"You no longer follow {service.name}.")
    else:
        try:
            services.follow(user=request.user, service=service, channels=request.POST.getlist("channel"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"You follow {service.name}: new incidents and their updates reach you."
            )
    return redirect(reverse("incident-list") + "?" + urlencode({"service": service.name}))


@require_POST
def status_subscribe(request: HttpRequest) -> HttpResponse:
    """Take an address from the status page and send it a confirmation link."""
    email = request.POST.get("email", "")
    try:
        subscribers.status_subscribe(email=email, client=client_ip_address(request) or "")
    except ValidationError as error:
        context = {"error": " ".join(error.message_dict.get("email", error.messages)), "email": email}
        return render(request, "broadcasts/status_subscribe.html", context, status=400)
    except subscribers.RateLimited as error:
        response = render(
            request, "broadcasts/status_subscribe.html", {"error": str(error), "email": email}, status=429
        )
        response["Retry-After"] = "3600"
        return response
    return render(request, "broadcasts/status_subscribe.html", {"sent": True})


@require_http_methods(["GET", "POST"])
def status_subscribe_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners only GET); POST confirms the address."""
    if request.method == "GET":
        return render(request, "broadcasts/status_confirm.html", {"token": token})
    try:
        subscriber = subscribers.status_subscribe_confirm(token=token)
    except ValidationError as error:
        return render(
            request, "broadcasts/status_confirm.html", {"error": " ".join(error.messages)}, status=400
        )
    return render(request, "broadcasts/status_confirm.html", {"confirmed": subscriber})


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a form from our site
@require_http_methods(["GET", "POST"])
def status_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a one-button page; POST (from it or a mail client's button) unsubscribes."""
    try:
        if request.method == "GET":
            subscriber = subscribers.status_subscriber_for_token(token)
            return render(
                request, "broadcasts/status_unsubscribe.html", {"subscriber": subscriber, "token": token}
            )
        subscribers.status_unsubscribe(token=token)
    except ValidationError as error:
        context = {"error": " ".join(error.messages)}
        return render(request, "broadcasts/status_unsubscribe.html", context, status=400)
    return render(request, "broadcasts/status_unsubscribe.html", {"done": True})
