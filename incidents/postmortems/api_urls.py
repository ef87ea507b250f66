"""API routes of the postmortem, appended to /api/v1/ by config/api_router.py."""

from django.urls import path

from incidents.postmortems import api

BASE = "incidents/<str:incident_id>/postmortem/"

urlpatterns = [
    path(BASE, api.PostmortemView.as_view(), name="postmortem"),
    path(f"{BASE}generate/", api.GenerateView.as_view(), name="postmortem-generate"),
    path(f"{BASE}sections/<slug:key>/", api.SectionView.as_view(), name="postmortem-section"),
    path(
        f"{BASE}sections/<slug:key>/refresh/",
        api.SectionRefreshView.as_view(),
        name="postmortem-section-refresh",
    ),
    path(f"{BASE}revisions/", api.RevisionListView.as_view(), name="postmortem-revisions"),
    path(f"{BASE}revisions/diff/", api.RevisionDiffView.as_view(), name="postmortem-revision-diff"),
    path(f"{BASE}revisions/<int:number>/", api.RevisionDetailView.as_view(), name="postmortem-revision"),
    path(f"{BASE}submit/", api.SubmitView.as_view(), name="postmortem-submit"),
    path(f"{BASE}approve/", api.ApproveView.as_view(), name="postmortem-approve"),
    path(f"{BASE}request-changes/", api.RequestChangesView.as_view(), name="postmortem-request-changes"),
    path(f"{BASE}publish/", api.PublishView.as_view(), name="postmortem-publish"),
    path(f"{BASE}reopen/", api.ReopenView.as_view(), name="postmortem-reopen"),
    path(f"{BASE}export/", api.ExportView.as_view(), name="postmortem-export"),
]
