from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "incidents.broadcasts"
    label = "broadcasts"
    verbose_name = "Broadcasts and subscriptions"

    def ready(self) -> None:
        from incidents.broadcasts import handlers  # noqa: F401 — registers the outbox job handlers
        from incidents.broadcasts.services import on_incident_event
        from incidents.events import EVENT_HOOKS

        if on_incident_event not in EVENT_HOOKS:
            EVENT_HOOKS.append(on_incident_event)
        from incidents.panels import register_panel

        register_panel("incident_head", "broadcasts/_follow.html")
        register_panel("incident_list", "broadcasts/_follow_service.html")
        register_panel("status_page", "broadcasts/_status_subscribe.html")
