from django.urls import path

from incidents.gitsync.api import GitHookView

urlpatterns = [path("hooks/git/", GitHookView.as_view(), name="hook-git")]
