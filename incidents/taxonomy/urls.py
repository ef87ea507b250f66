from django.urls import path

from incidents.taxonomy import views

urlpatterns = [
    path("incident-types/fields/", views.incident_fields, name="taxonomy-incident-fields"),
    path("settings/incident-types/", views.type_list, name="taxonomy-type-list"),
    path("settings/incident-types/new/", views.type_edit, name="taxonomy-type-new"),
    path("settings/incident-types/<slug:slug>/", views.type_edit, name="taxonomy-type-edit"),
]
