"""API routes of insights, appended to /api/v1/ by config/api_router.py."""

from django.urls import path

from incidents.insights.api import InsightsView

urlpatterns = [
    path("insights/", InsightsView.as_view(), name="insights"),
]
