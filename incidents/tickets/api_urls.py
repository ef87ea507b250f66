"""API routes of ticket sync, appended to /api/v1/ by config/api_router.py."""

from django.urls import path

from incidents.tickets.api import ActionTicketView, TicketHookView

urlpatterns = [
    path("actions/<str:id>/ticket/", ActionTicketView.as_view(), name="action-ticket"),
    path("hooks/tickets/<int:tracker_id>/", TicketHookView.as_view(), name="hook-tickets"),
]
