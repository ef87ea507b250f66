from django.urls import path

from incidents.gitsync import views

urlpatterns = [
    path(
        "incidents/<str:reference>/postmortem/git/conflicts/<int:conflict_id>/resolve/",
        views.resolve,
        name="gitsync-conflict-resolve",
    ),
]
