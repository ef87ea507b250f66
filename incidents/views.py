from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents import selectors


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    active = selectors.active_incidents(user=request.user)
    return render(request, "incidents/dashboard.html", {"active_incidents": active})
