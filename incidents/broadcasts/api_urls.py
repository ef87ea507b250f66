"""API routes of broadcasts and subscriptions, appended to /api/v1/ by config/api_router.py."""

from django.urls import path

from incidents.broadcasts.api import IncidentSubscriptionView

urlpatterns = [
    path(
        "incidents/<str:incident_id>/subscription/",
        IncidentSubscriptionView.as_view(),
        name="incident-subscription",
    ),
]
