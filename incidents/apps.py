from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents import signals  # noqa: F401 — creates profiles for new users
        from incidents.search import SOURCES
        from incidents.search_index import events_added, register_source
        from timeline.signals import events_added as timeline_events_added

        for source in list(SOURCES):
            register_source(source)  # keeps the search index current from every save and delete
        timeline_events_added.connect(events_added, dispatch_uid="search-index-events-added")
        post_migrate.connect(_index_existing_rows, sender=self, dispatch_uid="search-index-after-migrate")


def _index_existing_rows(using: str = "default", **kwargs: Any) -> None:
    """After `migrate`: a database whose incidents predate the search index gets it filled once."""
    from incidents.models import Incident, SearchDocument
    from incidents.search_index import rebuild

    if Incident.objects.using(using).exists() and not SearchDocument.objects.using(using).exists():
        rebuild()
