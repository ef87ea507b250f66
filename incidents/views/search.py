"""The search page: the same selector as `GET /api/v1/search/`, for people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.forms import set_choices
from incidents.search import MAX_QUERY_LENGTH, SOURCES, search

PAGE_SIZE = 20


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=MAX_QUERY_LENGTH, strip=True)
    type = forms.ChoiceField(label="Only", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "type", [("", "Everything")] + [(source.type, source.label) for source in SOURCES])

    def clean_q(self) -> str:
        value: str = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError("Null characters are not allowed.")
        return value


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Results for `?q=` among the incidents the user may see, best first."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    page: Page[Any] | None = None
    if form.is_valid():
        results = search(
            user=request.user, query=form.cleaned_data["q"], type=form.cleaned_data["type"] or None
        )
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "incidents/search.html", {"form": form, "page": page}, status=status)
