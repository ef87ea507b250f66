from django.urls import path

from incidents.drafting import views

BASE = "incidents/<str:reference>/postmortem/drafts/"

urlpatterns = [
    path(BASE, views.draft_request, name="drafting-request"),
    path(f"{BASE}sections/<slug:key>/", views.section_drafts, name="drafting-section"),
    path(f"{BASE}<int:pk>/accept/", views.draft_accept, name="drafting-accept"),
    path(f"{BASE}<int:pk>/dismiss/", views.draft_dismiss, name="drafting-dismiss"),
]
