from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "incidents.importers"
    label = "importers"
    verbose_name = "Imports"

    def ready(self) -> None:
        from incidents.importers import jobs  # noqa: F401 — registers imports.run
        from incidents.panels import register_panel

        register_panel("incident_tabs", "importers/_incident_tab.html", order=20)
