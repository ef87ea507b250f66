"""API routes of AI drafts, beside the postmortem's own (appended to /api/v1/ by config/api_router.py)."""

from django.urls import path

from incidents.drafting import api

BASE = "incidents/<str:incident_id>/postmortem/drafts/"

urlpatterns = [
    path(BASE, api.DraftListView.as_view(), name="postmortem-drafts"),
    path(f"{BASE}<int:draft_id>/", api.DraftDetailView.as_view(), name="postmortem-draft"),
    path(f"{BASE}<int:draft_id>/accept/", api.DraftAcceptView.as_view(), name="postmortem-draft-accept"),
    path(f"{BASE}<int:draft_id>/dismiss/", api.DraftDismissView.as_view(), name="postmortem-draft-dismiss"),
]
