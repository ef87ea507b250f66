from django.urls import path

from incidents.postmortems import views

BASE = "incidents/<str:reference>/postmortem/"

urlpatterns = [
    path(BASE, views.editor, name="postmortem-editor"),
    path(f"{BASE}generate/", views.generate, name="postmortem-generate"),
    path(f"{BASE}jobs/<uuid:job_id>/", views.job_status, name="postmortem-job"),
    path(f"{BASE}sections/<slug:key>/", views.section_save, name="postmortem-section-save"),
    path(
        f"{BASE}sections/<slug:key>/flags/dismiss/",
        views.section_flag_dismiss,
        name="postmortem-section-flag-dismiss",
    ),
    path(f"{BASE}sections/<slug:key>/preview/", views.section_preview, name="postmortem-section-preview"),
    path(f"{BASE}sections/<slug:key>/refresh/", views.section_refresh, name="postmortem-section-refresh"),
    path(f"{BASE}sections/<slug:key>/keep/", views.section_keep, name="postmortem-section-keep"),
    path(f"{BASE}reviewers/", views.reviewers, name="postmortem-reviewers"),
    *(
        path(f"{BASE}{step}/", views.review_step, {"step": step}, name=f"postmortem-{step}")
        for step in views.REVIEW_STEPS
    ),
    path(f"{BASE}diff/", views.diff, name="postmortem-diff"),
    path(f"{BASE}read/", views.read, name="postmortem-read"),
    path(f"{BASE}export/", views.export, name="postmortem-export"),
]
