"""/api/v1/: each app registers its viewsets here."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from incidents.api import schema  # noqa: F401 — registers the token scheme with drf-spectacular
from incidents.api.account import JobViewSet, MeView
from incidents.api.hooks import AlertmanagerHookView
from incidents.api.record import (
    ActionViewSet,
    CauseViewSet,
    IncidentActionViewSet,
    IncidentCauseViewSet,
    IncidentUpdateViewSet,
)
from incidents.api.timeline import IncidentTimelineViewSet, TimelineEventViewSet
from incidents.api.views import IncidentViewSet
from incidents.broadcasts.api import IncidentSubscriptionView
from incidents.insights.api import InsightsView
from incidents.reminders.api.views import NotificationViewSet

router = DefaultRouter()
router.include_format_suffixes = False
router.register("notifications", NotificationViewSet, basename="notification")
# Things inside one incident: /incidents/{incident_id}/<things>/ (list and create).
INCIDENT = r"incidents/(?P<incident_id>[^/]+)"
router.register(f"{INCIDENT}/timeline", IncidentTimelineViewSet, basename="incident-timeline")
router.register(f"{INCIDENT}/causes", IncidentCauseViewSet, basename="incident-causes")
router.register(f"{INCIDENT}/actions", IncidentActionViewSet, basename="incident-actions")
router.register(f"{INCIDENT}/updates", IncidentUpdateViewSet, basename="incident-updates")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("timeline-events", TimelineEventViewSet, basename="timeline-event")
router.register("causes", CauseViewSet, basename="cause")
router.register("actions", ActionViewSet, basename="action")
router.register("jobs", JobViewSet, basename="job")

app_name = "api"
urlpatterns = [
    path("", include(router.urls)),
    path("insights/", InsightsView.as_view(), name="insights"),
    path("me/", MeView.as_view(), name="me"),
    re_path(rf"^{INCIDENT}/subscription/$", IncidentSubscriptionView.as_view(), name="incident-subscription"),
    path("hooks/alertmanager/", AlertmanagerHookView.as_view(), name="hook-alertmanager"),
    path("", include("incidents.postmortems.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from `docs/?script=`, so the page runs under
    # the site-wide Content-Security-Policy (script-src 'self') without an inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
