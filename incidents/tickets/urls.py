from django.urls import path

from incidents.tickets import views

urlpatterns = [
    path("incidents/<str:reference>/actions/<int:pk>/ticket/", views.action_ticket, name="action-ticket"),
]
