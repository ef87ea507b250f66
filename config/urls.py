from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from incidents.sso.views import LoginView, LogoutView


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 — any database failure means unhealthy
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


SUB_APPS = (
    "incidents.insights",
    "incidents.broadcasts",
    "incidents.reminders",
    "incidents.postmortems",
    "incidents.importers",
    "incidents.sso",
    "incidents.gitsync",
    "incidents.drafting",
    "incidents.tickets",
    "incidents.taxonomy",
)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Sub-apps' pages, when they are installed; then the core's.
    *[path("", include(f"{app}.urls")) for app in SUB_APPS if apps.is_installed(app)],
    path("", include("incidents.urls")),
]

# A bad query parameter (django.core.exceptions.BadRequest) is a 400 page naming it.
handler400 = "incidents.views.errors.bad_request"
