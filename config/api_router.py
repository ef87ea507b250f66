"""/api/v1/: each app registers its viewsets here."""

from django.apps import apps
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from incidents.api import schema  # noqa: F401 — registers the token scheme with drf-spectacular
from incidents.api.account import JobViewSet, MeView
from incidents.api.audit import IncidentHistoryView
from incidents.api.changes import ChangeCauseView, ChangeHookView, IncidentChangesView
from incidents.api.deploy_hooks import GitHubDeploymentHookView, GitLabDeploymentHookView
from incidents.api.hooks import AlertmanagerHookView, GenericHookView, GrafanaHookView, SentryHookView
from incidents.api.record import (
    ActionViewSet,
    CauseViewSet,
    IncidentActionViewSet,
    IncidentCauseViewSet,
    IncidentUpdateViewSet,
)
from incidents.api.search import SearchView
from incidents.api.timeline import IncidentTimelineViewSet, TimelineEventViewSet
from incidents.api.views import IncidentViewSet
from incidents.api.writing import WritingCheckView

router = DefaultRouter()
router.include_format_suffixes = False
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

SUB_APP_API = (
    ("incidents.postmortems", "incidents.postmortems.api_urls"),
    ("incidents.reminders", "incidents.reminders.api.urls"),
    ("incidents.insights", "incidents.insights.api_urls"),
    ("incidents.broadcasts", "incidents.broadcasts.api_urls"),
    ("incidents.gitsync", "incidents.gitsync.api_urls"),
    ("incidents.drafting", "incidents.drafting.api_urls"),
    ("incidents.tickets", "incidents.tickets.api_urls"),
    ("incidents.taxonomy", "incidents.taxonomy.api_urls"),
)

app_name = "api"
urlpatterns = [
    path("", include(router.urls)),
    path("me/", MeView.as_view(), name="me"),
    path("hooks/alertmanager/", AlertmanagerHookView.as_view(), name="hook-alertmanager"),
    path("search/", SearchView.as_view(), name="search"),
    path("writing-check/", WritingCheckView.as_view(), name="writing-check"),
    path("incidents/<str:id>/history/", IncidentHistoryView.as_view(), name="incident-history"),
    path("hooks/grafana/", GrafanaHookView.as_view(), name="hook-grafana"),
    path("hooks/sentry/", SentryHookView.as_view(), name="hook-sentry"),
    path("hooks/generic/<slug:slug>/", GenericHookView.as_view(), name="hook-generic"),
    path("hooks/changes/", ChangeHookView.as_view(), name="hook-changes"),
    path("hooks/changes/github/", GitHubDeploymentHookView.as_view(), name="hook-changes-github"),
    path("hooks/changes/gitlab/", GitLabDeploymentHookView.as_view(), name="hook-changes-gitlab"),
    path("incidents/<str:id>/changes/", IncidentChangesView.as_view(), name="incident-changes"),
    path(
        "incidents/<str:id>/changes/<str:change_id>/cause/",
        ChangeCauseView.as_view(),
        name="incident-change-cause",
    ),
    # Sub-apps' routes, when they are installed.
    *[path("", include(module)) for app, module in SUB_APP_API if apps.is_installed(app)],
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from `docs/?script=`, so the page runs under
    # the site-wide Content-Security-Policy (script-src 'self') without an inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
