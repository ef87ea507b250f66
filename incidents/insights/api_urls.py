"""API routes of insights, appended to /api/v1/ by config/api_router.py."""

from django.urls import path

from incidents.insights.api import FixesNotHeldView, InsightsView, SimilarIncidentsView

urlpatterns = [
    path("insights/", InsightsView.as_view(), name="insights"),
    path("incidents/<str:id>/similar/", SimilarIncidentsView.as_view(), name="incident-similar"),
    path("incidents/<str:id>/fixes-not-held/", FixesNotHeldView.as_view(), name="incident-fixes-not-held"),
]
