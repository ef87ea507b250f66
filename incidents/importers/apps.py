from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "incidents.importers"
    label = "importers"
    verbose_name = "Imports"
