from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents import services
from incidents.forms import ApiTokenForm, ProfileForm
from incidents.models import ApiToken
from incidents.views.common import INVALID, add_service_errors


def _user(request: HttpRequest) -> Any:
    # login_required guarantees a real user here.
    return request.user


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    profile = services.profile_for(request.user)
    context: dict[str, Any] = {
        "profile": profile,
        "form": ProfileForm(
            initial={
                "timezone": profile.timezone,
                "quiet_hours_start": profile.quiet_hours_start,
                "quiet_hours_end": profile.quiet_hours_end,
                "quiet_weekends": profile.quiet_weekends,
            }
        ),
        "token_form": ApiTokenForm(),
        "tokens": list(ApiToken.objects.filter(user=_user(request)).order_by("-created_at")),
    }
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Your timezone, quiet hours and API tokens."""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=request.user, data=form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Profile saved.")
                return redirect("profile")
        return render(request, "incidents/profile.html", _context(request, form=form), status=INVALID)
    return render(request, "incidents/profile.html", _context(request))


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its key on this response only: it is never stored or shown again."""
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            response = render(
                request, "incidents/profile.html", _context(request, new_token=token, new_key=key)
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "incidents/profile.html", _context(request, token_form=form), status=INVALID)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=_user(request)).first()
    if token is None:
        raise Http404("No such token.")
    services.api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("profile")
