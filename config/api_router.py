"""/api/v1/: each app registers its viewsets here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from incidents.insights.api import InsightsView
from incidents.reminders.api.views import NotificationViewSet

router = DefaultRouter()
router.register("notifications", NotificationViewSet, basename="notification")

app_name = "api"
urlpatterns = [
    path("", include(router.urls)),
    path("insights/", InsightsView.as_view(), name="insights"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from `docs/?script=`, so the page runs under
    # the site-wide Content-Security-Policy (script-src 'self') without an inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
