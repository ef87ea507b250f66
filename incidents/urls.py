from django.urls import path

from incidents import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
