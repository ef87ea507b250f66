from django.urls import path

from incidents.reminders import views

app_name = "reminders"
urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.notification_read_all, name="read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/<int:pk>/snooze/", views.notification_snooze, name="snooze"),
    path("notifications/snooze/<str:token>/", views.snooze_link, name="snooze-link"),
    path("profile/notifications/", views.preferences, name="preferences"),
]
