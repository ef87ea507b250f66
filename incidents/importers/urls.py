from django.urls import path

from incidents.importers import views

urlpatterns = [
    path("incidents/<str:reference>/import-chat/", views.chat_import, name="incident-chat-import"),
]
