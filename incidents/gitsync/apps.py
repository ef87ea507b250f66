from django.apps import AppConfig


class GitSyncConfig(AppConfig):
    name = "incidents.gitsync"
    label = "gitsync"
    verbose_name = "Postmortems in Git"

    def ready(self) -> None:
        from django.apps import apps
        from django.core.exceptions import ImproperlyConfigured

        if not apps.is_installed("incidents.postmortems"):
            raise ImproperlyConfigured(
                "incidents.gitsync syncs postmortems: install incidents.postmortems too."
            )
        from incidents.events import EVENT_HOOKS
        from incidents.gitsync import jobs  # noqa: F401 — registers gitsync.push and gitsync.pull
        from incidents.gitsync.services import on_incident_event

        if on_incident_event not in EVENT_HOOKS:
            EVENT_HOOKS.append(on_incident_event)
        from incidents.panels import register_panel

        register_panel("postmortem_side", "gitsync/_postmortem_panel.html")
