from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "incidents.postmortems"
    label = "postmortems"
    verbose_name = "Postmortems"
