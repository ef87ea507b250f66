"""API routes of incident types, appended to /api/v1/ by config/api_router.py."""

from django.urls import path

from incidents.taxonomy.api import IncidentTypeListView

urlpatterns = [
    path("incident-types/", IncidentTypeListView.as_view(), name="incident-types"),
]
