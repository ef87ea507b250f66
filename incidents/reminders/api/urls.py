"""API routes of reminders and notifications, appended to /api/v1/ by config/api_router.py."""

from rest_framework.routers import SimpleRouter

from incidents.reminders.api.views import NotificationViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
