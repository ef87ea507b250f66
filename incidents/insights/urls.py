from django.urls import path

from incidents.insights import calendar, feeds, status, views

urlpatterns = [
    path("insights/", views.insights_page, name="insights"),
    path("insights/export.csv", views.insights_csv, name="insights-csv"),
    path("incidents/<str:reference>/related/", views.incident_related, name="incident-related"),
    path("incidents/<str:reference>/similar/", views.incident_similar, name="incident-similar-card"),
    path("similar-incidents/", views.declare_similar, name="declare-similar"),
    path("actions/<int:pk>/fix-outcome/", views.action_fix_outcome, name="action-fix-outcome"),
    path("actions/hints/", views.action_hints_partial, name="action-hints"),
    path("status/", status.status_page, name="status-page"),
    path("status/feed.atom", feeds.PublicUpdatesFeed(), name="status-feed"),
    path("status/incidents/<str:reference>/", status.status_incident, name="status-incident"),
    path("status/incidents/<str:reference>/postmortem/", status.status_postmortem, name="status-postmortem"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar-feed"),
    path("profile/calendar/", calendar.profile_calendar, name="profile-calendar"),
]
