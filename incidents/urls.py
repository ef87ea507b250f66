"""UI URLs. The names are stable: other areas link to them."""

from django.urls import path

from incidents import views
from incidents.views.search import search_page

incident = "incidents/<str:reference>/"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_declare, name="incident-declare"),
    path(incident, views.incident_detail, name="incident-detail"),
    path(incident + "edit/", views.incident_edit, name="incident-edit"),
    path(incident + "header/", views.incident_header_change, name="incident-header"),
    path(incident + "history/", views.incident_history, name="incident-history"),
    path(incident + "timeline/", views.timeline_window, name="incident-timeline"),
    path(incident + "timeline/add/", views.timeline_add, name="timeline-add"),
    path(incident + "timeline/<int:pk>/", views.event_detail, name="timeline-event"),
    path(incident + "timeline/<int:pk>/edit/", views.event_edit, name="timeline-event-edit"),
    path(incident + "timeline/<int:pk>/pin/", views.event_pin, name="timeline-event-pin"),
    path(incident + "timeline/<int:pk>/delete/", views.event_delete, name="timeline-event-delete"),
    path(incident + "timeline/<int:pk>/restore/", views.event_restore, name="timeline-event-restore"),
    path(incident + "causes/new/", views.cause_add, name="cause-add"),
    path(incident + "causes/<int:pk>/edit/", views.cause_edit, name="cause-edit"),
    path(incident + "changes/<int:pk>/suspect/", views.cause_from_change_view, name="change-suspect"),
    path(incident + "actions/new/", views.action_add, name="action-add"),
    path(incident + "actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
    path(incident + "actions/<int:pk>/close/", views.action_close, name="action-close"),
    path(incident + "updates/new/", views.status_update_post, name="status-update-post"),
    path("actions/", views.action_list, name="action-list"),
    path("search/", search_page, name="search"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/new/", views.api_token_create, name="api-token-create"),
    path("profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]
