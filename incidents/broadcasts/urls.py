from django.urls import path

from incidents.broadcasts import views

urlpatterns = [
    path("incidents/<str:reference>/follow/", views.incident_follow, name="incident-follow"),
    path("services/follow/", views.service_follow, name="service-follow"),
    path("status/subscribe/", views.status_subscribe, name="status-subscribe"),
    path(
        "status/subscribe/confirm/<str:token>/",
        views.status_subscribe_confirm,
        name="status-subscribe-confirm",
    ),
    path("status/unsubscribe/<str:token>/", views.status_unsubscribe, name="status-unsubscribe"),
]
